package opt

import (
	"errors"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// The flatten torch.onnx.export writes: Reshape(y, Concat(Unsqueeze(
// Gather(Shape(y), 0)), [-1])). It folds to a constant shape.
func TestConstFoldShapeSubgraph(t *testing.T) {
	b := newBuilder(t)
	b.evalOnly = true
	x := b.input(1, 6, 3, 3)
	y := b.node("GlobalAveragePool", []*graph.Value{x}, nil)
	s := b.node("Shape", []*graph.Value{y}, nil)
	g0 := b.node("Gather", []*graph.Value{s, b.constI([]int64{0})}, graph.Attrs{"axis": graph.I(0)})
	u := b.node("Unsqueeze", []*graph.Value{g0, b.constI([]int64{0}, 1)}, nil)
	c := b.node("Concat", []*graph.Value{u, b.constI([]int64{-1}, 1)}, graph.Attrs{"axis": graph.I(0)})
	out := b.node("Reshape", []*graph.Value{y, c}, nil)
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	if err := ConstFold(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "GlobalAveragePool", "Reshape")
	shape := b.g.Nodes[1].Inputs[1]
	if got, err := shape.Const.Int64s(); err != nil || !slices.Equal(got, []int64{1, -1}) {
		t.Fatalf("shape %v (%v)", got, err)
	}
	if !slices.Equal(out.Shape, []int{1, 6}) {
		t.Errorf("output shape %v", out.Shape)
	}
	b.same(want)
}

// Cast to the same type, Reshape and Identity of a lazy weight share its
// data without loading it; a large Transpose of it becomes a lazy constant.
func TestConstFoldLazy(t *testing.T) {
	b := newBuilder(t)
	b.evalOnly = true // a real Transpose
	x := b.input(1, 16, 4, 4)
	// IOHW, transposed below: 4608 elements, over the lazy threshold.
	w := b.lazyConst(b.floats(16*32*3*3, -0.2, 0.2), 16, 32, 3, 3)
	c := b.node("Cast", []*graph.Value{w}, graph.Attrs{"to": graph.I(graph.TypeFloat)})
	i := b.node("Identity", []*graph.Value{c}, nil)
	r := b.node("Reshape", []*graph.Value{i, b.constI([]int64{16, 32, 9}, 3)}, nil)
	r = b.node("Reshape", []*graph.Value{r, b.constI([]int64{16, 32, 3, 3}, 4)}, nil)
	tw := b.node("Transpose", []*graph.Value{r}, graph.Attrs{"perm": graph.Is(1, 0, 2, 3)})
	conv := b.node("Conv", []*graph.Value{x, tw}, graph.Attrs{"pads": graph.Is(1, 1, 1, 1)})
	b.g.Outputs = []*graph.Value{conv}
	if err := graph.InferShapes(b.g); err != nil {
		t.Fatal(err)
	}
	want := b.run()
	loads := b.loads
	if err := ConstFold(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "Conv")
	if b.loads != loads {
		t.Errorf("folding loaded the weight %d times", b.loads-loads)
	}
	folded := b.g.Nodes[0].Inputs[1].Const
	if folded.F32 != nil || folded.Load == nil || !slices.Equal(folded.Shape, []int{32, 16, 3, 3}) {
		t.Fatalf("folded weight: shape %v, eager %v", folded.Shape, folded.F32 != nil)
	}
	b.same(want)
}

// Small folds are eager; arithmetic on constants folds through a chain.
func TestConstFoldEager(t *testing.T) {
	b := newBuilder(t)
	b.evalOnly = true
	x := b.input(1, 3, 2, 2)
	k := b.node("Sqrt", []*graph.Value{b.constF([]float32{4, 9, 16}, 1, 3, 1, 1)}, nil)
	k = b.node("Neg", []*graph.Value{k}, nil)
	b.g.Outputs = []*graph.Value{b.node("Mul", []*graph.Value{x, k}, nil)}
	if err := graph.InferShapes(b.g); err != nil {
		t.Fatal(err)
	}
	want := b.run()
	if err := ConstFold(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "Mul")
	if got := b.g.Nodes[0].Inputs[1].Const.F32; !slices.Equal(got, []float32{-2, -3, -4}) {
		t.Errorf("folded %v", got)
	}
	b.same(want)
}

func TestConstFoldShapeAttrs(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 5, 7)
	s := b.node("Shape", []*graph.Value{x}, graph.Attrs{"start": graph.I(-2)})
	n := b.node("Size", []*graph.Value{x}, nil)
	b.g.Outputs = []*graph.Value{s, n}
	if err := ConstFold(b.g, nil); err != nil {
		t.Fatal(err)
	}
	if len(b.g.Nodes) != 0 {
		t.Fatalf("left %v", ops(b.g))
	}
	if got, _ := s.Const.Int64s(); !slices.Equal(got, []int64{5, 7}) {
		t.Errorf("Shape(start=-2) = %v", got)
	}
	if got, _ := n.Const.Int64s(); !slices.Equal(got, []int64{105}) {
		t.Errorf("Size = %v", got)
	}
}

// Hostile folds fail with an error before anything large is allocated.
func TestConstFoldLimits(t *testing.T) {
	for name, tc := range map[string]struct {
		build func(b *builder) *graph.Value
		o     *Options
	}{
		"constant-of-shape": {build: func(b *builder) *graph.Value {
			return b.node("ConstantOfShape", []*graph.Value{b.constI([]int64{1 << 15, 1 << 15}, 2)}, nil)
		}},
		"expand": {build: func(b *builder) *graph.Value {
			return b.node("Expand", []*graph.Value{b.constF([]float32{1}), b.constI([]int64{1 << 13, 1 << 13}, 2)}, nil)
		}},
		"range": {build: func(b *builder) *graph.Value {
			return b.node("Range", []*graph.Value{b.constI([]int64{0}), b.constI([]int64{1 << 30}), b.constI([]int64{1})}, nil)
		}},
		"total": {o: &Options{MaxFoldTotal: 100}, build: func(b *builder) *graph.Value {
			v := b.node("ConstantOfShape", []*graph.Value{b.constI([]int64{60}, 1)}, nil)
			return b.node("Neg", []*graph.Value{b.node("Neg", []*graph.Value{v}, nil)}, nil)
		}},
		"option": {o: &Options{MaxFoldElements: 10}, build: func(b *builder) *graph.Value {
			return b.node("ConstantOfShape", []*graph.Value{b.constI([]int64{11}, 1)}, nil)
		}},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			b.g.Outputs = []*graph.Value{b.build(tc.build)}
			err := ConstFold(b.g, tc.o)
			if !errors.Is(err, graph.ErrUnsupported) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func (b *builder) build(f func(b *builder) *graph.Value) *graph.Value { return f(b) }
