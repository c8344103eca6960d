package im2col

import "unsafe"

// StackedScratch is the number of floats of scratch space [StackedRows]
// needs for this geometry: one output row's input columns, each holding
// the KH rows of C channels the kernel sees there.
func (g *Geometry) StackedScratch() int {
	return ((g.OW-1)*g.StrideW + g.KW) * g.KH * g.C
}

// StackedRows writes rows [row0, row0+rows) of A, all channels, like
// [Rows], but with the columns of each row in (kw, kh, c) order instead of
// (kh, kw, c): A[pixel][(kw*KH + kh)*C + c]. The weights must be laid out
// to match. The dilation in width must be 1. t is scratch space of
// [Geometry.StackedScratch] floats.
//
// It suits kernels whose rows of taps are short (the Cin = 3 stem: 7 taps
// of 3 channels): for each run of output pixels along an output row it
// first stacks, for every input column the run touches, the KH rows of C
// channels above one another; the A row of a pixel is then one contiguous
// run of that stack, moved with a single copy instead of KH short ones.
func StackedRows(dst []float32, ldd int, src []float32, g *Geometry, row0, rows int, t []float32) error {
	if err := g.checkStacked(src, t); err != nil {
		return err
	}
	k := g.K()
	if row0 < 0 || rows < 0 || row0+rows > g.M() {
		return geomErr("rows [%d, %d) outside [0, %d)", row0, row0+rows, g.M())
	}
	if rows == 0 {
		return nil
	}
	if ldd < k {
		return geomErr("ldd = %d is less than the row length %d", ldd, k)
	}
	if need := (rows-1)*ldd + k; len(dst) < need {
		return geomErr("dst has %d elements, %d rows of %d with ldd %d need %d", len(dst), rows, k, ldd, need)
	}
	ohw := g.OH * g.OW
	slot := g.KH * g.C
	for r := 0; r < rows; {
		p := row0 + r
		n, rem := p/ohw, p%ohw
		oy, ox := rem/g.OW, rem%g.OW
		run := min(rows-r, g.OW-ox)
		img := src[n*g.H*g.W*g.C : (n+1)*g.H*g.W*g.C]
		width := (run-1)*g.StrideW + g.KW
		stack(t[:width*slot], img, g, oy, ox*g.StrideW-g.PadL, width)
		copyRows(dst[r*ldd:], ldd, t, g.StrideW*slot, k, run)
		r += run
	}
	return nil
}

// StackedRow stacks output row oy of image n, as [StackedRows] does for a
// run of pixels, into t (of at least [Geometry.StackedScratch] floats) and
// returns the stride of the A rows it holds: the A row of output pixel ox
// is t[ox*lda : ox*lda+K()], in StackedRows' (kw, kh, c) order. The rows
// overlap (lda = StrideW*KH*C, less than K() when StrideW < KW), so a GEMM
// that reads A in place with that stride (kernels.SgemmPacked accepts lda
// < k) multiplies the patches with no im2col copy at all: the stem's A for
// one output row is 112 rows of 147 floats in 19 KiB instead of 64 KiB.
func StackedRow(t, src []float32, g *Geometry, n, oy int) (lda int, err error) {
	if err := g.checkStacked(src, t); err != nil {
		return 0, err
	}
	if n < 0 || n >= g.N || oy < 0 || oy >= g.OH {
		return 0, geomErr("output row %d of image %d outside %dx%d", oy, n, g.N, g.OH)
	}
	img := src[n*g.H*g.W*g.C : (n+1)*g.H*g.W*g.C]
	width := (g.OW-1)*g.StrideW + g.KW
	stack(t[:width*g.KH*g.C], img, g, oy, -g.PadL, width)
	return g.StrideW * g.KH * g.C, nil
}

// checkStacked checks what StackedRows and StackedRow share: the geometry,
// a width dilation of 1, and the lengths of src and the scratch t.
func (g *Geometry) checkStacked(src, t []float32) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if g.DilW != 1 {
		return geomErr("stacked rows need a width dilation of 1, not %d", g.DilW)
	}
	if need := g.N * g.H * g.W * g.C; len(src) < need {
		return geomErr("src has %d elements, %dx%dx%dx%d needs %d", len(src), g.N, g.H, g.W, g.C, need)
	}
	if len(t) < g.StackedScratch() {
		return geomErr("stacked scratch has %d elements, needs %d", len(t), g.StackedScratch())
	}
	return nil
}

// stack fills t with width slots of KH*C values: slot j holds, for each
// kernel row kh, the C channels of input pixel (oy*SH - PadT + kh*DH,
// x0 + j), or zeros where that is padding.
func stack(t, img []float32, g *Geometry, oy, x0, width int) {
	c := g.C
	slot := g.KH * c
	lo := min(max(-x0, 0), width)     // slots [0, lo) are left padding
	hi := max(min(g.W-x0, width), lo) // slots [hi, width) are right padding
	for kh := 0; kh < g.KH; kh++ {
		iy := oy*g.StrideH - g.PadT + kh*g.DilH
		if iy < 0 || iy >= g.H {
			scatterZero(t, kh*c, slot, c, width)
			continue
		}
		scatterZero(t, kh*c, slot, c, lo)
		if hi > lo {
			line := img[(iy*g.W+x0+lo)*c : (iy*g.W+x0+hi)*c]
			scatter(t[lo*slot+kh*c:], slot, line, c, hi-lo)
		}
		scatterZero(t, hi*slot+kh*c, slot, c, width-hi)
	}
}

// scatter copies count consecutive groups of c floats of s to t, stride
// floats apart: t[j*stride+i] = s[j*c+i]. Short groups (the stem's three
// channels) are moved inline: a copy call per group would cost more than
// the move.
func scatter(t []float32, stride int, s []float32, c, count int) {
	if count <= 0 {
		return
	}
	_ = t[(count-1)*stride+c-1]
	_ = s[count*c-1]
	if c >= 16 {
		for j := 0; j < count; j++ {
			copy(t[j*stride:j*stride+c], s[j*c:j*c+c])
		}
		return
	}
	tp := unsafe.Pointer(unsafe.SliceData(t))
	sp := unsafe.Pointer(unsafe.SliceData(s))
	switch c {
	case 3:
		scatter3(t, stride, s, count)
	case 4:
		for j := 0; j < count; j++ {
			*(*[4]float32)(unsafe.Add(tp, 4*j*stride)) = *(*[4]float32)(unsafe.Add(sp, 16*j))
		}
	default:
		for j := 0; j < count; j++ {
			d := unsafe.Slice((*float32)(unsafe.Add(tp, 4*j*stride)), c)
			copy(d, s[j*c:j*c+c]) // c < 16: bounds checked above
		}
	}
}

// scatterZero clears count groups of c floats, stride floats apart,
// starting at t[off].
func scatterZero(t []float32, off, stride, c, count int) {
	for j := 0; j < count; j++ {
		clear(t[off+j*stride : off+j*stride+c])
	}
}
