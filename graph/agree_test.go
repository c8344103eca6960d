package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

// agree builds a one-node graph, infers its shapes and evaluates it, and
// fails unless both succeed with the same output shapes or both fail.
func agree(t *testing.T, op string, attrs graph.Attrs, x []int, consts ...*graph.Tensor) {
	t.Helper()
	g := graph.New()
	ins := []*graph.Value{graphtest.Input(t, g, "x", x...)}
	for i, c := range consts {
		var v *graph.Value
		if c != nil {
			v = graphtest.Const(t, g, fmt.Sprint("c", i), c)
		}
		ins = append(ins, v)
	}
	n := graphtest.Node(t, g, op, "n", ins, []string{"y"}, attrs.Clone())
	g.Outputs = n.Outputs
	d := make([]float64, graph.NumElements(x))
	for i := range d {
		d[i] = float64(i % 5)
	}
	// eval first: InferShapes rewrites the window attributes.
	out, evalErr := eval.Options{MaxWork: 1 << 26}.Run(g, map[string]*eval.Tensor{"x": eval.NewFloat(x, d)})
	inferErr := graph.InferShapes(g)
	switch {
	case (evalErr == nil) != (inferErr == nil):
		t.Fatalf("%s %v on %v: eval %v, InferShapes %v", op, attrs, x, evalErr, inferErr)
	case evalErr == nil && !slices.Equal(out["y"].Shape, n.Outputs[0].Shape):
		t.Fatalf("%s %v on %v: eval %v, InferShapes %v", op, attrs, x, out["y"].Shape, n.Outputs[0].Shape)
	}
}

// TestWindowShapesAgree: random Conv, MaxPool and AveragePool geometries
// (auto_pad, ceil_mode, dilations, asymmetric pads, sizes where the window
// does not fit) give the same output shape, or the same refusal, in shape
// inference and in the evaluator, which work them out separately.
func TestWindowShapesAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	autos := []string{"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"}
	for range 3000 {
		h, w := 1+r.IntN(12), 1+r.IntN(12)
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		attrs := graph.Attrs{"strides": graph.Is(int64(1+r.IntN(4)), int64(1+r.IntN(4)))}
		auto := autos[r.IntN(4)]
		if auto != "NOTSET" {
			attrs["auto_pad"] = graph.S(auto)
		} else {
			attrs["pads"] = graph.Is(int64(r.IntN(3)), int64(r.IntN(3)), int64(r.IntN(3)), int64(r.IntN(3)))
		}
		x := []int{1, 2, h, w}
		switch r.IntN(3) {
		case 0:
			attrs["dilations"] = graph.Is(int64(1+r.IntN(3)), int64(1+r.IntN(3)))
			agree(t, "Conv", attrs, x, graph.Floats([]int{3, 2, kh, kw}, make([]float32, 6*kh*kw)))
		case 1:
			attrs["dilations"] = graph.Is(int64(1+r.IntN(3)), int64(1+r.IntN(3)))
			attrs["ceil_mode"] = graph.I(int64(r.IntN(2)))
			attrs["kernel_shape"] = graph.Is(int64(kh), int64(kw))
			agree(t, "MaxPool", attrs, x)
		default:
			attrs["ceil_mode"] = graph.I(int64(r.IntN(2)))
			attrs["count_include_pad"] = graph.I(int64(r.IntN(2)))
			attrs["kernel_shape"] = graph.Is(int64(kh), int64(kw))
			agree(t, "AveragePool", attrs, x)
		}
	}
}

// TestTensorShapesAgree does the same for Slice (random starts, ends,
// steps, including the extremes), Pad, Reshape, Squeeze, Unsqueeze,
// Transpose, Flatten and the reductions.
func TestTensorShapesAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	edge := func() int64 {
		switch r.IntN(8) {
		case 0:
			return math.MaxInt64
		case 1:
			return math.MinInt64
		default:
			return int64(r.IntN(15) - 7)
		}
	}
	ints := func(v ...int64) *graph.Tensor { return graph.Ints([]int{len(v)}, v) }
	for range 3000 {
		x := []int{1, r.IntN(5), 1 + r.IntN(6), r.IntN(7)}
		ax := int64(r.IntN(9) - 4)
		switch r.IntN(8) {
		case 0:
			step := edge()
			agree(t, "Slice", nil, x, ints(edge()), ints(edge()), ints(ax), ints(step))
		case 1:
			agree(t, "Pad", nil, x, ints(edge()%3, edge()%3), nil, ints(ax))
		case 2:
			agree(t, "Reshape", graph.Attrs{"allowzero": graph.I(int64(r.IntN(2)))}, x, ints(edge()%8, edge()%8, edge()%8))
		case 3:
			agree(t, "Squeeze", nil, x, ints(ax))
		case 4:
			agree(t, "Unsqueeze", nil, x, ints(ax, int64(r.IntN(11)-5)))
		case 5:
			agree(t, "Transpose", graph.Attrs{"perm": graph.Is(0, int64(r.IntN(4)), int64(r.IntN(4)), int64(r.IntN(4)))}, x)
		case 6:
			agree(t, "Flatten", graph.Attrs{"axis": graph.I(ax)}, x)
		default:
			op := []string{"ReduceMean", "ReduceMax"}[r.IntN(2)]
			attrs := graph.Attrs{"keepdims": graph.I(int64(r.IntN(2))), "noop_with_empty_axes": graph.I(int64(r.IntN(2)))}
			axes := ints()
			if r.IntN(3) > 0 {
				axes = ints(ax, int64(r.IntN(9)-4))
			}
			agree(t, op, attrs, x, axes)
		}
	}
}
