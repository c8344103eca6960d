package graph_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// bytesReader hands out fuzz bytes; zeros once they run out.
type bytesReader struct{ b []byte }

func (r *bytesReader) next() int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

// int64v is a small value or, rarely, an extreme one.
func (r *bytesReader) int64v() int64 {
	switch v := r.next(); {
	case v == 255:
		return math.MaxInt64
	case v == 254:
		return math.MinInt64
	case v == 253:
		return 1 << 40
	default:
		return int64(v%16) - 4
	}
}

var fuzzAttrs = []string{"axis", "perm", "kernel_shape", "strides", "pads", "dilations", "group",
	"auto_pad", "keepdims", "noop_with_empty_axes", "to", "ceil_mode", "count_include_pad",
	"transA", "transB", "allowzero", "start", "end", "mode", "value_ints", "epsilon", "activation"}

// fuzzGraph builds a one-node graph from data: the operator, its inputs
// (activations of small shapes, int64 or float32 constants, omitted) and
// attributes.
func fuzzGraph(data []byte) (*graph.Graph, *graph.Node) {
	r := &bytesReader{b: data}
	ops := graph.SupportedOps()
	op := ops[r.next()%len(ops)]
	g := graph.New()
	var ins []*graph.Value
	for i := range r.next() % 6 {
		kind, rank := r.next()%4, r.next()%5
		shape := make([]int, rank)
		for j := range shape {
			shape[j] = r.next() % 6
		}
		name := fmt.Sprint("i", i)
		var v *graph.Value
		switch kind {
		case 0:
			shape = append([]int{1}, shape...)
			v, _ = g.AddInput(name, graph.Float32, shape)
		case 1:
			d := make([]int64, graph.NumElements(shape))
			for j := range d {
				d[j] = r.int64v()
			}
			v, _ = g.AddConst(name, graph.Ints(shape, d))
		case 2:
			d := make([]float32, graph.NumElements(shape))
			for j := range d {
				d[j] = float32(r.next()%8) - 3
			}
			v, _ = g.AddConst(name, graph.Floats(shape, d))
		}
		ins = append(ins, v)
	}
	attrs := graph.Attrs{}
	for range r.next() % 4 {
		name := fuzzAttrs[r.next()%len(fuzzAttrs)]
		switch r.next() % 3 {
		case 0:
			attrs[name] = graph.I(r.int64v())
		case 1:
			l := make([]int64, r.next()%5)
			for j := range l {
				l[j] = r.int64v()
			}
			attrs[name] = graph.Is(l...)
		default:
			attrs[name] = graph.S([]string{"SAME_UPPER", "SAME_LOWER", "VALID", "relu", "constant", "edge"}[r.next()%6])
		}
	}
	n, err := g.AddNode(op, "n", ins, []string{"y", "z"}[:1+r.next()%2], attrs)
	if err != nil {
		return nil, nil
	}
	g.Outputs = n.Outputs
	return g, n
}

// FuzzInferShapes: shape inference, Check and the evaluator on mutated
// nodes never panic or allocate without bound, and where both shape
// inference and evaluation succeed they agree on every output's shape and
// type (two independent implementations of each operator's shape rule).
func FuzzInferShapes(f *testing.F) {
	f.Add([]byte{5, 2, 0, 3, 1, 3, 3, 2, 4, 1, 1, 2, 2, 3, 1})
	f.Add([]byte{30, 2, 0, 2, 4, 4, 1, 1, 2, 2, 0, 1, 0})
	f.Add([]byte{0, 1, 0, 3, 2, 3, 4, 1, 2, 1, 3, 5, 6, 7, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		g, n := fuzzGraph(data)
		if g == nil {
			return
		}
		inferErr := graph.InferShapes(g)
		_ = graph.Check(g)
		inputs := map[string]*eval.Tensor{}
		for _, v := range g.Inputs {
			d := make([]float64, graph.NumElements(v.Shape))
			for i := range d {
				d[i] = float64(i%7) - 3
			}
			inputs[v.Name] = eval.NewFloat(v.Shape, d)
		}
		out, err := eval.Options{MaxElements: 1 << 16, MaxWork: 1 << 20}.Run(g, inputs)
		if err != nil || inferErr != nil {
			return
		}
		for _, o := range n.Outputs {
			got := out[o.Name]
			if !slices.Equal(got.Shape, o.Shape) || got.DType != o.DType {
				t.Fatalf("%s %v: InferShapes gives %v %v, eval %v %v", n.Op, n.Attrs, o.DType, o.Shape, got.DType, got.Shape)
			}
		}
	})
}
