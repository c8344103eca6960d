package kernels

import "math"

// Windows describes a row of pooling windows over an NHWC tensor for
// [Impl.MaxWindows] and [Impl.AvgWindows]. Each window is a KH x KW grid of
// pixels, each pixel C floats (its channels). Window o (o < N) starts at
// src[o*Step]; its pixel (i, j) starts at src[o*Step + i*LDH + j*LDW].
// Window o's result is written to dst[o*C : (o+1)*C].
//
// For pooling over an h x w x c image with stride s, one output row of
// windows that lie wholly inside the image is C = c, Step = s*c, LDH = w*c,
// LDW = c, with src starting at the first window's top-left pixel; a global
// average pool is one window of KH = h, KW = w.
type Windows struct {
	C      int // floats per pixel (channels), >= 1
	N      int // number of windows, >= 0
	Step   int // distance in floats between the starts of consecutive windows, >= 0
	KH, KW int // window height and width in pixels, >= 1
	LDH    int // distance in floats between the rows of a window, >= 0
	LDW    int // distance in floats between the pixels of a window row, >= 0
}

// maxCallFloats bounds the floats one assembly call reads. Go cannot preempt
// assembly, so a call is kept to a few microseconds: windows and rows are
// handed to the kernels in chunks of about this many inputs.
const maxCallFloats = 1 << 16

// windowKernel computes g.N windows (see Windows) from the pointers: for the
// maximum, NaN propagating; for the average, the sum in (i, j) order
// starting from +0, divided by div. The sizes are checked by the caller.
type windowKernel func(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)

// elemKernels are a level's pooling, elementwise and matrix-vector kernels.
// A level without a vector form of one lists the generic function.
type elemKernels struct {
	maxWindows windowKernel // div unused
	avgWindows windowKernel
	// scaleShift: dst[r*c+ch] = relu?(float32(src[r*c+ch]*scale[ch]) + shift[ch])
	// for r < rows, ch < c; relu when flags&flagReLU != 0.
	scaleShift func(dst, src, scale, shift *float32, c, rows, flags int)
	// add: dst[i] = relu?(a[i] + b[i]) for i < n; relu when flags&flagReLU != 0.
	add func(dst, a, b *float32, n, flags int)
	// gemv4, if not nil, serves SgemvPacked (gemv.go); it must match the
	// level's strip kernel bit for bit.
	gemv4 gemvKernel
}

// check validates g against the lengths of dst and src.
func (g *Windows) check(dst, src []float32) error {
	switch {
	case g.C < 1 || g.N < 0 || g.KH < 1 || g.KW < 1:
		return shapeErr("windows: %d channels, %d windows of %dx%d", g.C, g.N, g.KH, g.KW)
	case g.Step < 0 || g.LDH < 0 || g.LDW < 0:
		return shapeErr("windows: negative stride (step %d, ldh %d, ldw %d)", g.Step, g.LDH, g.LDW)
	}
	if g.N == 0 {
		return nil
	}
	out, ok := mulBounded(g.N, g.C)
	if !ok || len(dst) < out {
		return shapeErr("windows: dst has %d floats, %d windows of %d need %d", len(dst), g.N, g.C, out)
	}
	need := g.C
	for _, t := range [][2]int{{g.N - 1, g.Step}, {g.KH - 1, g.LDH}, {g.KW - 1, g.LDW}} {
		span, ok := mulBounded(t[0], t[1])
		if !ok || need > math.MaxInt/4-span {
			return shapeErr("windows: span too large")
		}
		need += span
	}
	if len(src) < need {
		return shapeErr("windows: src has %d floats, the windows reach %d", len(src), need)
	}
	return nil
}

// mulBounded returns a*b for a, b >= 0 and whether it stays below MaxInt/4.
func mulBounded(a, b int) (int, bool) {
	if a != 0 && b > (math.MaxInt/4)/a {
		return 0, false
	}
	return a * b, true
}

// MaxWindows writes the channel-wise maximum of each window g describes:
//
//	for o := 0; o < g.N; o++ {
//		for ch := 0; ch < g.C; ch++ {
//			m := float32(math.Inf(-1))
//			for i := 0; i < g.KH; i++ {
//				for j := 0; j < g.KW; j++ {
//					v := src[o*g.Step + i*g.LDH + j*g.LDW + ch]
//					if v > m || v != v { m = v }
//				}
//			}
//			dst[o*g.C+ch] = m // NaN once any input is NaN
//		}
//	}
//
// A NaN in a window makes its result NaN (PyTorch's max_pool2d), though not
// necessarily the same NaN; the sign of a zero result is unspecified when
// the window holds both +0 and -0. dst must not overlap src. An invalid
// geometry, or slices too short for it, returns an error wrapping
// [ErrShape] and touches nothing.
func (im *Impl) MaxWindows(dst, src []float32, g Windows) error {
	return im.windows(dst, src, &g, im.ew.maxWindows, 0)
}

// AvgWindows writes the channel-wise sum of each window g describes, divided
// by div:
//
//	for o := 0; o < g.N; o++ {
//		for ch := 0; ch < g.C; ch++ {
//			s := float32(0)
//			for i := 0; i < g.KH; i++ {
//				for j := 0; j < g.KW; j++ {
//					s += src[o*g.Step + i*g.LDH + j*g.LDW + ch]
//				}
//			}
//			dst[o*g.C+ch] = s / div
//		}
//	}
//
// The sum is taken in float32 in exactly this order on every level, and the
// division is IEEE division, so every level gives the same bits. dst must
// not overlap src. An invalid geometry, or slices too short for it, returns
// an error wrapping [ErrShape] and touches nothing.
func (im *Impl) AvgWindows(dst, src []float32, g Windows, div float32) error {
	return im.windows(dst, src, &g, im.ew.avgWindows, div)
}

// windows checks g and runs k in calls that each read about maxCallFloats
// inputs at most: chunks of windows, or of channels when one window is
// larger than that.
func (im *Impl) windows(dst, src []float32, g *Windows, k windowKernel, div float32) error {
	if err := g.check(dst, src); err != nil {
		return err
	}
	if g.N == 0 {
		return nil
	}
	if raceEnabled {
		raceWindows(dst, src, g)
	}
	area := g.KH * g.KW
	if g.N == 1 && area*g.C > maxCallFloats {
		cc := max(maxCallFloats/area, 8) &^ 7
		for c0 := 0; c0 < g.C; c0 += cc {
			k(&dst[c0], &src[c0], min(cc, g.C-c0), 1, 0, g.KH, g.KW, g.LDH, g.LDW, div)
		}
		return nil
	}
	per := max(maxCallFloats/(area*g.C), 1)
	for o := 0; o < g.N; o += per {
		k(&dst[o*g.C], &src[o*g.Step], g.C, min(per, g.N-o), g.Step, g.KH, g.KW, g.LDH, g.LDW, div)
	}
	return nil
}

// raceWindows makes the race detector see what an assembly window kernel
// reads and writes (it cannot see inside assembly): the ends of dst and of
// every window row.
func raceWindows(dst, src []float32, g *Windows) {
	var sink float32
	for o := 0; o < g.N; o++ {
		raceSpan(dst[o*g.C:], g.C, true)
		for i := 0; i < g.KH; i++ {
			p := o*g.Step + i*g.LDH
			sink += src[p] + src[p+(g.KW-1)*g.LDW+g.C-1]
		}
	}
	_ = sink
}

// MaxWindows runs [Impl.MaxWindows] on the active level.
func MaxWindows(dst, src []float32, g Windows) error { return Active().MaxWindows(dst, src, g) }

// AvgWindows runs [Impl.AvgWindows] on the active level.
func AvgWindows(dst, src []float32, g Windows, div float32) error {
	return Active().AvgWindows(dst, src, g, div)
}
