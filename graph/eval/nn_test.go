package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestReduce(t *testing.T) {
	x := seq(1, 2, 2, 3) // channel 0: 1..6, channel 1: 7..12
	same(t, ev(t, "ReduceMean", nil, x, i64(2, 3)), []int{1, 2, 1, 1}, []float64{3.5, 9.5}, 0)
	same(t, ev(t, "ReduceMean", graph.Attrs{"keepdims": graph.I(0)}, x, i64(-1, -2)), []int{1, 2}, []float64{3.5, 9.5}, 0)
	same(t, ev(t, "ReduceMax", graph.Attrs{"keepdims": graph.I(0)}, x, i64(3)), []int{1, 2, 2}, []float64{3, 6, 9, 12}, 0)
	same(t, ev(t, "ReduceMax", nil, x), []int{1, 1, 1, 1}, []float64{12}, 0)
	same(t, ev(t, "ReduceMean", graph.Attrs{"noop_with_empty_axes": graph.I(1)}, x, i64()), x.Shape, x.F, 0)
	same(t, ev(t, "ReduceMean", nil, x, i64(1)), []int{1, 1, 2, 3}, []float64{4, 5, 6, 7, 8, 9}, 0)
	sameInts(t, ev(t, "ReduceMax", graph.Attrs{"keepdims": graph.I(0)}, NewInt([]int{2, 2}, []int64{3, -1, -5, -7}), i64(1)), []int{2}, []int64{3, -5})
}

func TestSoftmax(t *testing.T) {
	x := f([]int{2, 3}, 1, 2, 3, 1000, 1000, 1000)
	e := math.E
	s := 1 + e + e*e
	same(t, ev(t, "Softmax", nil, x), x.Shape, []float64{1 / s, e / s, e * e / s, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15)
	l := math.Log(s)
	same(t, ev(t, "LogSoftmax", graph.Attrs{"axis": graph.I(1)}, x), x.Shape, []float64{-l, 1 - l, 2 - l, -math.Log(3), -math.Log(3), -math.Log(3)}, 1e-12)
	// axis 0: pairs down the columns.
	y := ev(t, "Softmax", graph.Attrs{"axis": graph.I(0)}, f([]int{2, 2}, 0, 1, 0, 3))
	same(t, y, []int{2, 2}, []float64{0.5, 1 / (1 + e*e), 0.5, e * e / (1 + e*e)}, 1e-15)
}

func TestGemmAndMatMul(t *testing.T) {
	a := f([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := f([]int{3, 2}, 1, 0, 0, 1, 1, 1)
	// A*B = [[4, 5], [10, 11]].
	same(t, ev(t, "Gemm", nil, a, b), []int{2, 2}, []float64{4, 5, 10, 11}, 0)
	same(t, ev(t, "MatMul", nil, a, b), []int{2, 2}, []float64{4, 5, 10, 11}, 0)
	bt := f([]int{2, 3}, 1, 0, 1, 0, 1, 1)
	at := f([]int{3, 2}, 1, 4, 2, 5, 3, 6)
	attrs := graph.Attrs{"transA": graph.I(1), "transB": graph.I(1), "alpha": graph.F(2), "beta": graph.F(0.5)}
	same(t, ev(t, "Gemm", attrs, at, bt, f([]int{2}, 10, 20)), []int{2, 2}, []float64{13, 20, 25, 32}, 0)
	same(t, ev(t, "Gemm", attrs, at, bt, sf(2)), []int{2, 2}, []float64{9, 11, 21, 23}, 0)
	// MatMul with batch broadcasting against an independent per-matrix product.
	r := rand.New(rand.NewPCG(7, 8))
	x, w := rnd(r, 2, 1, 3, 4), rnd(r, 5, 4, 6)
	y := ev(t, "MatMul", nil, x, w)
	want := make([]float64, 2*5*3*6)
	for i := range 2 {
		for j := range 5 {
			for row := range 3 {
				for col := range 6 {
					var s float64
					for k := range 4 {
						s += x.F[(i*3+row)*4+k] * w.F[(j*4+k)*6+col]
					}
					want[((i*5+j)*3+row)*6+col] = s
				}
			}
		}
	}
	same(t, y, []int{2, 5, 3, 6}, want, 1e-12)
	same(t, ev(t, "MatMul", nil, f([]int{3}, 1, 2, 3), b), []int{2}, []float64{4, 5}, 0)
	same(t, ev(t, "MatMul", nil, a, f([]int{3}, 1, 1, 1)), []int{2}, []float64{6, 15}, 0)
}
