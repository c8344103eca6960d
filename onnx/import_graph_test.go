package onnx

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/graph"
)

// TestImportInputSize: symbolic height and width take the options (or
// DefaultImportSize), fixed ones must agree with them, the batch is 1
// however declared, and any other symbolic dimension is refused.
func TestImportInputSize(t *testing.T) {
	cases := []struct {
		dims []any
		o    *ImportOptions
		want []int
		err  string
	}{
		{[]any{"N", 3, "H", "W"}, &ImportOptions{Height: 32, Width: 48}, []int{1, 3, 32, 48}, ""},
		{[]any{"N", 3, "H", "W"}, nil, []int{1, 3, DefaultImportSize, DefaultImportSize}, ""},
		{[]any{1, 3, 16, 20}, nil, []int{1, 3, 16, 20}, ""},
		{[]any{4, 3, 16, 20}, &ImportOptions{Height: 16, Width: 20}, []int{1, 3, 16, 20}, ""},
		{[]any{1, 3, 16, 20}, &ImportOptions{Height: 32, Width: 32}, nil, "fixed size"},
		{[]any{"N", "C", 16, 16}, nil, nil, "dimension 1 is symbolic"},
		{[]any{"N", 3, "H", "W"}, &ImportOptions{Height: -1, Width: 8}, nil, "input size -1x8"},
		{[]any{"N", 3, 1 << 20, 8}, nil, nil, "at most"},
		{[]any{"N", 10}, nil, []int{1, 10}, ""},
		{[]any{"N", "H", "W", 3}, &ImportOptions{Height: 32, Width: 48}, []int{1, 32, 48, 3}, ""}, // NHWC (tf2onnx)
		{[]any{"N", 224, 224, 3}, nil, []int{1, 224, 224, 3}, ""},
		{[]any{"N", 3, "H", 3}, &ImportOptions{Height: 5, Width: 3}, []int{1, 3, 5, 3}, ""},
	}
	for _, c := range cases {
		g, err := importMsg(t, 13, graphMsg([]msg{nodeMsg("Relu", "r", []string{"x"}, []string{"y"})}, nil, c.dims, "y"), c.o)
		if c.err != "" {
			wantErr(t, fmt.Sprint(c.dims, c.o), err, graph.ErrUnsupported, c.err)
			continue
		}
		if err != nil {
			t.Errorf("%v %+v: %v", c.dims, c.o, err)
			continue
		}
		if !slices.Equal(g.Inputs[0].Shape, c.want) {
			t.Errorf("%v %+v: shape %v, want %v", c.dims, c.o, g.Inputs[0].Shape, c.want)
		}
	}
}

// TestImportIdentity: Identity chains resolve to the value they copy, an
// Identity that writes a graph output stays (it names the output), and
// weights listed as graph inputs (old exporters) are constants.
func TestImportIdentity(t *testing.T) {
	nodes := []msg{
		nodeMsg("Identity", "i1", []string{"x"}, []string{"a"}),
		nodeMsg("Identity", "i2", []string{"a"}, []string{"b"}),
		nodeMsg("Identity", "iw", []string{"w"}, []string{"wa"}),
		nodeMsg("Add", "add", []string{"b", "wa"}, []string{"s"}),
		nodeMsg("Identity", "out", []string{"s"}, []string{"y"}),
		nodeMsg("Constant", "k", nil, []string{"k"}, msg(nil).str(1, "value_ints").varint(20, int64(AttrInts)).packedInts(8, 1, -1)),
		nodeMsg("Reshape", "rs", []string{"b", "k"}, []string{"z"}),
	}
	gm := graphMsg(nodes, []msg{tensorMsg("w", []int64{3}, 1, 2, 3)}, []any{1, 3}, "y", "z").
		bytes(11, valueInfoMsg("w", 3))
	g, err := importMsg(t, 13, gm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := histogram(g); h["Identity"] != 1 || h["Add"] != 1 || h["Reshape"] != 1 || len(g.Nodes) != 3 {
		t.Fatalf("nodes %v", g.OpHistogram())
	}
	add := node(t, g, "Add")
	if add.Inputs[0] != g.Inputs[0] || !add.Inputs[1].IsConst() || add.Inputs[1].Name != "w" {
		t.Errorf("Add reads %v", add.Inputs)
	}
	if len(g.Inputs) != 1 {
		t.Errorf("inputs %v: the weight listed as an input is a constant", g.Inputs)
	}
	if y := g.Outputs[0]; y.Name != "y" || y.Producer.Op != "Identity" || y.Producer.Inputs[0] != add.Outputs[0] {
		t.Errorf("output %v", y)
	}
	rs := node(t, g, "Reshape")
	if k := constInts(t, rs, 1); !slices.Equal(k, []int64{1, -1}) || rs.Inputs[0] != g.Inputs[0] {
		t.Errorf("Reshape reads %v (k = %v)", rs.Inputs, k)
	}
}

// hostileModel is the file of issue 12 item 7: a chain of chain Identity
// nodes from the input, and one Concat reading fanIn values spread over
// the chain. At 43,000 and 130,000 it is about 2.2 MB.
func hostileModel(chain, fanIn int) []byte {
	g := msg(nil).str(2, "hostile")
	prev := "x"
	for i := range chain {
		name := fmt.Sprintf("v%d", i)
		g = g.bytes(1, nodeMsg("Identity", "", []string{prev}, []string{name}))
		prev = name
	}
	cat := msg(nil)
	for j := range fanIn {
		cat = cat.str(1, fmt.Sprintf("v%d", j*7919%chain))
	}
	cat = cat.str(2, "y").str(4, "Concat").bytes(5, attrInt("axis", 1))
	g = g.bytes(1, cat).bytes(11, valueInfoMsg("x", "N", 3, "H", "W")).bytes(12, valueInfoMsg("y"))
	return modelMsg(13, g)
}

// TestImportHostile imports the hostile file: it must finish (compiled or
// refused) without a quadratic alias walk (issue 12 measured 295 s for
// it). The only time limit is a hang guard far above the expected
// milliseconds.
func TestImportHostile(t *testing.T) {
	data := hostileModel(43000, 130000)
	if len(data) < 2<<20 || len(data) > 3<<20 {
		t.Fatalf("hostile model is %d bytes, want about 2.2 MB", len(data))
	}
	done := make(chan error, 1)
	var g *graph.Graph
	go func() {
		m, err := Parse(data, nil)
		if err == nil {
			g, err = m.Import(nil)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("importing the hostile model hangs")
	}
	if len(g.Nodes) != 1 || len(g.Nodes[0].Inputs) != 130000 {
		t.Fatalf("graph: %v", g.OpHistogram())
	}
	for _, in := range g.Nodes[0].Inputs {
		if in != g.Inputs[0] {
			t.Fatalf("Concat reads %v, want the input the Identity chain copies", in)
		}
	}
}

// TestImportCaps: the node and edge caps refuse larger graphs.
func TestImportCaps(t *testing.T) {
	m, err := Parse(hostileModel(100, 1000), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Import(&ImportOptions{MaxEdges: 999})
	wantErr(t, "edges", err, graph.ErrUnsupported, "more than 999 node inputs")
	if _, err := m.Import(&ImportOptions{MaxEdges: 1000}); err != nil {
		t.Error(err)
	}
	m, err = Parse(modelMsg(13, graphMsg([]msg{nodeMsg("Relu", "a", []string{"x"}, []string{"y"}),
		nodeMsg("Relu", "b", []string{"y"}, []string{"z"})}, nil, []any{1, 2}, "z")), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Import(&ImportOptions{MaxNodes: 1})
	wantErr(t, "nodes", err, graph.ErrUnsupported, "2 nodes exceed the limit of 1")
}

// TestGraphInfo describes a fixture and the hand-built opset-7 graph.
func TestGraphInfo(t *testing.T) {
	m, err := Load(filepath.Join(fixtureDir, "resnet18_w4_kept_b1.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in := m.GraphInfo()
	var params int64
	for i := range m.Graph.Initializers {
		params += int64(m.Graph.Initializers[i].Len())
	}
	if in.Opset != 13 || in.Params != params || in.Nodes != len(m.Graph.Nodes) || len(in.Inputs) != 1 || len(in.Outputs) != 1 {
		t.Errorf("info %+v (want %d params)", in, params)
	}
	if in.Ops[0] != (OpCount{"BatchNormalization", 20}) || in.Ops[1] != (OpCount{"Conv", 20}) || in.Ops[2] != (OpCount{"Relu", 17}) {
		t.Errorf("ops %v", in.Ops)
	}
	s := in.String()
	for _, want := range []string{"input  input: FLOAT [1 3 64 64]", "output logits: FLOAT [1 10]", "Conv x20", "opset 13"} {
		if !strings.Contains(s, want) {
			t.Errorf("info string lacks %q:\n%s", want, s)
		}
	}
	p, err := Parse(modelMsg(7, opset7Graph()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if in := p.GraphInfo(); in.Opset != 7 || in.Params != 4*3+4+2 || in.Ops[0] != (OpCount{"Clip", 2}) {
		t.Errorf("opset-7 info %+v", in)
	}
}

// TestImportLazy: importing a model does not decode its weights: a 16 MiB
// weight costs Import no more than a small fixed amount of memory, and is
// decoded when the constant is read.
func TestImportLazy(t *testing.T) {
	const n = 1 << 22
	w := msg(nil).packedInts(1, 1, n).varint(2, int64(Float)).str(8, "w").bytes(9, make([]byte, 4*n))
	m, err := Parse(modelMsg(13, graphMsg([]msg{nodeMsg("MatMul", "mm", []string{"x", "w"}, []string{"y"})},
		[]msg{w}, []any{1, 1}, "y")), nil)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g, err := m.Import(nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("Import allocated %d bytes for a %d-byte weight", d, 4*n)
	}
	c := g.Value("w").Const
	if c.F32 != nil || c.Load == nil {
		t.Fatal("weight not lazy")
	}
	if d, err := c.Float32s(); err != nil || len(d) != n {
		t.Errorf("weight loads %d floats (%v)", len(d), err)
	}
}
