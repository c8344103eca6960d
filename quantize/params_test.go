package quantize

import (
	"math"
	"testing"
)

// TestActivationParams checks scales and zero points against values
// worked out by hand.
func TestActivationParams(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		signed bool
		want   Params
	}{
		{-1, 3, false, Params{4.0 / 255, 64}},        // zp = round(63.75)
		{0, 6, false, Params{6.0 / 255, 0}},          // ReLU output
		{1, 5, false, Params{5.0 / 255, 0}},          // widened to include 0
		{-4, -2, false, Params{4.0 / 255, 255}},      // all negative
		{-2, 2, false, Params{4.0 / 255, 127}},       // 2/float32(4/255) = 127.4999997
		{-0.5, 0.5*255 - 0.5, false, Params{0.5, 1}}, // scale 1/2, zp round(0.5/0.5)
		{-1, 3, true, Params{3.0 / 127, 0}},          // symmetric
		{-5, 2, true, Params{5.0 / 127, 0}},          // symmetric on |lo|
		{0, 0, false, Params{1, 0}},                  // empty range
		{0, 0, true, Params{1, 0}},                   // empty range
		{math.Inf(-1), 0, false, Params{1, 0}},       // non-finite
	} {
		got := ActivationParams(c.lo, c.hi, c.signed)
		if got.ZeroPoint != c.want.ZeroPoint || math.Abs(float64(got.Scale-c.want.Scale)) > 1e-7*float64(c.want.Scale) {
			t.Errorf("ActivationParams(%g, %g, %v) = %+v, want %+v", c.lo, c.hi, c.signed, got, c.want)
		}
	}
}

// TestWeightQuantization checks per-channel scales and rounding against
// a float64 reference, on a weight laid out (2 channels, 3 inner).
func TestWeightQuantization(t *testing.T) {
	w := []float32{0.5, -1.27, 0.005, 2, 1, -0.0079}
	s := WeightScales(w, 2, 3, 127)
	want := []float64{1.27 / 127, 2.0 / 127}
	for c := range want {
		if math.Abs(float64(s[c])-want[c]) > 1e-9 {
			t.Fatalf("scale[%d] = %g, want %g", c, s[c], want[c])
		}
	}
	q := QuantizeWeights(w, s, 3, 127)
	// 0.5/0.01 = 50, -127, 0.005/0.01 = 0.5 -> 0 (half to even);
	// 2/(2/127) = 127, 63.5 -> 64 (half to even), -0.0079*63.5 = -0.50165 -> -1.
	wantQ := []int8{50, -127, 0, 127, 64, -1}
	for i := range wantQ {
		if q[i] != wantQ[i] {
			t.Fatalf("q = %v, want %v", q, wantQ)
		}
	}
	s7 := WeightScales(w, 2, 3, 63)
	if q7 := QuantizeWeights(w, s7, 3, 63); q7[1] != -63 || q7[3] != 63 {
		t.Fatalf("7-bit q = %v", q7)
	}
	if z := WeightScales([]float32{0, 0}, 1, 2, 127); z[0] != 1 {
		t.Fatalf("zero channel scale %g, want 1", z[0])
	}
	b, bs := QuantizeBias([]float32{1, -3e9}, 0.5, []float32{0.01, 1})
	if bs[0] != 0.005 || b[0] != 200 || b[1] != math.MinInt32 || bs[1] != 0.5 {
		t.Fatalf("bias %v scales %v", b, bs)
	}
}

// TestPercentile checks both percentile rules on a hand-made histogram:
// 10 bins over [0, 10], 1000 values.
func TestPercentile(t *testing.T) {
	counts := []int64{5, 95, 200, 300, 200, 100, 50, 30, 15, 5}
	for _, c := range []struct {
		p      float64
		lo, hi float64
	}{
		// cumulative: 5 100 300 600 800 900 950 980 995 1000
		{0.99, 1, 9},   // first share > 0.01: bin 1 (0.1); first >= 0.99: bin 8 (0.995)
		{0.996, 0, 10}, // > 0.004: bin 0 (0.005); >= 0.996: bin 9 (1.0)
		{0.96, 1, 8},   // > 0.04: bin 1; >= 0.96: bin 7 (0.98)
		{1, 0, 10},     // everything
		{0.89, 2, 6},   // > 0.11: bin 2 (0.3); >= 0.89: bin 5 (0.9)
	} {
		lo, hi := PercentileRange(counts, 0, 10, c.p)
		if math.Abs(lo-c.lo) > 1e-12 || math.Abs(hi-c.hi) > 1e-12 {
			t.Errorf("PercentileRange(p=%g) = [%g, %g], want [%g, %g]", c.p, lo, hi, c.lo, c.hi)
		}
	}
	// Over [-4, 6]: bin width 1, offsets shift by -4.
	if lo, hi := PercentileRange(counts, -4, 6, 0.89); lo != -2 || hi != 2 {
		t.Errorf("shifted range [%g, %g], want [-2, 2]", lo, hi)
	}
	if got := PercentileAbs(counts, 10, 0.96); got != 8 {
		t.Errorf("PercentileAbs = %g, want 7", got)
	}
	if lo, hi := PercentileRange(make([]int64, 4), -1, 1, 0.99); lo != -1 || hi != 1 {
		t.Errorf("empty histogram [%g, %g]", lo, hi)
	}
}

// TestStatAdd checks histogram binning, including the top edge and NaN.
func TestStatAdd(t *testing.T) {
	s := &stat{hist: make([]int64, 4), lo: -2, hi: 2}
	s.add([]float32{-2, -1.5, -0.1, 0, 1.99, 2, float32(math.NaN())}, false)
	want := []int64{2, 1, 1, 2}
	for i := range want {
		if s.hist[i] != want[i] {
			t.Fatalf("hist %v, want %v", s.hist, want)
		}
	}
	a := &stat{hist: make([]int64, 2), lo: 0, hi: 2}
	a.add([]float32{-1.5, 0.5, 2}, true)
	if a.hist[0] != 1 || a.hist[1] != 2 {
		t.Fatalf("abs hist %v", a.hist)
	}
}
