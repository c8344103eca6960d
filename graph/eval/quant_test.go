package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// q8 is an 8-bit (or int32) tensor.
func q8(dt graph.DType, shape []int, v ...int64) *Tensor {
	return &Tensor{DType: dt, Shape: shape, I: v}
}

// rne rounds half to even without math.RoundToEven: the reference.
func rne(x float64) float64 {
	f := math.Floor(x)
	switch d := x - f; {
	case d < 0.5:
		return f
	case d > 0.5:
		return f + 1
	}
	if math.Mod(f, 2) == 0 {
		return f
	}
	return f + 1
}

func sat(v float64, dt graph.DType) int64 {
	lo, hi := -128.0, 127.0
	if dt == graph.Uint8 {
		lo, hi = 0, 255
	}
	return int64(math.Max(lo, math.Min(hi, v)))
}

func TestQuantizeLinear(t *testing.T) {
	x := []float64{0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e9, -1e9, 3.49, 127.5, 128.5, -129}
	for _, dt := range []graph.DType{graph.Uint8, graph.Int8} {
		for _, zp := range []int64{0, 3} {
			out := ev(t, "QuantizeLinear", nil, f([]int{len(x)}, x...), sf(1), q8(dt, []int{}, zp))
			for i, v := range x {
				want := sat(rne(v)+float64(zp), dt)
				if out.DType != dt || out.I[i] != want {
					t.Fatalf("%v zp %d: Q(%v) = %v %d, want %d", dt, zp, v, out.DType, out.I[i], want)
				}
			}
		}
	}
	// Per axis 1 on [1, 3, 2]; the division in float32: 1/0.1 rounds as float32 does.
	xs := f([]int{1, 3, 2}, 1, -1, 2, -2, 0.25, 0.35)
	out := ev(t, "QuantizeLinear", graph.Attrs{"axis": graph.I(1)}, xs, f([]int{3}, 0.1, 0.5, 0.05), q8(graph.Int8, []int{3}, 0, 1, -2))
	want := []int64{10, -10, 5, -3, 3, 5}
	if !slices.Equal(out.I, want) {
		t.Errorf("per axis: %v, want %v", out.I, want)
	}
	// No zero point: uint8 0.
	if out := ev(t, "QuantizeLinear", nil, f([]int{2}, -3, 300), sf(1)); out.DType != graph.Uint8 || !slices.Equal(out.I, []int64{0, 255}) {
		t.Errorf("default zero point: %v %v", out.DType, out.I)
	}
}

func TestDequantizeLinear(t *testing.T) {
	out := ev(t, "DequantizeLinear", nil, q8(graph.Uint8, []int{3}, 0, 128, 255), sf(0.5), q8(graph.Uint8, []int{}, 128))
	same(t, out, []int{3}, []float64{-64, 0, 63.5}, 0)
	out = ev(t, "DequantizeLinear", graph.Attrs{"axis": graph.I(0)}, q8(graph.Int8, []int{2, 2}, -128, 127, 1, -1),
		f([]int{2}, 2, 0.25), q8(graph.Int8, []int{2}, 0, 1))
	same(t, out, []int{2, 2}, []float64{-256, 254, 0, -0.5}, 0)
	// int32 (as the IR holds it after import: int64), per axis.
	out = ev(t, "DequantizeLinear", graph.Attrs{"axis": graph.I(0)}, NewInt([]int{2}, []int64{1 << 20, -7}), f([]int{2}, 0.5, 0.125))
	same(t, out, []int{2}, []float64{1 << 19, -0.875}, 0)
	out = ev(t, "DequantizeLinear", nil, q8(graph.Int32, []int{2}, 1<<30, -3), sf(2))
	same(t, out, []int{2}, []float64{1 << 31, -6}, 0)
}

// naiveQConv is QLinearConv in integers: acc = sum (x - xz)(w - wz) + b
// per output, then round(acc * xs * ws[m] / ys) + yz saturated (stride 1,
// no padding, one group; float64 arithmetic).
func naiveQConv(x []int64, c, h, w int, xs float64, xz int64, wt []int64, m, k int, ws []float64,
	b []int64, ys float64, yz int64, dt graph.DType, relu bool) []int64 {
	oh, ow := h-k+1, w-k+1
	out := make([]int64, m*oh*ow)
	for o := range m {
		for i := range oh {
			for j := range ow {
				acc := int64(0)
				if b != nil {
					acc = b[o]
				}
				for ci := range c {
					for u := range k {
						for v := range k {
							acc += (x[(ci*h+i+u)*w+j+v] - xz) * wt[((o*c+ci)*k+u)*k+v]
						}
					}
				}
				r := float64(acc) * xs * ws[o]
				if relu {
					r = math.Max(r, 0)
				}
				out[(o*oh+i)*ow+j] = sat(rne(r/ys)+float64(yz), dt)
			}
		}
	}
	return out
}

func TestQLinearConvAndQConv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const c, h, w, m, k = 3, 5, 6, 4, 3
	x := make([]int64, c*h*w)
	for i := range x {
		x[i] = r.Int64N(256)
	}
	wt := make([]int64, m*c*k*k)
	for i := range wt {
		wt[i] = r.Int64N(255) - 127
	}
	b := []int64{1000, -2000, 0, 77}
	xs, ys := float32(0.02), float32(0.15)
	ws := []float32{0.01, 0.002, 0.03, 0.007}
	wsf := make([]float64, m)
	for i, v := range ws {
		wsf[i] = float64(v)
	}
	for _, relu := range []bool{false, true} {
		want := naiveQConv(x, c, h, w, float64(xs), 7, wt, m, k, wsf, b, float64(ys), 100, graph.Uint8, relu)
		xt := q8(graph.Uint8, []int{1, c, h, w}, x...)
		wtt := q8(graph.Int8, []int{m, c, k, k}, wt...)
		scales := f([]int{m}, wsf...)
		var out *Tensor
		if relu {
			out = ev(t, graph.OpQConv, graph.Attrs{"activation": graph.S("relu")}, xt, wtt, q8(graph.Int32, []int{m}, b...),
				sf(float64(xs)), q8(graph.Uint8, []int{}, 7), scales, sf(float64(ys)), q8(graph.Uint8, []int{}, 100))
		} else {
			out = ev(t, "QLinearConv", nil, xt, sf(float64(xs)), q8(graph.Uint8, []int{}, 7), wtt, scales,
				q8(graph.Int8, []int{m}, 0, 0, 0, 0), sf(float64(ys)), q8(graph.Uint8, []int{}, 100), q8(graph.Int32, []int{m}, b...))
		}
		if out.DType != graph.Uint8 || !slices.Equal(out.Shape, []int{1, m, h - k + 1, w - k + 1}) {
			t.Fatalf("relu %v: %v %v", relu, out.DType, out.Shape)
		}
		for i := range want {
			if out.I[i] != want[i] {
				t.Fatalf("relu %v: element %d = %d, want %d", relu, i, out.I[i], want[i])
			}
		}
	}
}

func TestQLinearElementwise(t *testing.T) {
	a := q8(graph.Uint8, []int{1, 2, 1, 2}, 0, 10, 200, 255)
	bq := q8(graph.Uint8, []int{1, 2, 1, 2}, 5, 5, 100, 0)
	as, bs, cs := 0.1, 0.2, 0.25
	ref := func(op func(x, y float64) float64, za, zb, zc int64) []int64 {
		out := make([]int64, 4)
		for i := range out {
			v := op(float64(a.I[i]-za)*as, float64(bq.I[i]-zb)*bs)
			out[i] = sat(rne(v/cs)+float64(zc), graph.Uint8)
		}
		return out
	}
	z := func(v int64) *Tensor { return q8(graph.Uint8, []int{}, v) }
	add := ev(t, "QLinearAdd", nil, a, sf(as), z(3), bq, sf(bs), z(4), sf(cs), z(9))
	if want := ref(func(x, y float64) float64 { return x + y }, 3, 4, 9); !slices.Equal(add.I, want) {
		t.Errorf("QLinearAdd %v, want %v", add.I, want)
	}
	mul := ev(t, "QLinearMul", nil, a, sf(as), z(3), bq, sf(bs), z(4), sf(cs), z(9))
	if want := ref(func(x, y float64) float64 { return x * y }, 3, 4, 9); !slices.Equal(mul.I, want) {
		t.Errorf("QLinearMul %v, want %v", mul.I, want)
	}
	gap := ev(t, "QLinearGlobalAveragePool", nil, a, sf(as), z(3), sf(cs), z(1))
	want := []int64{sat(rne((float64(0-3)+float64(10-3))/2*as/cs)+1, graph.Uint8), sat(rne((float64(200-3)+float64(255-3))/2*as/cs)+1, graph.Uint8)}
	if !slices.Equal(gap.Shape, []int{1, 2, 1, 1}) || !slices.Equal(gap.I, want) {
		t.Errorf("QLinearGlobalAveragePool %v %v, want %v", gap.Shape, gap.I, want)
	}
	sig := ev(t, "QLinearSigmoid", nil, a, sf(as), z(100), sf(1.0/256), z(0))
	for i, v := range a.I {
		want := sat(rne(1/(1+math.Exp(-float64(v-100)*as))*256), graph.Uint8)
		if sig.I[i] != want {
			t.Errorf("QLinearSigmoid(%d) = %d, want %d", v, sig.I[i], want)
		}
	}
	cat := ev(t, "QLinearConcat", graph.Attrs{"axis": graph.I(1)}, sf(cs), z(0), a, sf(as), z(3), bq, sf(bs), z(4))
	if !slices.Equal(cat.Shape, []int{1, 4, 1, 2}) || cat.I[0] != 0 || cat.I[7] != sat(rne(float64(0-4)*bs/cs), graph.Uint8) ||
		cat.I[3] != sat(rne(float64(255-3)*as/cs), graph.Uint8) {
		t.Errorf("QLinearConcat %v %v", cat.Shape, cat.I)
	}
	// QLinearMatMul [1,2] x [2,3] with int8 b per column.
	mm := ev(t, "QLinearMatMul", nil, q8(graph.Uint8, []int{1, 2}, 10, 20), sf(0.5), z(0),
		q8(graph.Int8, []int{2, 3}, 1, -1, 2, 3, 0, -4), f([]int{3}, 1, 0.5, 0.25), q8(graph.Int8, []int{3}, 0, 0, 0), sf(1), z(128))
	wantMM := []int64{128 + 35, 128 - 2, 128 - 8}
	if !slices.Equal(mm.I, wantMM) {
		t.Errorf("QLinearMatMul %v, want %v", mm.I, wantMM)
	}
}

func TestQDQ(t *testing.T) {
	x := []float64{-1, 0.05, 0.15, 0.25, 100, math.NaN()}
	out := ev(t, graph.OpQDQ, graph.Attrs{"lo": graph.I(0), "hi": graph.I(255)}, f([]int{len(x)}, x...), sf(0.1), sf(3), sf(0.1), sf(3))
	for i, v := range x {
		q := sat(rne(float64(float32(v)/0.1))+3, graph.Uint8)
		if math.IsNaN(v) {
			q = 3
		}
		want := float64(float32(float32(q-3) * 0.1))
		if out.F[i] != want {
			t.Errorf("QDQ(%v) = %v, want %v", v, out.F[i], want)
		}
	}
}

func TestQuantBadInput(t *testing.T) {
	cases := []struct {
		op  string
		ins []*Tensor
	}{
		{"QuantizeLinear", []*Tensor{f([]int{2}, 1, 2), f([]int{3}, 1, 1, 1)}},
		{"DequantizeLinear", []*Tensor{f([]int{2}, 1, 2), sf(1)}},
		{"QLinearConv", []*Tensor{q8(graph.Uint8, []int{1, 1, 2, 2}, 1, 2, 3, 4), sf(1)}},
		{graph.OpQDQ, []*Tensor{f([]int{1}, 1), sf(1), sf(0)}},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panics: %v", c.op, r)
				}
			}()
			if err := evErr(c.op, nil, Options{}, c.ins...); err == nil {
				t.Errorf("%s: no error", c.op)
			}
		}()
	}
}

// FuzzQuantEval feeds the quantized operators inputs with missing slots,
// wrong types and odd shapes: errors, never panics.
func FuzzQuantEval(fz *testing.F) {
	fz.Add(uint8(0), uint16(0xffff), uint8(3))
	fz.Add(uint8(2), uint16(0x00ff), uint8(1))
	ops := []string{"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "QLinearAdd",
		"QLinearMul", "QLinearSigmoid", "QLinearGlobalAveragePool", "QLinearConcat", graph.OpQDQ, graph.OpQConv}
	fz.Fuzz(func(t *testing.T, op uint8, present uint16, kind uint8) {
		name := ops[int(op)%len(ops)]
		n := 2 + int(kind)%8
		ins := make([]*Tensor, n)
		for i := range ins {
			if present&(1<<i) == 0 {
				continue
			}
			switch (int(kind) + i) % 4 {
			case 0:
				ins[i] = sf(0.5)
			case 1:
				ins[i] = q8(graph.Uint8, []int{}, 3)
			case 2:
				ins[i] = q8(graph.Int8, []int{1, 1, 2, 2}, 1, -2, 3, -4)
			case 3:
				ins[i] = f([]int{1, 1, 2, 2}, 1, 2, 3, 4)
			}
		}
		_, _ = Options{}.Eval(node(name, nil, n, 1), ins)
	})
}
