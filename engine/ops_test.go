package engine

import (
	"fmt"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

const tol = 1e-5

func TestConvVariants(t *testing.T) {
	cases := []struct {
		name  string
		cin   int
		attrs graph.Attrs
		w     []int
		out   []int
	}{
		{"3x3s1", 8, graph.Attrs{"pads": graph.Is(1, 1, 1, 1)}, []int{16, 8, 3, 3}, []int{1, 16, 9, 10}},
		{"1x1s2", 8, graph.Attrs{"strides": graph.Is(2, 2)}, []int{12, 8, 1, 1}, []int{1, 12, 5, 5}},
		{"asym-pads", 8, graph.Attrs{"pads": graph.Is(0, 1, 2, 0), "strides": graph.Is(2, 1)}, []int{4, 8, 3, 3}, []int{1, 4, 5, 9}},
		{"dilated", 8, graph.Attrs{"pads": graph.Is(2, 2, 2, 2), "dilations": graph.Is(2, 2)}, []int{8, 8, 3, 3}, []int{1, 8, 9, 10}},
		{"depthwise", 8, graph.Attrs{"pads": graph.Is(1, 1, 1, 1), "group": graph.I(8)}, []int{8, 1, 3, 3}, []int{1, 8, 9, 10}},
		{"groups-clip", 8, graph.Attrs{"group": graph.I(2), "activation": graph.S("clip"), "min": graph.F(0), "max": graph.F(0.3)}, []int{6, 4, 1, 1}, []int{1, 6, 9, 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, x := newTG(t, []int{1, c.cin, 9, 10})
			w := b.lazyConst(c.w, 0.3)
			bias := b.randConst(c.w[:1], 0.1)
			c.attrs["kernel_shape"] = graph.Is(int64(c.w[2]), int64(c.w[3]))
			y := b.node(graph.OpConv, []*graph.Value{x, w, bias}, c.out, c.attrs)
			b.out(y)
			check(t, b.g, &Options{Threads: 1, MaxBatch: 2}, 3, tol)
		})
	}
}

func TestPools(t *testing.T) {
	cases := []struct {
		name  string
		op    string
		attrs graph.Attrs
		out   []int
	}{
		{"max3s2p1", "MaxPool", graph.Attrs{"kernel_shape": graph.Is(3, 3), "strides": graph.Is(2, 2), "pads": graph.Is(1, 1, 1, 1)}, []int{1, 5, 6, 5}},
		{"avg2s2ceil", "AveragePool", graph.Attrs{"kernel_shape": graph.Is(2, 2), "strides": graph.Is(2, 2), "ceil_mode": graph.I(1)}, []int{1, 5, 6, 5}},
		{"avg3p1incl", "AveragePool", graph.Attrs{"kernel_shape": graph.Is(3, 3), "pads": graph.Is(1, 1, 1, 1), "count_include_pad": graph.I(1)}, []int{1, 5, 11, 9}},
		{"avg3p1excl", "AveragePool", graph.Attrs{"kernel_shape": graph.Is(3, 3), "pads": graph.Is(1, 1, 1, 1)}, []int{1, 5, 11, 9}},
		{"max-dilated", "MaxPool", graph.Attrs{"kernel_shape": graph.Is(3, 2), "dilations": graph.Is(2, 3), "pads": graph.Is(1, 1, 1, 1)}, []int{1, 5, 9, 8}},
		{"max-dilated-ceil", "MaxPool", graph.Attrs{"kernel_shape": graph.Is(2, 2), "strides": graph.Is(2, 2), "dilations": graph.Is(2, 2), "ceil_mode": graph.I(1)}, []int{1, 5, 5, 4}},
		{"gap", "GlobalAveragePool", nil, []int{1, 5, 1, 1}},
		{"gmp", "GlobalMaxPool", nil, []int{1, 5, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, x := newTG(t, []int{1, 5, 11, 9})
			b.out(b.node(c.op, []*graph.Value{x}, c.out, c.attrs))
			check(t, b.g, &Options{Threads: 2, MaxBatch: 2}, 2, tol)
		})
	}
	for _, keep := range []int64{0, 1} {
		for _, op := range []string{"ReduceMean", "ReduceMax"} {
			b, x := newTG(t, []int{1, 5, 4, 3})
			out := []int{1, 5, 1, 1}
			if keep == 0 {
				out = out[:2]
			}
			b.out(b.node(op, []*graph.Value{x, b.ints(-1, 2)}, out, graph.Attrs{"keepdims": graph.I(keep)}))
			check(t, b.g, nil, 2, tol)
		}
	}
}

func TestUnary(t *testing.T) {
	for _, op := range []string{"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh"} {
		t.Run(op, func(t *testing.T) {
			b, x := newTG(t, []int{1, 3, 4, 5})
			ins := []*graph.Value{x}
			var at graph.Attrs
			switch op {
			case "Clip":
				ins = append(ins, b.floats(nil, -0.25), b.floats(nil, 0.5))
			case "LeakyRelu":
				at = graph.Attrs{"alpha": graph.F(0.1)}
			}
			// Through an Add so that the activation can run in place.
			s := b.node("Add", []*graph.Value{x, b.floats([]int{1}, 0.125)}, x.Shape, nil)
			ins[0] = s
			b.out(b.node(op, ins, x.Shape, at))
			check(t, b.g, nil, 2, tol)
		})
	}
}

func TestBinaryBroadcast(t *testing.T) {
	shapes := [][]int{{1, 6, 4, 5}, {1, 6, 1, 1}, {6, 1, 1}, {5}, {1}, {}, nil}
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		for _, s := range shapes {
			for _, swap := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/swap=%v", op, s, swap), func(t *testing.T) {
					b, x := newTG(t, []int{1, 6, 4, 5})
					var c *graph.Value
					switch {
					case s == nil: // SE: a gate per image and channel
						p := b.node("GlobalAveragePool", []*graph.Value{x}, []int{1, 6, 1, 1}, nil)
						c = b.node("Sigmoid", []*graph.Value{p}, []int{1, 6, 1, 1}, nil)
					case len(s) == 4: // another activation
						c = b.node("Sigmoid", []*graph.Value{x}, x.Shape, nil)
					default:
						c = b.randConst(s, 0.5)
						c.Const.F32 = shift(c.Const.F32, 1) // away from 0 for Div
					}
					ins := []*graph.Value{x, c}
					if swap {
						ins[0], ins[1] = c, x
						if op == "Div" {
							ins[1] = b.node("Sigmoid", []*graph.Value{x}, x.Shape, nil)
						}
					}
					b.out(b.node(op, ins, x.Shape, nil))
					check(t, b.g, &Options{MaxBatch: 3}, 4, tol)
				})
			}
		}
	}
}

func shift(d []float32, by float32) []float32 {
	for i := range d {
		d[i] += by
	}
	return d
}
