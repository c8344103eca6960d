package onnx

import (
	"math"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// opset7Graph is a graph in the operator forms of opset 7: attributes
// where opset 21 has inputs, BatchNormalization with spatial and momentum,
// Dropout with ratio and a mask, MaxPool with storage_order, Softmax with
// the old axis default.
func opset7Graph() msg { return opset7GraphSplit(true) }

// opset7GraphSplit is opset7Graph, with its Split node or without.
func opset7GraphSplit(split bool) msg {
	bnInit := func(name string, v float32) msg { return tensorMsg(name, []int64{3}, v, v, v) }
	nodes := []msg{
		nodeMsg("Pad", "pad", []string{"x"}, []string{"p"},
			attrInts("pads", 0, 0, 1, 1, 0, 0, 1, 1), attrString("mode", "constant"), attrFloat("value", 0.5)),
		nodeMsg("BatchNormalization", "bn", []string{"p", "s", "b", "mu", "var"}, []string{"bn", "rm", "rv"},
			attrInt("spatial", 1), attrFloat("epsilon", 1e-3), attrFloat("momentum", 0.9)),
		nodeMsg("Unsqueeze", "unsq", []string{"bn"}, []string{"u"}, attrInts("axes", 1)),
		nodeMsg("Squeeze", "sq", []string{"u"}, []string{"sq"}, attrInts("axes", 1)),
		nodeMsg("Slice", "slice", []string{"sq"}, []string{"sl"}, attrInts("starts", 1), attrInts("ends", 3), attrInts("axes", 1)),
		nodeMsg("Clip", "clip", []string{"sl"}, []string{"c"}, attrFloat("min", 0), attrFloat("max", 6)),
		nodeMsg("Clip", "clipmax", []string{"c"}, []string{"cm"}, attrFloat("max", 4)),
		nodeMsg("ReduceMean", "mean", []string{"cm"}, []string{"r"}, attrInts("axes", 2, 3), attrInt("keepdims", 1)),
		nodeMsg("Dropout", "drop", []string{"r"}, []string{"d", "mask"}, attrFloat("ratio", 0.5)),
		nodeMsg("Flatten", "flat", []string{"d"}, []string{"f"}, attrInt("axis", 1)),
		nodeMsg("Softmax", "sm2", []string{"f"}, []string{"sm"}),
		nodeMsg("Softmax", "sm4", []string{"cm"}, []string{"sm4"}, attrInt("axis", 1)),
		nodeMsg("MaxPool", "pool", []string{"cm"}, []string{"mp"}, attrInts("kernel_shape", 2, 2), attrInt("storage_order", 0)),
		nodeMsg("Gemm", "fc", []string{"f", "w", "wb"}, []string{"fc"}, attrInt("transB", 1)),
	}
	outs := []string{"sm", "sm4", "mp", "fc"}
	if split {
		nodes = append(nodes, nodeMsg("Split", "split", []string{"cm"}, []string{"s1", "s2"}, attrInt("axis", 1), attrInts("split", 1, 1)))
		outs = append(outs, "s1", "s2")
	}
	inits := []msg{bnInit("s", 1), bnInit("b", 0), bnInit("mu", 0.25), bnInit("var", 2),
		tensorMsg("w", []int64{2, 2}, 1, 2, 3, 4), tensorMsg("wb", []int64{2}, 0, 1)}
	return graphMsg(nodes, inits, []any{1, 3, 8, 8}, outs...)
}

// TestImportOpset7 checks each old form arrives in its opset-21 form.
func TestImportOpset7(t *testing.T) {
	g, err := importMsg(t, 7, opset7Graph(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pad := node(t, g, "Pad")
	if pads := constInts(t, pad, 1); !slices.Equal(pads, []int64{0, 0, 1, 1, 0, 0, 1, 1}) {
		t.Errorf("Pad pads %v", pads)
	}
	if v := constFloats(t, pad, 2); !slices.Equal(v, []float32{0.5}) || len(pad.Inputs[2].Shape) != 0 {
		t.Errorf("Pad value %v shape %v, want the scalar 0.5", v, pad.Inputs[2].Shape)
	}
	wantAttrs(t, pad, graph.Attrs{"mode": graph.S("constant")})
	bn := node(t, g, "BatchNormalization")
	wantAttrs(t, bn, graph.Attrs{"epsilon": graph.F(1e-3)})
	if len(bn.Outputs) != 1 || len(bn.Inputs) != 5 {
		t.Errorf("BatchNormalization has %d inputs, %d outputs", len(bn.Inputs), len(bn.Outputs))
	}
	for _, op := range []string{"Unsqueeze", "Squeeze"} {
		n := node(t, g, op)
		if a := constInts(t, n, 1); !slices.Equal(a, []int64{1}) || len(n.Attrs) != 0 {
			t.Errorf("%s axes %v attrs %v", op, a, n.Attrs)
		}
	}
	sl := node(t, g, "Slice")
	for i, want := range [][]int64{{1}, {3}, {1}} {
		if v := constInts(t, sl, i+1); !slices.Equal(v, want) {
			t.Errorf("Slice input %d: %v, want %v", i+1, v, want)
		}
	}
	if len(sl.Inputs) != 4 || len(sl.Attrs) != 0 {
		t.Errorf("Slice: %d inputs, attrs %v", len(sl.Inputs), sl.Attrs)
	}
	checkClips(t, g)
	mean := node(t, g, "ReduceMean")
	if a := constInts(t, mean, 1); !slices.Equal(a, []int64{2, 3}) {
		t.Errorf("ReduceMean axes %v", a)
	}
	wantAttrs(t, mean, graph.Attrs{"keepdims": graph.I(1)})
	drop := node(t, g, "Dropout")
	if len(drop.Inputs) != 1 || len(drop.Outputs) != 1 || len(drop.Attrs) != 0 {
		t.Errorf("Dropout: %d inputs, %d outputs, attrs %v", len(drop.Inputs), len(drop.Outputs), drop.Attrs)
	}
	mp := node(t, g, "MaxPool")
	wantAttrs(t, mp, graph.Attrs{"kernel_shape": graph.Is(2, 2)})
	split := node(t, g, "Split")
	if s := constInts(t, split, 1); !slices.Equal(s, []int64{1, 1}) {
		t.Errorf("Split split %v", s)
	}
	wantAttrs(t, split, graph.Attrs{"axis": graph.I(1)})
	checkSoftmaxes(t, g)
}

func checkClips(t *testing.T, g *graph.Graph) {
	t.Helper()
	for _, n := range g.Nodes {
		if n.Op != "Clip" {
			continue
		}
		switch n.Name {
		case "clip":
			if lo, hi := constFloats(t, n, 1), constFloats(t, n, 2); lo[0] != 0 || hi[0] != 6 {
				t.Errorf("Clip bounds %v %v", lo, hi)
			}
		case "clipmax":
			if len(n.Inputs) != 3 || n.Inputs[1] != nil || constFloats(t, n, 2)[0] != 4 {
				t.Errorf("Clip with max only: inputs %v", n.Inputs)
			}
		}
		if len(n.Attrs) != 0 {
			t.Errorf("%v keeps attributes %v", n, n.Attrs)
		}
	}
}

// checkSoftmaxes: on the rank-2 Flatten output the axis becomes explicit;
// on a rank-4 value with axis 1 the opset-7 meaning (softmax over C*H*W)
// becomes Flatten(1) -> Softmax(-1) -> Reshape(Shape(x)).
func checkSoftmaxes(t *testing.T, g *graph.Graph) {
	t.Helper()
	var plain, rows *graph.Node
	for _, n := range g.Nodes {
		if n.Op == "Softmax" && n.Name == "sm2" && n.Inputs[0].Producer.Op == "Flatten" && n.Outputs[0].Name == "sm" {
			plain = n
		} else if n.Op == "Softmax" {
			rows = n
		}
	}
	if plain == nil || rows == nil {
		t.Fatalf("softmax nodes missing: %v", g.OpHistogram())
	}
	wantAttrs(t, plain, graph.Attrs{"axis": graph.I(1)})
	wantAttrs(t, rows, graph.Attrs{"axis": graph.I(-1)})
	flat := rows.Inputs[0].Producer
	if flat.Op != "Flatten" || flat.Attrs["axis"].Int != 1 || flat.Inputs[0] != g.Value("cm") {
		t.Errorf("rank-4 Softmax reads %v", flat)
	}
	out := g.Value("sm4")
	if p := out.Producer; p == nil || p.Op != "Reshape" || p.Inputs[0] != rows.Outputs[0] ||
		p.Inputs[1].Producer.Op != "Shape" || p.Inputs[1].Producer.Inputs[0] != g.Value("cm") {
		t.Errorf("rank-4 Softmax output written by %v", out.Producer)
	}
}

// TestImportNewForms: the same operators in their opset-13+ forms pass
// through unchanged, and Split without split gets num_outputs.
func TestImportNewForms(t *testing.T) {
	axes := msg(nil).packedInts(1, 1).varint(2, int64(Int64)).str(8, "ax").packedInts(7, 0)
	nodes := []msg{
		nodeMsg("Unsqueeze", "u", []string{"x", "ax"}, []string{"u"}),
		nodeMsg("Softmax", "sm", []string{"u"}, []string{"sm"}),
		nodeMsg("Split", "split", []string{"x"}, []string{"a", "b", "c"}, attrInt("axis", 1)),
		nodeMsg("BatchNormalization", "bn", []string{"x", "s", "s", "s", "s"}, []string{"bn"}, attrInt("training_mode", 0)),
		nodeMsg("Dropout", "drop", []string{"x", "ratio", "tm"}, []string{"d"}, attrInt("seed", 3)),
	}
	s := tensorMsg("s", []int64{3}, 1, 1, 1)
	ratio := msg(nil).varint(2, int64(Float)).str(8, "ratio").bytes(9, f32bytes(0.5))
	tm := msg(nil).varint(2, int64(Bool)).str(8, "tm").bytes(9, []byte{0})
	g, err := importMsg(t, 17, graphMsg(nodes, []msg{axes, s, ratio, tm}, []any{1, 3, 4, 4}, "sm", "a", "bn", "d"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if u := node(t, g, "Unsqueeze"); len(u.Inputs) != 2 || u.Inputs[1].Name != "ax" {
		t.Errorf("Unsqueeze inputs %v", u.Inputs)
	}
	wantAttrs(t, node(t, g, "Softmax"), graph.Attrs{})
	wantAttrs(t, node(t, g, "Split"), graph.Attrs{"axis": graph.I(1), "num_outputs": graph.I(3)})
	wantAttrs(t, node(t, g, "BatchNormalization"), graph.Attrs{})
	if d := node(t, g, "Dropout"); len(d.Inputs) != 1 || len(d.Attrs) != 0 {
		t.Errorf("Dropout: inputs %v attrs %v", d.Inputs, d.Attrs)
	}
}

// TestImportUnsorted: nodes may come in any order; the graph comes out in
// topological order.
func TestImportUnsorted(t *testing.T) {
	nodes := []msg{
		nodeMsg("Sigmoid", "c", []string{"b"}, []string{"y"}),
		nodeMsg("Tanh", "b", []string{"a"}, []string{"b"}),
		nodeMsg("Relu", "a", []string{"x"}, []string{"a"}),
	}
	g, err := importMsg(t, 13, graphMsg(nodes, nil, []any{1, 3}, "y"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range g.Nodes {
		ops = append(ops, n.Op)
	}
	if !slices.Equal(ops, []string{"Relu", "Tanh", "Sigmoid"}) {
		t.Errorf("order %v", ops)
	}
}

// TestImportRefusals: what the importer must refuse, with the node named.
func TestImportRefusals(t *testing.T) {
	w := tensorMsg("w", []int64{1}, 1)
	relu := func(in, out string) msg { return nodeMsg("Relu", "r_"+out, []string{in}, []string{out}) }
	cases := []struct {
		name  string
		opset int64
		nodes []msg
		inits []msg
		kind  error
		text  string
	}{
		{"duplicate initializer", 13, []msg{relu("x", "y")}, []msg{w, w}, graph.ErrInvalid, `"w" is defined twice`},
		{"initializer overwritten", 13, []msg{relu("x", "w")}, []msg{w}, graph.ErrInvalid, `"w" is defined twice`},
		{"produced twice", 13, []msg{relu("x", "y"), relu("x", "y")}, nil, graph.ErrInvalid, `"y" is defined twice`},
		{"input overwritten", 13, []msg{relu("y", "x"), relu("x", "y")}, nil, graph.ErrInvalid, `"x" is defined twice`},
		{"undefined", 13, []msg{relu("nope", "y")}, nil, graph.ErrInvalid, `node "r_y" (Relu) reads "nope"`},
		{"undefined output", 13, []msg{relu("x", "z")}, nil, graph.ErrInvalid, `graph output "y" reads "y", which no node`},
		{"string constant", 13, []msg{relu("x", "z"), relu("s", "y")}, []msg{msg(nil).varint(2, int64(String)).str(8, "s")},
			graph.ErrUnsupported, `node "r_y" (Relu): constant "s": element type STRING`},
		{"cycle", 13, []msg{relu("z", "y"), relu("y", "z")}, nil, graph.ErrInvalid, "cycle"},
		{"identity cycle", 13, []msg{nodeMsg("Identity", "i1", []string{"b"}, []string{"a"}),
			nodeMsg("Identity", "i2", []string{"a"}, []string{"b"}), relu("a", "y")}, nil, graph.ErrInvalid, "cycle"},
		{"domain", 13, []msg{append(relu("x", "y"), msg(nil).str(7, "com.microsoft")...)}, nil, graph.ErrUnsupported, `"r_y" (Relu): operator domain "com.microsoft"`},
		{"unknown op", 13, []msg{nodeMsg("Resize", "rs", []string{"x"}, []string{"y"})}, nil, graph.ErrUnsupported, `"rs" (Resize): operator Resize is not supported`},
		{"upsample", 7, []msg{nodeMsg("Upsample", "up", []string{"x"}, []string{"y"})}, nil, graph.ErrUnsupported, `"up" (Upsample)`},
		{"opset 6", 6, []msg{relu("x", "y")}, nil, graph.ErrUnsupported, "opset 6"},
		{"opset 22", 22, []msg{relu("x", "y")}, nil, graph.ErrUnsupported, "opset 22"},
		{"too new op", 13, []msg{nodeMsg("HardSwish", "hs", []string{"x"}, []string{"y"})}, nil, graph.ErrUnsupported, "HardSwish needs opset 14"},
		{"unknown attribute", 13, []msg{nodeMsg("Relu", "r", []string{"x"}, []string{"y"}, attrInt("alpha", 1))}, nil, graph.ErrUnsupported, `attribute "alpha"`},
		{"spatial 0", 7, []msg{nodeMsg("BatchNormalization", "bn", []string{"x", "w", "w", "w", "w"}, []string{"y"}, attrInt("spatial", 0))},
			[]msg{w}, graph.ErrUnsupported, `"bn" (BatchNormalization): spatial=0`},
		{"training mode", 15, []msg{nodeMsg("BatchNormalization", "bn", []string{"x", "w", "w", "w", "w"}, []string{"y"}, attrInt("training_mode", 1))},
			[]msg{w}, graph.ErrUnsupported, "training_mode=1"},
		{"training output read", 9, []msg{nodeMsg("BatchNormalization", "bn", []string{"x", "w", "w", "w", "w"}, []string{"y", "m"}), relu("m", "z")},
			[]msg{w}, graph.ErrUnsupported, `training output "m" is read`},
		{"storage order", 8, []msg{nodeMsg("MaxPool", "mp", []string{"x"}, []string{"y"}, attrInts("kernel_shape", 2, 2), attrInt("storage_order", 1))},
			nil, graph.ErrUnsupported, `"mp" (MaxPool): storage_order=1`},
		{"indices read", 12, []msg{nodeMsg("MaxPool", "mp", []string{"x"}, []string{"y", "i"}, attrInts("kernel_shape", 2, 2)), relu("i", "z")},
			nil, graph.ErrUnsupported, `Indices output "i" is read`},
		{"dropout mask read", 7, []msg{nodeMsg("Dropout", "d", []string{"x"}, []string{"y", "m"}), relu("m", "z")},
			nil, graph.ErrUnsupported, `mask output "m" is read`},
		{"dropout training", 13, []msg{nodeMsg("Dropout", "d", []string{"x", "", "x"}, []string{"y"})},
			nil, graph.ErrUnsupported, "training_mode input"},
		{"string attribute list", 13, []msg{nodeMsg("Relu", "r", []string{"x"}, []string{"y"},
			msg(nil).str(1, "s").varint(20, int64(AttrStrings)).str(9, "a"))}, nil, graph.ErrUnsupported, `attribute "s" of type 8`},
	}
	for _, c := range cases {
		_, err := importMsg(t, c.opset, graphMsg(c.nodes, c.inits, []any{1, 3, 4, 4}, "y"), nil)
		wantErr(t, c.name, err, c.kind, c.text)
	}
}

// TestImportFloat16 checks FLOAT16 and BFLOAT16 initializers behind a Cast
// arrive as float32 constants with exactly the values of a table computed
// by hand from the bit patterns, both when decoded at once and lazily.
func TestImportFloat16(t *testing.T) {
	half := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0}, {0x8000, float32(math.Copysign(0, -1))}, {0x3c00, 1}, {0xc000, -2},
		{0x3e00, 1.5}, {0x3555, 0.333251953125}, {0x5640, 100}, {0x7bff, 65504},
		{0x0400, 1.0 / 16384}, {0x0001, 1.0 / 16777216}, {0x03ff, 1023.0 / 16777216},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	bf := []struct {
		bits uint16
		want float32
	}{{0x3f80, 1}, {0x4049, 3.140625}, {0xc2f7, -123.5}, {0x0000, 0}}
	for _, reps := range []int{1, 8} { // 13 or 104 elements: eager, then lazy
		var hb, bb []byte
		var hw, bw []float32
		for range reps {
			for _, c := range half {
				hb, hw = append(hb, byte(c.bits), byte(c.bits>>8)), append(hw, c.want)
			}
			for _, c := range bf {
				bb, bw = append(bb, byte(c.bits), byte(c.bits>>8)), append(bw, c.want)
			}
		}
		h := msg(nil).packedInts(1, int64(len(hw))).varint(2, int64(Float16)).str(8, "h").bytes(9, hb)
		b := msg(nil).packedInts(1, int64(len(bw))).varint(2, int64(BFloat16)).str(8, "b").bytes(9, bb)
		nodes := []msg{
			nodeMsg("Cast", "ch", []string{"h"}, []string{"hc"}, attrInt("to", int64(Float))),
			nodeMsg("Cast", "cb", []string{"b"}, []string{"bc"}, attrInt("to", int64(Float))),
		}
		g, err := importMsg(t, 13, graphMsg(nodes, []msg{h, b}, []any{1, 3}, "hc", "bc"), nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string][]float32{"h": hw, "b": bw} {
			v := g.Value(name)
			if v == nil || !v.IsConst() || v.DType != graph.Float32 || !slices.Equal(v.Shape, []int{len(want)}) {
				t.Fatalf("%s: %+v", name, v)
			}
			if lazy := v.Const.F32 == nil; lazy != (len(want) > eagerElems) {
				t.Errorf("%s of %d elements: lazy %v", name, len(want), lazy)
			}
			got, err := v.Const.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("%s[%d] = %g (%#x), want %g", name, i, got[i], math.Float32bits(got[i]), want[i])
				}
			}
		}
		wantAttrs(t, g.Value("hc").Producer, graph.Attrs{"to": graph.I(int64(Float))})
	}
}
