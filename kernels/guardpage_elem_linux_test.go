//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestGuardPagesElementwise runs the pooling and elementwise kernels on
// buffers that start or end exactly at an inaccessible page, for channel
// counts whose tails take every path (masked vector, scalar), so a read or
// write past either end of any buffer crashes instead of passing.
func TestGuardPagesElementwise(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(6, 7))
		for _, c := range []int{1, 2, 3, 4, 5, 7, 9, 15, 17, 33, 47, 64} {
			for _, atEnd := range []bool{false, true} {
				guardWindows(t, im, r, windowCase{c: c, n: 3, kh: 3, kw: 3, s: 2}, atEnd)
				guardWindows(t, im, r, windowCase{c: c, n: 1, kh: 2, kw: 3, s: 1, gapW: 1}, atEnd)
				guardScaleShift(t, im, r, c, 3, atEnd)
				guardAdd(t, im, r, 2*c+1, atEnd)
				guardAdd(t, im, r, c, atEnd)
			}
		}
	})
}

func guardWindows(t *testing.T, im *Impl, r *rand.Rand, wc windowCase, atEnd bool) {
	t.Helper()
	g := wc.geom()
	size := windowSpan(g.C, g.N, g.Step, g.KH, g.KW, g.LDH, g.LDW)
	src := newFence(t, size).place(size, atEnd)
	for i := range src {
		src[i] = r.Float32()*2 - 1
	}
	dst := newFence(t, g.N*g.C).place(g.N*g.C, atEnd)
	if err := im.MaxWindows(dst, src, g); err != nil {
		t.Fatal(err)
	}
	for i, w := range refMax(g, src) {
		if !sameFloat(dst[i], w) {
			t.Fatalf("%v max: dst[%d] = %v, want %v", wc, i, dst[i], w)
		}
	}
	if err := im.AvgWindows(dst, src, g, 3); err != nil {
		t.Fatal(err)
	}
	want, mag := refAvg(g, src, 3)
	for i, w := range want {
		if d := float64(dst[i]) - w; !(d <= 1e-6*mag[i] && -d <= 1e-6*mag[i]) {
			t.Fatalf("%v avg: dst[%d] = %v, want %v", wc, i, dst[i], w)
		}
	}
}

func guardScaleShift(t *testing.T, im *Impl, r *rand.Rand, c, rows int, atEnd bool) {
	t.Helper()
	src := newFence(t, rows*c).place(rows*c, atEnd)
	scale := newFence(t, c).place(c, atEnd)
	shift := newFence(t, c).place(c, atEnd)
	for _, s := range [][]float32{src, scale, shift} {
		for i := range s {
			s[i] = r.Float32()*2 - 1
		}
	}
	dst := newFence(t, rows*c).place(rows*c, atEnd)
	if err := im.ScaleShift(dst, src, c, scale, shift, true); err != nil {
		t.Fatal(err)
	}
	for i, v := range src {
		w := relu64(float64(float32(float64(float32(v*scale[i%c]))+float64(shift[i%c]))), true)
		if !sameBits(dst[i], w) {
			t.Fatalf("scale-shift c=%d: dst[%d] = %v, want %v", c, i, dst[i], w)
		}
	}
}

func guardAdd(t *testing.T, im *Impl, r *rand.Rand, n int, atEnd bool) {
	t.Helper()
	a := newFence(t, n).place(n, atEnd)
	b := newFence(t, n).place(n, atEnd)
	for i := range a {
		a[i], b[i] = r.Float32()*2-1, r.Float32()*2-1
	}
	dst := newFence(t, n).place(n, atEnd)
	if err := im.Add(dst, a, b, false); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if dst[i] != a[i]+b[i] {
			t.Fatalf("add n=%d: dst[%d] = %v, want %v", n, i, dst[i], a[i]+b[i])
		}
	}
}
