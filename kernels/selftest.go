package kernels

import (
	"errors"
	"fmt"
	"math"
)

// ErrSelfTest is wrapped by the error of a level whose self-test failed
// (see [Impl.Err]): such a level is not available.
var ErrSelfTest = errors.New("kernels: self-test failed")

// selfTest is a level's power-on known-answer test: each of its kernels
// runs a few small fixed problems that reach every code path (every tile
// height, the K loop's unrolled body and its tail, lane tails, each
// epilogue: bias, accumulate, ReLU), and the results must be those of the
// generic level, bit for bit. The GEMM problems hold small multiples of
// 1/2, so every sum is exact and any order of operations (fused or not)
// gives the same bits; the other kernels give the generic level's bits by
// design. Buffers have gaps and margins that must come back untouched. It
// returns the first disagreement, wrapping ErrSelfTest.
func selfTest(im *Impl) error {
	for _, t := range []struct {
		name string
		run  func(im *Impl) error
	}{
		{"gemm strip kernel", testStrip},
		{"gemm micro-kernel", testMicroKernel},
		{"matrix-vector kernel", testGemv},
		{"pooling windows", testWindows},
		{"elementwise", testElementwise},
		{"winograd transforms", testWinograd},
		{"im2col moves", testMoves},
	} {
		if err := t.run(im); err != nil {
			return fmt.Errorf("%w: level %s, %s: %v", ErrSelfTest, im.name, t.name, err)
		}
	}
	return nil
}

// exactFill fills s with multiples of 1/2 in [-4, 4], from seed.
func exactFill(s []float32, seed int) {
	for i := range s {
		s[i] = float32((i*7+seed*13)%17-8) / 2
	}
}

// roughFill fills s with fractions in (-1, 1) that round, from seed.
func roughFill(s []float32, seed int) {
	x := uint32(seed)*2654435761 + 1
	for i := range s {
		x = x*1664525 + 1013904223
		s[i] = float32(int32(x>>8)-1<<23) / (1 << 23) * 1.0009765625
	}
}

// equalBits returns an error naming the first element where got and want
// differ in their bits.
func equalBits(what string, got, want []float32) error {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
	return nil
}

// refTile is the exact reference of rows x nr of C = epilogue(A*B) for the
// exactFill data; c holds the old C (accumulate) and receives the result.
func refTile(a []float32, lda int, b []float32, nr, kc int, c []float32, ldc int, bias []float32, flags, rows int) {
	for i := 0; i < rows; i++ {
		for j := 0; j < nr; j++ {
			var s float64
			for p := 0; p < kc; p++ {
				s += float64(a[i*lda+p]) * float64(b[p*nr+j])
			}
			if flags&flagAccumulate != 0 {
				s += float64(c[i*ldc+j])
			}
			if bias != nil {
				s += float64(bias[j])
			}
			if flags&flagReLU != 0 && !(s > 0) {
				s = 0
			}
			c[i*ldc+j] = float32(s)
		}
	}
}

// ktStrip is one strip problem: its sizes and buffers, C twice (the level's
// and the reference's).
type ktStrip struct {
	kc, rows, lda, ldc int
	a, b, c, want      []float32
	bias               []float32
	flags              int
}

func newKTStrip(nr, kc, rows, flags int, bias bool) *ktStrip {
	g := &ktStrip{kc: kc, rows: rows, lda: kc + 3, ldc: nr + 5, flags: flags}
	g.a = make([]float32, rows*g.lda)
	g.b = make([]float32, kc*nr)
	g.c = make([]float32, rows*g.ldc)
	exactFill(g.a, kc+rows)
	exactFill(g.b, flags+1)
	exactFill(g.c, 3)
	for i := 0; i < rows; i++ { // gaps the kernel must neither read nor write
		for p := kc; p < g.lda; p++ {
			g.a[i*g.lda+p] = float32(math.NaN())
		}
	}
	if bias {
		g.bias = make([]float32, nr)
		exactFill(g.bias, 5)
	}
	g.want = append([]float32(nil), g.c...)
	refTile(g.a, g.lda, g.b, nr, kc, g.want, g.ldc, g.bias, flags, rows)
	return g
}

func (g *ktStrip) biasPtr() *float32 {
	if g.bias == nil {
		return nil
	}
	return &g.bias[0]
}

// testStrip runs the strip kernel at every tile height h (rows 2h-1: a
// tile of h, then one of h-1), K of 1 (the tail loop alone) and 17 (the
// unrolled loops, by 4 or 8, and a tail), and each epilogue.
func testStrip(im *Impl) error {
	n := 0
	for h := 1; h <= im.mr; h++ {
		for _, kc := range []int{1, 17} {
			n++
			g := newKTStrip(im.nr, kc, max(2*h-1, 1), n%4, n%2 == 0)
			im.strip(&g.a[0], g.lda, &g.b[0], kc, &g.c[0], g.ldc, g.biasPtr(), g.flags, g.rows, h)
			if err := equalBits(fmt.Sprintf("h=%d kc=%d flags=%d", h, kc, g.flags), g.c, g.want); err != nil {
				return err
			}
		}
	}
	return nil
}

// testMicroKernel runs the one-tile form on a full tile.
func testMicroKernel(im *Impl) error {
	g := newKTStrip(im.nr, 11, im.mr, flagAccumulate|flagReLU, true)
	im.kernel(&g.a[0], g.lda, &g.b[0], g.kc, &g.c[0], g.ldc, g.biasPtr(), g.flags)
	return equalBits("full tile", g.c, g.want)
}

// testGemv runs the matrix-vector kernel, if the level has one, on four
// panels against the exact reference.
func testGemv(im *Impl) error {
	if im.ew.gemv4 == nil {
		return nil
	}
	nr := im.nr
	for i, kc := range []int{1, 9, 17} {
		flags := (i + 1) % 4
		a := make([]float32, kc)
		b := make([]float32, 4*kc*nr)
		c := make([]float32, 4*nr)
		bias := make([]float32, 4*nr)
		exactFill(a, kc)
		exactFill(b, i)
		exactFill(c, 2)
		exactFill(bias, 7)
		want := append([]float32(nil), c...)
		for q := 0; q < 4; q++ {
			refTile(a, kc, b[q*kc*nr:], nr, kc, want[q*nr:], nr, bias[q*nr:], flags, 1)
		}
		im.ew.gemv4(&a[0], &b[0], kc, &c[0], &bias[0], flags)
		if err := equalBits(fmt.Sprintf("kc=%d flags=%d", kc, flags), c, want); err != nil {
			return err
		}
	}
	return nil
}

// testWindows runs max and average pooling over three windows of 2x3
// pixels, channel counts around the vector widths.
func testWindows(im *Impl) error {
	for _, c := range []int{3, 8, 21, 70} {
		w := 8 // pixels per row of the image
		g := Windows{C: c, N: 3, Step: 2 * c, KH: 2, KW: 3, LDH: w * c, LDW: c}
		src := make([]float32, 2*w*c)
		roughFill(src, c)
		for _, avg := range []bool{false, true} {
			got := make([]float32, g.N*c+5)
			want := make([]float32, len(got))
			var err1, err2 error
			if avg {
				err1 = im.AvgWindows(got, src, g, 6)
				err2 = generic.AvgWindows(want, src, g, 6)
			} else {
				err1 = im.MaxWindows(got, src, g)
				err2 = generic.MaxWindows(want, src, g)
			}
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if err := equalBits(fmt.Sprintf("c=%d avg=%v", c, avg), got, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// testElementwise runs ScaleShift and Add, with and without ReLU, at
// lengths around the vector widths.
func testElementwise(im *Impl) error {
	for i, c := range []int{5, 37, 70} {
		relu := i%2 == 0
		src := make([]float32, 3*c)
		scale := make([]float32, c)
		shift := make([]float32, c)
		roughFill(src, c)
		roughFill(scale, 2)
		roughFill(shift, 3)
		got := make([]float32, len(src)+4)
		want := make([]float32, len(got))
		if err := errors.Join(im.ScaleShift(got, src, c, scale, shift, relu),
			generic.ScaleShift(want, src, c, scale, shift, relu)); err != nil {
			return err
		}
		if err := equalBits(fmt.Sprintf("scale-shift c=%d relu=%v", c, relu), got, want); err != nil {
			return err
		}
	}
	for i, n := range []int{1, 7, 8, 33, 100} {
		relu := i%2 == 1
		a := make([]float32, n)
		b := make([]float32, n)
		roughFill(a, n)
		roughFill(b, n+1)
		got := make([]float32, n+4)
		want := make([]float32, n+4)
		if err := errors.Join(im.Add(got, a, b, relu), generic.Add(want, a, b, relu)); err != nil {
			return err
		}
		if err := equalBits(fmt.Sprintf("add n=%d relu=%v", n, relu), got, want); err != nil {
			return err
		}
	}
	return nil
}
