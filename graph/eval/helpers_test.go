package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// node makes a free-standing node of op with nin input slots and nout
// outputs, for Options.Eval.
func node(op string, attrs graph.Attrs, nin, nout int) *graph.Node {
	n := &graph.Node{Op: op, Name: "n", Attrs: attrs}
	for range nin {
		n.Inputs = append(n.Inputs, &graph.Value{})
	}
	for range nout {
		n.Outputs = append(n.Outputs, &graph.Value{})
	}
	return n
}

// ev evaluates op on ins with default options and one output.
func ev(t *testing.T, op string, attrs graph.Attrs, ins ...*Tensor) *Tensor {
	t.Helper()
	out, err := Options{}.Eval(node(op, attrs, len(ins), 1), ins)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out[0]
}

// evErr evaluates op and returns its error.
func evErr(op string, attrs graph.Attrs, o Options, ins ...*Tensor) error {
	_, err := o.Eval(node(op, attrs, len(ins), 1), ins)
	return err
}

func f(shape []int, v ...float64) *Tensor { return NewFloat(shape, v) }
func i64(v ...int64) *Tensor              { return NewInt([]int{len(v)}, v) }
func si(v int64) *Tensor                  { return NewInt([]int{}, []int64{v}) }
func sf(v float64) *Tensor                { return NewFloat([]int{}, []float64{v}) }

// seq is a float tensor of shape holding 1, 2, 3 ...
func seq(shape ...int) *Tensor {
	d := make([]float64, graph.NumElements(shape))
	for i := range d {
		d[i] = float64(i + 1)
	}
	return NewFloat(shape, d)
}

// rnd is a float tensor of shape with uniform values in [-1, 1).
func rnd(r *rand.Rand, shape ...int) *Tensor {
	d := make([]float64, graph.NumElements(shape))
	for i := range d {
		d[i] = r.Float64()*2 - 1
	}
	return NewFloat(shape, d)
}

// same fails unless got has shape and float data want (within tol).
func same(t *testing.T, got *Tensor, shape []int, want []float64, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape, shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	if got.DType != graph.Float32 || len(got.F) != len(want) {
		t.Fatalf("got %v with %d floats, want %d", got.DType, len(got.F), len(want))
	}
	for i := range want {
		if d := math.Abs(got.F[i] - want[i]); !(d <= tol) && !(math.IsNaN(want[i]) && math.IsNaN(got.F[i])) {
			t.Fatalf("element %d = %v, want %v (all: %v)", i, got.F[i], want[i], got.F)
		}
	}
}

// sameInts fails unless got is Int64 of shape holding want.
func sameInts(t *testing.T, got *Tensor, shape []int, want []int64) {
	t.Helper()
	if got.DType != graph.Int64 || !slices.Equal(got.Shape, shape) || !slices.Equal(got.I, want) {
		t.Fatalf("got %v %v %v, want int64 %v %v", got.DType, got.Shape, got.I, shape, want)
	}
}
