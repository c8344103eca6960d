package eval

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

// TestRun evaluates a small graph with torch's flatten subgraph
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and checks it against
// the same computation written out by hand.
func TestRun(t *testing.T) {
	g := graph.New()
	node := func(op string, attrs graph.Attrs, out string, ins ...*graph.Value) *graph.Value {
		t.Helper()
		return graphtest.Op(t, g, op, attrs, out, ins...)
	}
	x := graphtest.Input(t, g, "x", 1, 2, 3, 3)
	w := graphtest.Const(t, g, "w", graph.Floats([]int{2, 2, 1, 1}, []float32{1, 0, 0, -1}))
	c := node("Conv", nil, "c", x, w)
	r := node("Relu", nil, "r", c)
	p := node("GlobalAveragePool", nil, "p", r)
	sh := node("Shape", nil, "sh", p)
	g0 := node("Gather", nil, "g0", sh, graphtest.Const(t, g, "zero", graph.Ints([]int{}, []int64{0})))
	u := node("Unsqueeze", nil, "u", g0, graphtest.Const(t, g, "ax", graph.Ints([]int{1}, []int64{0})))
	cat := node("Concat", graph.Attrs{"axis": graph.I(0)}, "cat", u, graphtest.Const(t, g, "m1", graph.Ints([]int{1}, []int64{-1})))
	fl := node("Reshape", nil, "fl", p, cat)
	sm := node("Softmax", nil, "sm", fl)
	g.Outputs = []*graph.Value{sm, fl}

	in := seq(1, 2, 3, 3)
	for i := 9; i < 18; i++ {
		in.F[i] = float64(17 - i) // channel 1: 8 .. 0, below channel 0 except at the start
	}
	out, err := Run(g, map[string]*Tensor{"x": in})
	if err != nil {
		t.Fatal(err)
	}
	// Channel 0 of the conv is x0, channel 1 is -x1; ReLU keeps x0 and
	// zeroes -x1 (x1 >= 0); the pool averages: mean(1..9) = 5 and 0.
	same(t, out["fl"], []int{1, 2}, []float64{5, 0}, 0)
	e5 := math.Exp(5)
	same(t, out["sm"], []int{1, 2}, []float64{e5 / (e5 + 1), 1 / (e5 + 1)}, 1e-15)
	if _, err := Run(g, nil); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("missing input: %v", err)
	}
}

// TestNodeFolds: Node takes and gives graph tensors, rounds floats to
// float32 once, and evaluates Shape from a shape alone.
func TestNodeFolds(t *testing.T) {
	n := node("Div", nil, 2, 1)
	out, err := Node(n, []*graph.Tensor{graph.Floats([]int{1}, []float32{1}), graph.Floats([]int{1}, []float32{3})})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].DType != graph.Float32 || out[0].F32[0] != float32(1.0/3) {
		t.Errorf("1/3 = %v", out[0].F32)
	}
	shape := &graph.Tensor{DType: graph.Float32, Shape: []int{1, 64, 56, 56}}
	out, err = Node(node("Shape", nil, 1, 1), []*graph.Tensor{shape})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := out[0].Int64s(); !slices.Equal(d, []int64{1, 64, 56, 56}) {
		t.Errorf("shape %v", d)
	}
	lazy := graph.Lazy([]int{2}, func() ([]float32, error) { return []float32{-1, 2}, nil })
	out, err = Node(node("Relu", nil, 1, 1), []*graph.Tensor{lazy})
	if err != nil || !slices.Equal(out[0].F32, []float32{0, 2}) {
		t.Errorf("relu of a lazy constant: %v %v", out, err)
	}
	if _, err := Node(node("Relu", nil, 1, 1), []*graph.Tensor{shape}); err == nil {
		t.Error("Relu of a tensor without data accepted")
	}
	huge := &graph.Tensor{DType: graph.Float32, Shape: []int{1 << 30, 1 << 30}}
	if _, err := Node(node("Relu", nil, 1, 1), []*graph.Tensor{huge}); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("huge input: %v", err)
	}
}

// TestEverySupportedOp: the evaluator knows every operator graph accepts.
func TestEverySupportedOp(t *testing.T) {
	for _, op := range graph.SupportedOps() {
		if _, ok := ops[op]; !ok {
			t.Errorf("eval lacks %s", op)
		}
	}
}
