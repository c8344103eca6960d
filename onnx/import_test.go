package onnx

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// importFixture loads and imports one file; the model stays open for the
// test (the graph's weights load from it).
func importFixture(t *testing.T, path string, o *ImportOptions) (*Model, *graph.Graph) {
	t.Helper()
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	g, err := m.Import(o)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return m, g
}

// histogram counts the graph's nodes by operator.
func histogram(g *graph.Graph) map[string]int {
	h := map[string]int{}
	for _, n := range g.Nodes {
		h[n.Op]++
	}
	return h
}

// TestImportFixtures imports every committed ONNX file: the operator counts
// are the manifest's, every node input is defined, every constant has the
// shape and (for float weights, loaded lazily) the data of its initializer,
// and the input and output are the declared ones with the batch as 1.
func TestImportFixtures(t *testing.T) {
	files := map[string]map[string]int{}
	for _, e := range readManifest(t) {
		files[filepath.Join(fixtureDir, e.File)] = e.Ops
	}
	files[filepath.Join("..", "testdata", "digits", "digits_resnet.onnx")] = map[string]int{
		"Conv": 12, "Relu": 9, "Add": 4, "MaxPool": 1, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1}
	for path, ops := range files {
		m, g := importFixture(t, path, nil)
		name := filepath.Base(path)
		if h := histogram(g); !maps.Equal(h, ops) {
			t.Errorf("%s: ops %v, want %v", name, h, ops)
		}
		in := m.Graph.Inputs[0]
		want := []int{1, int(in.Shape[1].Value), int(in.Shape[2].Value), int(in.Shape[3].Value)}
		if len(g.Inputs) != 1 || g.Inputs[0].Name != "input" || !slices.Equal(g.Inputs[0].Shape, want) {
			t.Errorf("%s: inputs %v, want input %v", name, g.Inputs, want)
		}
		if len(g.Outputs) != 1 || g.Outputs[0].Name != "logits" || g.Outputs[0].Producer == nil || g.Outputs[0].Producer.Op != "Gemm" {
			t.Errorf("%s: outputs %v", name, g.Outputs)
		}
		checkConstants(t, name, m, g)
	}
}

// checkConstants compares every constant the graph reads with the
// initializer of the same name.
func checkConstants(t *testing.T, name string, m *Model, g *graph.Graph) {
	t.Helper()
	inits := map[string]*Tensor{}
	for i := range m.Graph.Initializers {
		inits[m.Graph.Initializers[i].Name] = &m.Graph.Initializers[i]
	}
	seen := 0
	for _, n := range g.Nodes {
		for i, v := range n.Inputs {
			if v == nil {
				t.Errorf("%s: %v input %d is nil", name, n, i)
				continue
			}
			if !v.IsConst() {
				if v.Producer == nil && !slices.Contains(g.Inputs, v) {
					t.Errorf("%s: %v reads %v, which nothing defines", name, n, v)
				}
				continue
			}
			src := inits[v.Name]
			if src == nil {
				t.Errorf("%s: constant %v is no initializer", name, v)
				continue
			}
			seen++
			dims := make([]int, len(src.Dims))
			for k, d := range src.Dims {
				dims[k] = int(d)
			}
			if !slices.Equal(v.Shape, dims) || !slices.Equal(v.Const.Shape, dims) || v.DType != graph.Float32 {
				t.Errorf("%s: constant %v shape %v type %v, initializer %v", name, v, v.Shape, v.DType, src.Dims)
			}
			if lazy := v.Const.F32 == nil && v.Const.Load != nil; lazy != (src.Len() > eagerElems) {
				t.Errorf("%s: constant %v of %d elements: lazy %v", name, v, src.Len(), lazy)
			}
			got, err := v.Const.Float32s()
			want, err2 := src.Float32s()
			if err != nil || err2 != nil || !slices.Equal(got, want) {
				t.Errorf("%s: constant %v data differs (%v, %v)", name, v, err, err2)
			}
		}
	}
	if seen == 0 {
		t.Errorf("%s: no constants", name)
	}
}

// node returns the only node of op in g.
func node(t *testing.T, g *graph.Graph, op string) *graph.Node {
	t.Helper()
	var found *graph.Node
	for _, n := range g.Nodes {
		if n.Op == op {
			if found != nil {
				t.Fatalf("two %s nodes", op)
			}
			found = n
		}
	}
	if found == nil {
		t.Fatalf("no %s node in %v", op, g.OpHistogram())
	}
	return found
}

// constInts returns input i of n as int64 constant data.
func constInts(t *testing.T, n *graph.Node, i int) []int64 {
	t.Helper()
	c, err := n.ConstInput(i)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Int64s()
	if err != nil {
		t.Fatalf("%v input %d: %v", n, i, err)
	}
	return v
}

// constFloats returns input i of n as float32 constant data.
func constFloats(t *testing.T, n *graph.Node, i int) []float32 {
	t.Helper()
	c, err := n.ConstInput(i)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Float32s()
	if err != nil {
		t.Fatalf("%v input %d: %v", n, i, err)
	}
	return v
}

// importMsg parses a hand-built model and imports it.
func importMsg(t *testing.T, opset int64, g msg, o *ImportOptions) (*graph.Graph, error) {
	t.Helper()
	m, err := Parse(modelMsg(opset, g), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m.Import(o)
}

// graphMsg builds a GraphProto: nodes, initializers, one FLOAT input x of
// the given dims and FLOAT outputs.
func graphMsg(nodes []msg, inits []msg, xdims []any, outs ...string) msg {
	g := msg(nil).str(2, "g")
	for _, n := range nodes {
		g = g.bytes(1, n)
	}
	for _, t := range inits {
		g = g.bytes(5, t)
	}
	g = g.bytes(11, valueInfoMsg("x", xdims...))
	for _, o := range outs {
		g = g.bytes(12, valueInfoMsg(o))
	}
	return g
}

func attrFloats(name string, vs ...float32) msg {
	return msg(nil).str(1, name).varint(20, int64(AttrFloats)).packedFloats(7, vs...)
}

func wantAttrs(t *testing.T, n *graph.Node, want graph.Attrs) {
	t.Helper()
	if !maps.EqualFunc(n.Attrs, want, func(a, b graph.Attr) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("%v: attributes %v, want %v", n, n.Attrs, want)
	}
}

func wantErr(t *testing.T, what string, err, kind error, text string) {
	t.Helper()
	if err == nil || !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
		t.Errorf("%s: error %v, want %v containing %q", what, err, kind, text)
	}
}
