package graph

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// resnetish builds a small graph of the supported operators: stem, a
// residual block, the head.
func resnetish(t *testing.T) *Graph {
	t.Helper()
	g := New()
	must := func(v *Value, err error) *Value {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	node := func(op string, attrs Attrs, out string, ins ...*Value) *Value {
		t.Helper()
		n, err := g.AddNode(op, out, ins, []string{out}, attrs)
		if err != nil {
			t.Fatal(err)
		}
		return n.Outputs[0]
	}
	x := must(g.AddInput("x", Float32, []int{1, 3, 16, 16}))
	w1 := must(g.AddConst("w1", fz(8, 3, 3, 3)))
	w2 := must(g.AddConst("w2", fz(8, 8, 3, 3)))
	p := func(name string) *Value { return must(g.AddConst(name, fz(8))) }
	c1 := node("Conv", Attrs{"pads": Is(1, 1, 1, 1), "strides": Is(2, 2)}, "c1", x, w1)
	b1 := node("BatchNormalization", Attrs{"epsilon": F(1e-5)}, "b1", c1, p("s"), p("b"), p("m"), p("v"))
	r1 := node("Relu", nil, "r1", b1)
	m1 := node("MaxPool", Attrs{"kernel_shape": Is(3, 3), "strides": Is(1, 1), "auto_pad": S("SAME_UPPER")}, "m1", r1)
	c2 := node("Conv", Attrs{"pads": Is(1, 1, 1, 1)}, "c2", m1, w2, p("bias"))
	a := node("Add", nil, "add", c2, m1)
	r2 := node("Relu", nil, "r2", a)
	gp := node("GlobalAveragePool", nil, "gap", r2)
	// torch's flatten: Reshape(x, Concat(Gather(Shape(x), 0), [-1])).
	sh := node("Shape", nil, "shape", gp)
	g0 := node("Gather", Attrs{"axis": I(0)}, "g0", sh, must(g.AddConst("zero", is0(0))))
	u0 := node("Unsqueeze", nil, "u0", g0, must(g.AddConst("ax0", iv(0))))
	cat := node("Concat", Attrs{"axis": I(0)}, "cat", u0, must(g.AddConst("m1c", iv(-1))))
	fl := node("Reshape", nil, "flat", gp, cat)
	fc := node("Gemm", Attrs{"transB": I(1)}, "fc", fl, must(g.AddConst("fw", fz(10, 8))), must(g.AddConst("fb", fz(10))))
	sm := node("Softmax", Attrs{"axis": I(1)}, "prob", fc)
	g.Outputs = []*Value{sm, fl}
	return g
}

func TestCheckAcceptsSupportedGraph(t *testing.T) {
	g := resnetish(t)
	// Before folding the shape subgraph, Check accepts it: it is static.
	if err := Check(g); err != nil {
		t.Fatal(err)
	}
	if err := InferShapes(g); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("InferShapes before folding: %v, want the Reshape refused", err)
	}
}

func TestSupportedOps(t *testing.T) {
	ops := SupportedOps()
	for _, op := range []string{"Conv", OpConv, OpScaleShift, "Pad", "Slice", "Shape", "Range", "HardSwish"} {
		found := false
		for _, o := range ops {
			found = found || o == op
		}
		if !found {
			t.Errorf("%s missing from %v", op, ops)
		}
	}
	if !FoldOnly("Gather") || FoldOnly("Conv") {
		t.Error("FoldOnly wrong")
	}
}

func TestCheckRefuses(t *testing.T) {
	x := []int{1, 4, 8, 8}
	big := int64(math.MaxInt64)
	cases := []struct {
		name  string
		op    string
		attrs Attrs
		ins   []any
		nout  int
		read1 bool // output 1 is read by a graph output
		msg   string
	}{
		{name: "unknown op", op: "Resize", ins: []any{x}, msg: "operator Resize"},
		{name: "unknown attribute", op: "Conv", attrs: Attrs{"foo": I(1)}, ins: []any{x, fz(4, 4, 1, 1)}, msg: `attribute "foo"`},
		{name: "pad reflect", op: "Pad", attrs: Attrs{"mode": S("reflect")}, ins: []any{x, iv(0, 0, 1, 1, 0, 0, 1, 1)}, msg: "constant"},
		{name: "pad batch", op: "Pad", ins: []any{x, iv(1, 0, 0, 0, 0, 0, 0, 0)}, msg: "batch"},
		{name: "pad negative", op: "Pad", ins: []any{x, iv(0, 0, -1, 0, 0, 0, 0, 0)}, msg: "pads >= 0"},
		{name: "conv weight at run time", op: "Conv", ins: []any{x, []int{1, 4, 1, 1}}, msg: "constant"},
		{name: "conv bias at run time", op: "Conv", ins: []any{x, fz(1, 4, 1, 1), []int{1}}, msg: "constant"},
		{name: "conv 1-D", op: "Conv", ins: []any{[]int{1, 4, 8}, fz(4, 4, 1)}, msg: "2-D"},
		{name: "fused activation", op: OpConv, attrs: Attrs{"activation": S("gelu")}, ins: []any{x, fz(4, 4, 1, 1)}, msg: "relu, clip"},
		{name: "scale shift at run time", op: OpScaleShift, ins: []any{[]int{1, 1, 8, 8}, []int{1}, fz(1)}, msg: "constant"},
		{name: "bn training", op: "BatchNormalization", attrs: Attrs{"training_mode": I(1)}, ins: []any{x, fz(4), fz(4), fz(4), fz(4)}, msg: "training_mode"},
		{name: "bn spatial 0", op: "BatchNormalization", attrs: Attrs{"spatial": I(0)}, ins: []any{x, fz(4), fz(4), fz(4), fz(4)}, msg: "spatial"},
		{name: "bn mean at run time", op: "BatchNormalization", ins: []any{[]int{1, 1, 8, 8}, fz(1), fz(1), []int{1}, fz(1)}, msg: "constant"},
		{name: "maxpool indices", op: "MaxPool", attrs: Attrs{"kernel_shape": Is(2, 2)}, ins: []any{x}, nout: 2, read1: true, msg: "Indices"},
		{name: "avgpool dilation", op: "AveragePool", attrs: Attrs{"kernel_shape": Is(2, 2), "dilations": Is(2, 2)}, ins: []any{x}, msg: "dilations"},
		{name: "concat batch", op: "Concat", attrs: Attrs{"axis": I(0)}, ins: []any{x, x}, msg: "axis 0"},
		{name: "concat batch negative", op: "Concat", attrs: Attrs{"axis": I(-4)}, ins: []any{x, fz(1, 4, 8, 8)}, msg: "axis 0"},
		{name: "softmax batch", op: "Softmax", attrs: Attrs{"axis": I(0)}, ins: []any{[]int{1, 10}}, msg: "axis 0"},
		{name: "logsoftmax batch", op: "LogSoftmax", attrs: Attrs{"axis": I(-2)}, ins: []any{[]int{1, 10}}, msg: "axis 0"},
		{name: "reduce all", op: "ReduceMean", ins: []any{x}, msg: "axis 0"},
		{name: "reduce batch", op: "ReduceMax", ins: []any{x, iv(0, 2, 3)}, msg: "axis 0"},
		{name: "transpose batch", op: "Transpose", attrs: Attrs{"perm": Is(1, 0, 2, 3)}, ins: []any{x}, msg: "perm[0]"},
		{name: "reshape batch", op: "Reshape", ins: []any{[]int{1, 2, 8}, iv(2, 8)}, msg: "batch"},
		{name: "reshape drops batch", op: "Reshape", ins: []any{[]int{1, 512}, iv(-1)}, msg: "batch"},
		{name: "flatten batch", op: "Flatten", attrs: Attrs{"axis": I(0)}, ins: []any{x}, msg: "axis 0"},
		{name: "squeeze no axes", op: "Squeeze", ins: []any{x}, msg: "batch"},
		{name: "squeeze batch", op: "Squeeze", ins: []any{x, iv(0)}, msg: "axis 0"},
		{name: "unsqueeze batch", op: "Unsqueeze", ins: []any{x, iv(0)}, msg: "axis 0"},
		{name: "slice batch", op: "Slice", ins: []any{x, iv(0), iv(1), iv(0)}, msg: "axis 0"},
		{name: "gather activation", op: "Gather", attrs: Attrs{"axis": I(1)}, ins: []any{x, iv(0)}, msg: "folded at compile time"},
		{name: "expand activation", op: "Expand", ins: []any{x, iv(1, 4, 8, 8)}, msg: "folded at compile time"},
		{name: "matmul weight at run time", op: "MatMul", ins: []any{[]int{1, 1}, []int{1, 2}}, msg: "constant"},
		{name: "gemm transA", op: "Gemm", attrs: Attrs{"transA": I(1)}, ins: []any{[]int{1, 1}, fz(1, 2)}, msg: "transA"},
		{name: "gemm bias at run time", op: "Gemm", ins: []any{[]int{1, 8}, fz(8, 2), []int{1, 2}}, msg: "constant"},
		{name: "cast to int", op: "Cast", attrs: Attrs{"to": I(TypeInt64)}, ins: []any{x}, msg: "FLOAT"},
		{name: "cast to half", op: "Cast", attrs: Attrs{"to": I(TypeFloat16)}, ins: []any{fz(2)}, msg: "FLOAT16"},
		{name: "dropout mask", op: "Dropout", ins: []any{x}, nout: 2, read1: true, msg: "mask"},
		{name: "dropout training", op: "Dropout", ins: []any{x, nil, is0(1)}, msg: "training_mode"},
		{name: "broadcast moves batch", op: "Add", ins: []any{[]int{1, 8}, fz(1, 1, 8)}, msg: "batch"},
		{name: "broadcast over batch", op: "Mul", ins: []any{[]int{1, 8}, fz(3, 8)}, msg: "batch"},
		{name: "constant string", op: "Constant", attrs: Attrs{"value_string": S("a")}, msg: "value_string"},
		{name: "slice steps at run time", op: "Slice", ins: []any{x, iv(0), iv(big), iv(2), []int{1}}, msg: "constant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, n := one(t, c.op, c.attrs, max(c.nout, 1), c.ins...)
			if c.read1 {
				g.Outputs = append(g.Outputs, n.Outputs[1])
				n.Outputs[1].Users = append(n.Outputs[1].Users, n) // a reader
			}
			_ = InferShapes(g) // where it can; Check needs shapes for some rules
			err := Check(g)
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Check = %v, want ErrUnsupported", err)
			}
			m := err.Error()
			if !strings.Contains(m, `node "n" (`+c.op+`)`) || !strings.Contains(m, "supported") || !strings.Contains(m, c.msg) {
				t.Errorf("message %q should name the node, the operator, %q and what is supported", m, c.msg)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	x := []int{1, 4, 8, 8}
	big := int64(math.MaxInt64)
	cases := []struct {
		name  string
		op    string
		attrs Attrs
		ins   []any
	}{
		{"concat constants on axis 0", "Concat", Attrs{"axis": I(0)}, []any{iv(1), iv(2)}},
		{"concat channels", "Concat", Attrs{"axis": I(1)}, []any{x, x}},
		{"option-A slice", "Slice", nil, []any{x, iv(0, 0), iv(big, big), iv(2, 3), iv(2, 2)}},
		{"slice of all of axis 0", "Slice", nil, []any{x, iv(0, 0), iv(big, big), iv(0, 2), iv(1, 2)}},
		{"channel pad", "Pad", nil, []any{x, iv(0, 2, 0, 0, 0, 2, 0, 0)}},
		{"shape of an activation", "Shape", nil, []any{x}},
		{"gather of constants", "Gather", nil, []any{iv(1, 2, 3), is0(1)}},
		{"reduce spatial", "ReduceMean", Attrs{"keepdims": I(0)}, []any{x, iv(-1, -2)}},
		{"depthwise", "Conv", Attrs{"group": I(4), "auto_pad": S("SAME_LOWER")}, []any{x, fz(4, 1, 3, 3)}},
		{"clip", "Clip", nil, []any{x, Floats(nil, []float32{0}), Floats(nil, []float32{6})}},
		{"fused conv", OpConv, Attrs{"activation": S("clip"), "min": F(0), "max": F(6)}, []any{x, fz(4, 4, 1, 1), nil, x}},
		{"se gate", "Mul", nil, []any{x, []int{1, 4, 1, 1}}},
		{"bn opset 7", "BatchNormalization", Attrs{"spatial": I(1), "epsilon": F(1e-5)}, []any{x, fz(4), fz(4), fz(4), fz(4)}},
		{"cast weight", "Cast", Attrs{"to": I(TypeFloat)}, []any{fz(4)}},
		{"flatten", "Flatten", nil, []any{x}},
		{"transpose head", "Transpose", Attrs{"perm": Is(0, 2, 3, 1)}, []any{x}},
		{"dropout", "Dropout", Attrs{"seed": I(3)}, []any{x, Floats(nil, []float32{0.5}), is0(0)}},
	}
	for _, c := range cases {
		g, _ := one(t, c.op, c.attrs, 1, c.ins...)
		if err := InferShapes(g); err != nil {
			t.Fatalf("%s: InferShapes: %v", c.name, err)
		}
		if err := Check(g); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
