package eval

import (
	"errors"
	"math"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestActivations(t *testing.T) {
	x := f([]int{5}, -4, -1, 0, 1, 4)
	same(t, ev(t, "Relu", nil, x), x.Shape, []float64{0, 0, 0, 1, 4}, 0)
	same(t, ev(t, "LeakyRelu", graph.Attrs{"alpha": graph.F(0.5)}, x), x.Shape, []float64{-2, -0.5, 0, 1, 4}, 0)
	same(t, ev(t, "LeakyRelu", nil, x), x.Shape, []float64{-0.04, -0.01, 0, 1, 4}, 1e-9)
	same(t, ev(t, "HardSigmoid", nil, x), x.Shape, []float64{0, 0.3, 0.5, 0.7, 1}, 1e-7)
	// HardSwish: x * relu6(x+3) / 6.
	same(t, ev(t, "HardSwish", nil, x), x.Shape, []float64{0, -1.0 / 3, 0, 2.0 / 3, 4}, 1e-12)
	e := math.E
	same(t, ev(t, "Sigmoid", nil, x), x.Shape, []float64{1 / (1 + e*e*e*e), 1 / (1 + e), 0.5, e / (e + 1), 1 / (1 + 1/(e*e*e*e))}, 1e-12)
	same(t, ev(t, "Tanh", nil, x), x.Shape, []float64{math.Tanh(-4), (1/e - e) / (1/e + e), 0, (e - 1/e) / (e + 1/e), math.Tanh(4)}, 1e-12)
	same(t, ev(t, "Clip", nil, x, sf(-1), sf(2)), x.Shape, []float64{-1, -1, 0, 1, 2}, 0)
	same(t, ev(t, "Clip", nil, x, nil, sf(0.5)), x.Shape, []float64{-4, -1, 0, 0.5, 0.5}, 0)
	sameInts(t, ev(t, "Clip", nil, i64(-5, 5, 9), si(0), si(6)), []int{3}, []int64{0, 5, 6})
	same(t, ev(t, "Neg", nil, x), x.Shape, []float64{4, 1, 0, -1, -4}, 0)
	same(t, ev(t, "Floor", nil, f([]int{3}, -1.5, 0.5, 2)), []int{3}, []float64{-2, 0, 2}, 0)
	same(t, ev(t, "Ceil", nil, f([]int{3}, -1.5, 0.5, 2)), []int{3}, []float64{-1, 1, 2}, 0)
	same(t, ev(t, "Sqrt", nil, f([]int{2}, 4, 2.25)), []int{2}, []float64{2, 1.5}, 0)
	same(t, ev(t, "Identity", nil, x), x.Shape, x.F, 0)
}

func TestBroadcastArithmetic(t *testing.T) {
	a := f([]int{2, 1}, 1, 2)
	b := f([]int{1, 3}, 10, 20, 30)
	same(t, ev(t, "Add", nil, a, b), []int{2, 3}, []float64{11, 21, 31, 12, 22, 32}, 0)
	same(t, ev(t, "Sub", nil, a, b), []int{2, 3}, []float64{-9, -19, -29, -8, -18, -28}, 0)
	same(t, ev(t, "Mul", nil, b, a), []int{2, 3}, []float64{10, 20, 30, 20, 40, 60}, 0)
	same(t, ev(t, "Div", nil, b, a), []int{2, 3}, []float64{10, 20, 30, 5, 10, 15}, 0)
	// Per-channel: [1, 2, 2, 1] * [1, 2, 1, 1].
	x := seq(1, 2, 2, 1)
	same(t, ev(t, "Mul", nil, x, f([]int{1, 2, 1, 1}, 10, -1)), x.Shape, []float64{10, 20, -3, -4}, 0)
	same(t, ev(t, "Add", nil, x, sf(0.5)), x.Shape, []float64{1.5, 2.5, 3.5, 4.5}, 0)
	if err := evErr("Add", nil, Options{}, f([]int{2}, 1, 2), f([]int{3}, 1, 2, 3)); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("mismatched broadcast: %v", err)
	}
	sameInts(t, ev(t, "Div", nil, i64(7, -7, 6), i64(2)), []int{3}, []int64{3, -3, 3})
	if err := evErr("Div", nil, Options{}, i64(1), i64(0)); err == nil {
		t.Error("integer division by zero accepted")
	}
	sameInts(t, ev(t, "Mul", nil, i64(3, 4), si(-2)), []int{2}, []int64{-6, -8})
	sameInts(t, ev(t, "Pow", nil, i64(2, 3, -2), i64(10, 3, 3)), []int{3}, []int64{1024, 27, -8})
	same(t, ev(t, "Pow", nil, f([]int{2}, 4, 9), sf(0.5)), []int{2}, []float64{2, 3}, 0)
	same(t, ev(t, "Pow", nil, f([]int{2}, 2, 3), i64(3)), []int{2}, []float64{8, 27}, 0)
	nan := math.NaN()
	same(t, ev(t, "Max", nil, f([]int{3}, 1, 5, nan), f([]int{1}, 3), f([]int{3}, 0, 0, 1)), []int{3}, []float64{3, 5, nan}, 0)
	same(t, ev(t, "Min", nil, f([]int{3}, 1, 5, 2), f([]int{1}, 3)), []int{3}, []float64{1, 3, 2}, 0)
	sameInts(t, ev(t, "Max", nil, i64(1, 9), i64(4)), []int{2}, []int64{4, 9})
	sameInts(t, ev(t, "Equal", nil, i64(1, 2, 3), i64(2)), []int{3}, []int64{0, 1, 0})
	sameInts(t, ev(t, "Where", nil, i64(1, 0, 1), i64(7), i64(8, 9, 10)), []int{3}, []int64{7, 9, 7})
}

func TestCast(t *testing.T) {
	x := f([]int{5}, -2.7, -0.5, 0, 1.9, 300.2)
	cast := func(to int64, in *Tensor) *Tensor {
		return ev(t, "Cast", graph.Attrs{"to": graph.I(to)}, in)
	}
	sameInts(t, cast(graph.TypeInt64, x), []int{5}, []int64{-2, 0, 0, 1, 300})
	sameInts(t, cast(graph.TypeInt8, x), []int{5}, []int64{-2, 0, 0, 1, 44})
	sameInts(t, cast(graph.TypeUint8, i64(-1, 256)), []int{2}, []int64{255, 0})
	sameInts(t, cast(graph.TypeBool, x), []int{5}, []int64{1, 1, 0, 1, 1})
	same(t, cast(graph.TypeFloat, i64(3, 1<<40+1)), []int{2}, []float64{3, 1 << 40}, 0)
	same(t, cast(graph.TypeDouble, f([]int{1}, 0.1)), []int{1}, []float64{0.1}, 0)
	if err := evErr("Cast", graph.Attrs{"to": graph.I(graph.TypeFloat16)}, Options{}, x); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("cast to FLOAT16: %v", err)
	}
	if err := evErr("Cast", graph.Attrs{"to": graph.I(graph.TypeInt64)}, Options{}, f([]int{1}, math.Inf(1))); err == nil {
		t.Error("cast of +Inf to int64 accepted")
	}
}

func TestDropout(t *testing.T) {
	out, err := Options{}.Eval(node("Dropout", nil, 2, 2), []*Tensor{f([]int{2}, 1, 2), sf(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	same(t, out[0], []int{2}, []float64{1, 2}, 0)
	sameInts(t, out[1], []int{2}, []int64{1, 1})
	if _, err := (Options{}).Eval(node("Dropout", nil, 3, 1), []*Tensor{f([]int{1}, 1), nil, si(1)}); err == nil {
		t.Error("training mode accepted")
	}
}
