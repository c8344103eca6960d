package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestReshapes(t *testing.T) {
	cases := []struct {
		name string
		in   []int
		f    func(b *tg, x *graph.Value) *graph.Value
	}{
		{"flatten-nhwc", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Flatten", []*graph.Value{x}, []int{1, 60}, nil)
		}},
		{"reshape-4d-4d", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Reshape", []*graph.Value{x, b.ints(1, 6, 5, 2)}, []int{1, 6, 5, 2}, nil)
		}},
		{"reshape-4d-view", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Reshape", []*graph.Value{x, b.ints(1, 3, 10, 2)}, []int{1, 3, 10, 2}, nil)
		}},
		{"reshape-2d-4d", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			f := b.node("Flatten", []*graph.Value{x}, []int{1, 60}, nil)
			return b.node("Reshape", []*graph.Value{f, b.ints(1, 4, 3, 5)}, []int{1, 4, 3, 5}, nil)
		}},
		{"squeeze-view", []int{1, 7, 1, 1}, func(b *tg, x *graph.Value) *graph.Value {
			s := b.node("Squeeze", []*graph.Value{x, b.ints(2, 3)}, []int{1, 7}, nil)
			return b.node("Unsqueeze", []*graph.Value{s, b.ints(1)}, []int{1, 1, 7}, nil)
		}},
		{"transpose-nhwc", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Transpose", []*graph.Value{x}, []int{1, 4, 5, 3}, graph.Attrs{"perm": graph.Is(0, 2, 3, 1)})
		}},
		{"transpose-hw", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Transpose", []*graph.Value{x}, []int{1, 3, 5, 4}, graph.Attrs{"perm": graph.Is(0, 1, 3, 2)})
		}},
		{"slice-step2", []int{1, 4, 7, 6}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Slice", []*graph.Value{x, b.ints(0, 0), b.ints(1<<62, 1<<62), b.ints(2, 3), b.ints(2, 2)}, []int{1, 4, 4, 3}, nil)
		}},
		{"slice-channels-neg", []int{1, 6, 3, 3}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Slice", []*graph.Value{x, b.ints(-1), b.ints(-100), b.ints(1), b.ints(-2)}, []int{1, 3, 3, 3}, nil)
		}},
		{"concat-channels", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			s := b.node("Relu", []*graph.Value{x}, x.Shape, nil)
			return b.node("Concat", []*graph.Value{x, s, b.randConst([]int{1, 2, 4, 5}, 1)}, []int{1, 8, 4, 5}, graph.Attrs{"axis": graph.I(1)})
		}},
		{"concat-width", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Concat", []*graph.Value{x, x}, []int{1, 3, 4, 10}, graph.Attrs{"axis": graph.I(-1)})
		}},
		{"pad-channels", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Pad", []*graph.Value{x, b.ints(0, 2, 0, 0, 0, 3, 0, 0)}, []int{1, 8, 4, 5}, nil)
		}},
		{"pad-value-spatial", []int{1, 3, 4, 5}, func(b *tg, x *graph.Value) *graph.Value {
			return b.node("Pad", []*graph.Value{x, b.ints(0, 0, 1, 0, 0, 0, 2, 1), b.floats(nil, 0.5)}, []int{1, 3, 7, 6}, nil)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, x := newTG(t, c.in)
			b.out(c.f(b, x))
			check(t, b.g, &Options{MaxBatch: 2}, 3, 0)
		})
	}
}

// Softmax over the channels of an NHWC tensor (innermost in storage).
func TestChannelSoftmax(t *testing.T) {
	for _, op := range []string{"Softmax", "LogSoftmax"} {
		b, x := newTG(t, []int{1, 6, 4, 5})
		b.out(b.node(op, []*graph.Value{x}, x.Shape, graph.Attrs{"axis": graph.I(1)}))
		check(t, b.g, &Options{MaxBatch: 2}, 3, tol)
	}
	// The last axis of an NHWC tensor is not innermost: refused.
	b, x := newTG(t, []int{1, 6, 4, 5})
	b.out(b.node("Softmax", []*graph.Value{x}, x.Shape, nil))
	if _, err := Compile(b.g, nil); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("softmax on W of NHWC: %v", err)
	}
}

func TestHeads(t *testing.T) {
	for _, tb := range []int64{0, 1} {
		for _, op := range []string{"Gemm", "MatMul", "MatMul+Add"} {
			t.Run(fmt.Sprintf("%s/transB=%d", op, tb), func(t *testing.T) {
				b, x := newTG(t, []int{1, 16, 3, 3})
				p := b.node("GlobalAveragePool", []*graph.Value{x}, []int{1, 16, 1, 1}, nil)
				f := b.node("Flatten", []*graph.Value{p}, []int{1, 16}, nil)
				var y *graph.Value
				switch op {
				case "Gemm":
					w := b.lazyConst(map[int64][]int{0: {16, 10}, 1: {10, 16}}[tb], 0.5)
					y = b.node("Gemm", []*graph.Value{f, w, b.randConst([]int{10}, 1)}, []int{1, 10},
						graph.Attrs{"alpha": graph.F(0.5), "beta": graph.F(2), "transB": graph.I(tb)})
				default:
					y = b.node("MatMul", []*graph.Value{f, b.lazyConst([]int{16, 10}, 0.5)}, []int{1, 10}, nil)
					if op == "MatMul+Add" {
						y = b.node("Add", []*graph.Value{b.randConst([]int{1, 10}, 1), y}, []int{1, 10}, nil)
					}
				}
				sm := b.node("Softmax", []*graph.Value{y}, []int{1, 10}, graph.Attrs{"axis": graph.I(-1)})
				lsm := b.node("LogSoftmax", []*graph.Value{y}, []int{1, 10}, nil)
				b.out(sm, lsm, f)
				m := check(t, b.g, &Options{MaxBatch: 2}, 3, tol)
				if got := m.Outputs(); len(got) != 3 || got[2].Len() != 16 {
					t.Errorf("outputs %+v", got)
				}
			})
		}
	}
}
