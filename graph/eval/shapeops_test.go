package eval

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestReshapeFamily(t *testing.T) {
	x := seq(1, 2, 3)
	same(t, ev(t, "Reshape", nil, x, i64(0, -1)), []int{1, 6}, x.F, 0)
	same(t, ev(t, "Reshape", nil, x, i64(3, 0, -1)), []int{3, 2, 1}, x.F, 0)
	same(t, ev(t, "Reshape", graph.Attrs{"allowzero": graph.I(1)}, NewFloat([]int{0, 2}, nil), i64(2, 0)), []int{2, 0}, nil, 0)
	if err := evErr("Reshape", nil, Options{}, x, i64(4, -1)); err == nil {
		t.Error("reshape of 6 elements to [4, -1] accepted")
	}
	same(t, ev(t, "Flatten", nil, x), []int{1, 6}, x.F, 0)
	same(t, ev(t, "Flatten", graph.Attrs{"axis": graph.I(0)}, x), []int{1, 6}, x.F, 0)
	same(t, ev(t, "Flatten", graph.Attrs{"axis": graph.I(-1)}, x), []int{2, 3}, x.F, 0)
	same(t, ev(t, "Squeeze", nil, x), []int{2, 3}, x.F, 0)
	same(t, ev(t, "Squeeze", nil, x, i64(0)), []int{2, 3}, x.F, 0)
	if err := evErr("Squeeze", nil, Options{}, x, i64(1)); err == nil {
		t.Error("squeeze of a dimension of 2 accepted")
	}
	same(t, ev(t, "Unsqueeze", nil, x, i64(-1, 1)), []int{1, 1, 2, 3, 1}, x.F, 0)
	sameInts(t, ev(t, "Unsqueeze", nil, si(7), i64(0)), []int{1}, []int64{7})
}

func TestTransposeConcat(t *testing.T) {
	x := seq(1, 2, 3) // [[1 2 3] [4 5 6]]
	same(t, ev(t, "Transpose", graph.Attrs{"perm": graph.Is(0, 2, 1)}, x), []int{1, 3, 2}, []float64{1, 4, 2, 5, 3, 6}, 0)
	same(t, ev(t, "Transpose", nil, x), []int{3, 2, 1}, []float64{1, 4, 2, 5, 3, 6}, 0)
	y := seq(2, 3, 4)
	z := ev(t, "Transpose", graph.Attrs{"perm": graph.Is(2, 0, 1)}, y)
	// z[k][i][j] = y[i][j][k] = 1 + 12i + 4j + k.
	for k := range 4 {
		for i := range 2 {
			for j := range 3 {
				if got := z.F[(k*2+i)*3+j]; got != float64(1+12*i+4*j+k) {
					t.Fatalf("z[%d][%d][%d] = %v", k, i, j, got)
				}
			}
		}
	}
	a, b := seq(1, 1, 2), f([]int{1, 2, 2}, 10, 20, 30, 40)
	same(t, ev(t, "Concat", graph.Attrs{"axis": graph.I(1)}, a, b), []int{1, 3, 2}, []float64{1, 2, 10, 20, 30, 40}, 0)
	same(t, ev(t, "Concat", graph.Attrs{"axis": graph.I(-1)}, a, f([]int{1, 1, 1}, 9)), []int{1, 1, 3}, []float64{1, 2, 9}, 0)
	sameInts(t, ev(t, "Concat", graph.Attrs{"axis": graph.I(0)}, i64(1), i64(), i64(-1, 5)), []int{3}, []int64{1, -1, 5})
}

func TestSlice(t *testing.T) {
	x := seq(10)
	big, small := int64(math.MaxInt64), int64(math.MinInt64)
	vals := func(v ...float64) []float64 { return v }
	same(t, ev(t, "Slice", nil, x, i64(-1), i64(small), i64(0), i64(-3)), []int{4}, vals(10, 7, 4, 1), 0)
	same(t, ev(t, "Slice", nil, x, i64(8), i64(1), nil, i64(-3)), []int{3}, vals(9, 6, 3), 0)
	same(t, ev(t, "Slice", nil, x, i64(2), i64(big)), []int{8}, vals(3, 4, 5, 6, 7, 8, 9, 10), 0)
	same(t, ev(t, "Slice", nil, x, i64(-3), i64(100)), []int{3}, vals(8, 9, 10), 0)
	same(t, ev(t, "Slice", nil, x, i64(100), i64(200)), []int{0}, nil, 0)
	same(t, ev(t, "Slice", nil, x, i64(0), i64(big), i64(0), i64(big)), []int{1}, vals(1), 0)
	same(t, ev(t, "Slice", nil, x, i64(big), i64(small), i64(0), i64(small)), []int{1}, vals(10), 0)
	// Option A: H and W with step 2.
	y := seq(1, 1, 4, 4)
	same(t, ev(t, "Slice", nil, y, i64(0, 0), i64(big, big), i64(2, 3), i64(2, 2)), []int{1, 1, 2, 2}, vals(1, 3, 9, 11), 0)
	if err := evErr("Slice", nil, Options{}, x, i64(0), i64(5), i64(0), i64(0)); err == nil {
		t.Error("step 0 accepted")
	}
}

func TestPad(t *testing.T) {
	x := seq(1, 1, 2, 2)
	// Channel pad (option A): one zero channel before, one after.
	same(t, ev(t, "Pad", nil, x, i64(0, 1, 0, 0, 0, 1, 0, 0)), []int{1, 3, 2, 2}, []float64{0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0}, 0)
	same(t, ev(t, "Pad", nil, x, i64(1, 0, 0, 1), sf(-1), i64(2, 3)), []int{1, 1, 3, 3}, []float64{-1, -1, -1, 1, 2, -1, 3, 4, -1}, 0)
	same(t, ev(t, "Pad", nil, x, i64(0, 0, 0, -1, 0, 0, 0, 0)), []int{1, 1, 2, 1}, []float64{2, 4}, 0)
	if err := evErr("Pad", graph.Attrs{"mode": graph.S("reflect")}, Options{}, x, i64(0, 0, 1, 1, 0, 0, 1, 1)); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("reflect: %v", err)
	}
}

func TestShapeFolding(t *testing.T) {
	x := seq(1, 3, 4, 5)
	sameInts(t, ev(t, "Shape", nil, x), []int{4}, []int64{1, 3, 4, 5})
	sameInts(t, ev(t, "Shape", graph.Attrs{"start": graph.I(1), "end": graph.I(-1)}, x), []int{2}, []int64{3, 4})
	sameInts(t, ev(t, "Shape", graph.Attrs{"start": graph.I(-10)}, x), []int{4}, []int64{1, 3, 4, 5})
	sameInts(t, ev(t, "Size", nil, x), []int{}, []int64{60})
	sameInts(t, ev(t, "Gather", nil, i64(1, 3, 4, 5), si(-1)), []int{}, []int64{5})
	sameInts(t, ev(t, "Gather", nil, i64(1, 3, 4, 5), i64(0, 2)), []int{2}, []int64{1, 4})
	g := ev(t, "Gather", graph.Attrs{"axis": graph.I(1)}, seq(2, 3), NewInt([]int{2, 2}, []int64{2, 0, 1, 1}))
	same(t, g, []int{2, 2, 2}, []float64{3, 1, 2, 2, 6, 4, 5, 5}, 0)
	if err := evErr("Gather", nil, Options{}, i64(1, 2), si(2)); err == nil {
		t.Error("index out of range accepted")
	}
	same(t, ev(t, "ConstantOfShape", nil, i64(2, 1)), []int{2, 1}, []float64{0, 0}, 0)
	sameInts(t, ev(t, "ConstantOfShape", graph.Attrs{"value": {Kind: graph.AttrTensor, Tensor: graph.Ints([]int{1}, []int64{7})}}, i64(3)), []int{3}, []int64{7, 7, 7})
	sameInts(t, ev(t, "Range", nil, si(10), si(0), si(-3)), []int{4}, []int64{10, 7, 4, 1})
	sameInts(t, ev(t, "Range", nil, si(0), si(0), si(1)), []int{0}, nil)
	same(t, ev(t, "Range", nil, sf(0), sf(1), sf(0.25)), []int{4}, []float64{0, 0.25, 0.5, 0.75}, 0)
	same(t, ev(t, "Expand", nil, f([]int{2, 1}, 1, 2), i64(2, 1, 3)), []int{2, 2, 3}, []float64{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, 0)
	same(t, ev(t, "Constant", graph.Attrs{"value_floats": graph.Fs(1.5, 2)}), []int{2}, []float64{1.5, 2}, 0)
	sameInts(t, ev(t, "Constant", graph.Attrs{"value_int": graph.I(4)}), []int{}, []int64{4})
}

// TestLimits: sizes are refused before anything is allocated for them.
func TestLimits(t *testing.T) {
	for _, s := range [][]int64{{1 << 40}, {1 << 20, 1 << 20}, {1 << 62, 1 << 62, 0}, {-1}} {
		if err := evErr("ConstantOfShape", nil, Options{}, i64(s...)); err == nil {
			t.Errorf("ConstantOfShape %v accepted", s)
		}
	}
	small := Options{MaxElements: 100, MaxWork: 1000}
	if err := evErr("ConstantOfShape", nil, small, i64(101)); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("101 elements with a cap of 100: %v", err)
	}
	if err := evErr("ConstantOfShape", nil, small, i64(100)); err != nil {
		t.Errorf("100 elements with a cap of 100: %v", err)
	}
	if err := evErr("Conv", nil, Options{MaxWork: 1000}, seq(1, 4, 8, 8), seq(4, 4, 3, 3)); !errors.Is(err, graph.ErrUnsupported) || !strings.Contains(err.Error(), "steps") {
		t.Errorf("conv over the work limit: %v", err)
	}
	if err := evErr("Range", nil, Options{}, si(math.MinInt64), si(math.MaxInt64), si(1)); err == nil {
		t.Error("Range of 2^64 elements accepted")
	}
	if err := evErr("Range", nil, Options{}, sf(0), sf(1e300), sf(1e-300)); err == nil {
		t.Error("float Range of 1e600 elements accepted")
	}
	if err := evErr("Expand", nil, small, sf(1), i64(1000)); err == nil {
		t.Error("Expand over the element cap accepted")
	}
	if err := evErr("Unknown", nil, small, sf(1)); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("unknown op: %v", err)
	}
	if err := evErr("Relu", nil, small, &Tensor{DType: graph.Float32, Shape: []int{3}}); err == nil {
		t.Error("a tensor without its data accepted")
	}
}
