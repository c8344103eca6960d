package im2col

import (
	"errors"
	"fmt"
)

// ErrGeometry reports an invalid geometry or a buffer too short for it.
var ErrGeometry = errors.New("im2col: bad geometry")

func geomErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrGeometry}, args...)...)
}

// Geometry is a convolution's patch extraction on an NHWC tensor of N images
// of H x W pixels with C channels. The padding at the bottom and right only
// decides the output size, which is given in OH and OW (see [Geometry.Init]).
type Geometry struct {
	N, H, W, C       int // input tensor, NHWC
	KH, KW           int // kernel size
	StrideH, StrideW int // >= 1
	PadT, PadL       int // padding at the top and left, >= 0
	DilH, DilW       int // dilation, >= 1
	OH, OW           int // output size
}

// Init fills OH and OW from the other fields and the padding at the bottom
// (padB) and right (padR), and validates the result.
func (g *Geometry) Init(padB, padR int) error {
	if g.StrideH < 1 || g.StrideW < 1 || g.DilH < 1 || g.DilW < 1 {
		return geomErr("stride %dx%d and dilation %dx%d must be >= 1", g.StrideH, g.StrideW, g.DilH, g.DilW)
	}
	if g.PadT < 0 || g.PadL < 0 || padB < 0 || padR < 0 {
		return geomErr("negative padding %d,%d,%d,%d", g.PadT, g.PadL, padB, padR)
	}
	if g.KH < 1 || g.KW < 1 {
		return geomErr("kernel %dx%d", g.KH, g.KW)
	}
	eh := (g.KH-1)*g.DilH + 1
	ew := (g.KW-1)*g.DilW + 1
	ph, pw := g.H+g.PadT+padB, g.W+g.PadL+padR
	if g.H < 1 || g.W < 1 || eh > ph || ew > pw {
		return geomErr("kernel %dx%d (dilated %dx%d) does not fit the padded input %dx%d", g.KH, g.KW, eh, ew, ph, pw)
	}
	g.OH = (ph-eh)/g.StrideH + 1
	g.OW = (pw-ew)/g.StrideW + 1
	return g.Validate()
}

// Validate checks that every field is in range and that every output pixel
// has at least one tap in the input or padding: the conditions under which
// [Rows] reads only inside src.
func (g *Geometry) Validate() error {
	switch {
	case g.N < 0 || g.H < 1 || g.W < 1 || g.C < 1:
		return geomErr("input %dx%dx%dx%d", g.N, g.H, g.W, g.C)
	case g.KH < 1 || g.KW < 1:
		return geomErr("kernel %dx%d", g.KH, g.KW)
	case g.StrideH < 1 || g.StrideW < 1:
		return geomErr("stride %dx%d must be >= 1", g.StrideH, g.StrideW)
	case g.DilH < 1 || g.DilW < 1:
		return geomErr("dilation %dx%d must be >= 1", g.DilH, g.DilW)
	case g.PadT < 0 || g.PadL < 0:
		return geomErr("negative padding %d,%d", g.PadT, g.PadL)
	case g.OH < 1 || g.OW < 1:
		return geomErr("output %dx%d", g.OH, g.OW)
	}
	return nil
}

// M is the number of rows of A: N*OH*OW.
func (g *Geometry) M() int { return g.N * g.OH * g.OW }

// K is the length of a row of A when all C channels are gathered: KH*KW*C.
func (g *Geometry) K() int { return g.KH * g.KW * g.C }

// Rows writes rows [row0, row0+rows) of A, all channels, to dst: row r of
// the range at dst[r*ldd:], K() values each. It returns an error, touching
// nothing, if the geometry is invalid, the range is outside [0, M()), ldd
// is less than K() or a slice is too short.
func Rows(dst []float32, ldd int, src []float32, g *Geometry, row0, rows int) error {
	return GroupRows(dst, ldd, src, g, 0, g.C, row0, rows)
}

// GroupRows is [Rows] for channels [c0, c0+cn) only: row r of the range
// gets KH*KW*cn values at dst[r*ldd:], in (kh, kw, c) order.
func GroupRows(dst []float32, ldd int, src []float32, g *Geometry, c0, cn, row0, rows int) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if c0 < 0 || cn < 1 || c0+cn > g.C {
		return geomErr("channels [%d, %d) outside [0, %d)", c0, c0+cn, g.C)
	}
	k := g.KH * g.KW * cn
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
	if need := g.N * g.H * g.W * g.C; len(src) < need {
		return geomErr("src has %d elements, %dx%dx%dx%d needs %d", len(src), g.N, g.H, g.W, g.C, need)
	}
	gather(dst, ldd, src, g, c0, cn, row0, rows)
	return nil
}

// gather is GroupRows after its checks.
func gather(dst []float32, ldd int, src []float32, g *Geometry, c0, cn, row0, rows int) {
	ohw := g.OH * g.OW
	r := 0
	for r < rows {
		// One run of output pixels along a row of the output image.
		p := row0 + r
		n, rem := p/ohw, p%ohw
		oy, ox := rem/g.OW, rem%g.OW
		run := min(rows-r, g.OW-ox)
		img := src[n*g.H*g.W*g.C : (n+1)*g.H*g.W*g.C]
		for kh := 0; kh < g.KH; kh++ {
			gatherTap(dst[r*ldd:], ldd, img, g, c0, cn, oy, ox, run, kh)
		}
		r += run
	}
}

// gatherTap writes the kernel row kh (KW*cn values at column kh*KW*cn) of
// the A rows of output pixels (oy, ox0), ..., (oy, ox0+run-1), ldd apart in
// dst.
func gatherTap(dst []float32, ldd int, img []float32, g *Geometry, c0, cn, oy, ox0, run, kh int) {
	rowLen := g.KW * cn
	col := kh * rowLen
	iy := oy*g.StrideH - g.PadT + kh*g.DilH
	if iy < 0 || iy >= g.H {
		for i := 0; i < run; i++ {
			clear(dst[i*ldd+col : i*ldd+col+rowLen])
		}
		return
	}
	line := img[iy*g.W*g.C : (iy+1)*g.W*g.C]
	if cn != g.C || g.DilW != 1 {
		for i := 0; i < run; i++ {
			gatherTaps(dst[i*ldd+col:i*ldd+col+rowLen], line, g, c0, cn, (ox0+i)*g.StrideW-g.PadL)
		}
		return
	}
	// All channels, no dilation: the kernel row is one contiguous run of
	// the input row. Pixels [in0, in1) have it entirely inside the input.
	in0 := min(max((g.PadL+g.StrideW-1)/g.StrideW-ox0, 0), run)
	in1 := max(min((g.W-g.KW+g.PadL)/g.StrideW+1-ox0, run), in0)
	if g.W-g.KW+g.PadL < 0 {
		in1 = in0
	}
	for i := 0; i < in0; i++ {
		clipped(dst[i*ldd+col:i*ldd+col+rowLen], line, g, cn, (ox0+i)*g.StrideW-g.PadL)
	}
	if in1 > in0 {
		x := ((ox0+in0)*g.StrideW - g.PadL) * cn
		copyRows(dst[in0*ldd+col:], ldd, line[x:], g.StrideW*cn, rowLen, in1-in0)
	}
	for i := in1; i < run; i++ {
		clipped(dst[i*ldd+col:i*ldd+col+rowLen], line, g, cn, (ox0+i)*g.StrideW-g.PadL)
	}
}

// clipped writes one kernel row that starts at input column ix0 and may
// stick out of the input on either side; the parts outside are padding.
func clipped(d, line []float32, g *Geometry, cn, ix0 int) {
	lo := min(max(ix0, 0), ix0+g.KW)
	hi := max(min(ix0+g.KW, g.W), lo)
	clear(d[:(lo-ix0)*cn])
	if hi > lo {
		copy(d[(lo-ix0)*cn:(hi-ix0)*cn], line[lo*cn:hi*cn])
	}
	clear(d[(hi-ix0)*cn:])
}

// gatherTaps writes one kernel row tap by tap (a channel range, or a
// dilated kernel), starting at input column ix0.
func gatherTaps(d, line []float32, g *Geometry, c0, cn, ix0 int) {
	for kw := 0; kw < g.KW; kw++ {
		dd := d[kw*cn : (kw+1)*cn]
		ix := ix0 + kw*g.DilW
		if ix < 0 || ix >= g.W {
			clear(dd)
			continue
		}
		copy(dd, line[ix*g.C+c0:ix*g.C+c0+cn])
	}
}
