package graph_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

// TestInferShapesLinear runs Sort, InferShapes and Check on a chain of
// 100,000 nodes and on one node with 100,000 inputs reading one value; both
// must be linear (the limit is only a hang guard, far above a linear run).
func TestInferShapesLinear(t *testing.T) {
	const n = 100_000
	g := graph.New()
	x, err := g.AddInput("x", graph.Float32, []int{1, 8, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	ops := []string{"Relu", "Identity", "Sigmoid", "Tanh"}
	v := x
	// Added in reverse order, so Sort has real work to do.
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("v%d", i)
	}
	for i := 0; i < n; i++ {
		nd, err := g.AddNode(ops[i%len(ops)], "", []*graph.Value{v}, []string{names[i]}, nil)
		if err != nil {
			t.Fatal(err)
		}
		v = nd.Outputs[0]
	}
	slices.Reverse(g.Nodes)
	wide := make([]*graph.Value, n)
	for i := range wide {
		wide[i] = v
	}
	cat, err := g.AddNode("Concat", "wide", wide, []string{"cat"}, graph.Attrs{"axis": graph.I(1)})
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = cat.Outputs
	start := time.Now()
	if err := graph.InferShapes(g); err != nil {
		t.Fatal(err)
	}
	t.Logf("Sort + InferShapes of %d nodes: %v", n+1, time.Since(start))
	if err := graph.Check(g); err != nil {
		t.Fatal(err)
	}
	if got := cat.Outputs[0].Shape; !slices.Equal(got, []int{1, 8 * n, 4, 4}) {
		t.Errorf("shape %v", got)
	}
	// Replacing and removing the wide node stays linear too.
	g.ReplaceUses(v, x)
	g.Outputs = []*graph.Value{x}
	if err := g.Remove(cat); err != nil {
		t.Fatal(err)
	}
	if len(x.Users) != 1 || len(v.Users) != 0 {
		t.Errorf("users after ReplaceUses and Remove: %d, %d", len(x.Users), len(v.Users))
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("took %v: not linear", d)
	}
}

// TestFoldOptionA folds the shape subgraph torch leaves around an option-A
// shortcut (Slice with step 2, then Pad of channels whose pads come from
// Shape/ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast) with
// InferShapesWith and eval.Node, the way graph/opt.ConstFold does,
// and checks the shapes that result and the graph Check accepts.
func TestFoldOptionA(t *testing.T) {
	g := graph.New()
	node := func(op string, attrs graph.Attrs, out string, ins ...*graph.Value) *graph.Value {
		t.Helper()
		return graphtest.Op(t, g, op, attrs, out, ins...)
	}
	ints := func(name string, v ...int64) *graph.Value { return graphtest.Ints(t, g, name, v...) }
	x := graphtest.Input(t, g, "x", 1, 16, 32, 32)
	big := int64(math.MaxInt64)
	s := node("Slice", nil, "s", x, ints("st", 0, 0), ints("en", big, big), ints("ax", 2, 3), ints("sp", 2, 2))
	// pads = [0, 8, 0, 0, 0, 8, 0, 0] built the way torch's F.pad export does.
	sh := node("Shape", nil, "shape", s)
	rank := node("Size", nil, "rank", sh)
	_ = rank
	zeros := node("ConstantOfShape", graph.Attrs{"value": {Kind: graph.AttrTensor, Tensor: graph.Ints([]int{1}, []int64{0})}}, "zeros", ints("two", 2))
	// (0, 0, 0, 0, 8, 8): W, H, then C pads, last axis first, as F.pad takes them.
	pairs := node("Concat", graph.Attrs{"axis": graph.I(0)}, "pairs", ints("p", 0, 0, 0, 0, 8, 8), zeros)
	grid := node("Reshape", nil, "grid", pairs, ints("s42", -1, 2))
	rev := node("Slice", nil, "rev", grid, ints("r0", -1), ints("r1", math.MinInt64), ints("r2", 0), ints("r3", -1))
	tr := node("Transpose", graph.Attrs{"perm": graph.Is(1, 0)}, "tr", rev)
	flat := node("Reshape", nil, "flat", tr, ints("m1", -1))
	pads := node("Cast", graph.Attrs{"to": graph.I(graph.TypeInt64)}, "pads", flat)
	y := node("Pad", graph.Attrs{"mode": graph.S("constant")}, "y", s, pads)
	g.Outputs = []*graph.Value{y}

	fold, folded := folder(g)
	if err := graph.InferShapesWith(g, graph.ShapeOptions{After: fold}); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 32, 16, 16}; !slices.Equal(g.Outputs[0].Shape, want) {
		t.Fatalf("output shape %v, want %v", g.Outputs[0].Shape, want)
	}
	if *folded != 9 {
		t.Errorf("folded %d nodes, want 9", *folded)
	}
	p, err := y.Producer.ConstInput(1)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := p.Int64s(); !slices.Equal(d, []int64{0, 8, 0, 0, 0, 8, 0, 0}) {
		t.Errorf("pads %v", d)
	}
	if err := graph.Check(g); err != nil {
		t.Fatal(err)
	}
	if h := g.OpHistogram(); !slices.Equal(h, []string{"Pad x1", "Slice x1"}) {
		t.Errorf("left %v", h)
	}
}

// folder returns an After hook for InferShapesWith that replaces every node
// whose inputs are constants (or, for Shape and Size, have shapes) by the
// constants eval.Node computes, and a count of the nodes it folded.
func folder(g *graph.Graph) (func(*graph.Node) error, *int) {
	folded := new(int)
	return func(n *graph.Node) error {
		shapeOnly := n.Op == "Shape" || n.Op == "Size"
		in := make([]*graph.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			switch {
			case v == nil:
			case v.Const != nil:
				in[i] = v.Const
			case shapeOnly:
				in[i] = &graph.Tensor{DType: v.DType, Shape: v.Shape}
			default:
				return nil // reads an activation: not foldable
			}
		}
		out, err := eval.Node(n, in)
		if err != nil {
			return err
		}
		for i, o := range n.Outputs {
			c, err := g.AddConst(o.Name+".folded", out[i])
			if err != nil {
				return err
			}
			g.ReplaceUses(o, c)
		}
		*folded++
		return g.Remove(n)
	}, folded
}
