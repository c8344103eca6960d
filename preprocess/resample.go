package preprocess

import "math"

// This file resamples 8-bit RGB images the way Pillow's Image.resize does
// (libImaging/Resample.c, Pillow 9.4, which torchvision's Resize calls on PIL
// images): a separable convolution whose kernel is widened by the
// downscaling factor (antialiasing), coefficients normalised and rounded
// to 22-bit fixed point, a horizontal pass rounded to 8 bits, then a
// vertical pass. Doing the same integer arithmetic in the same order gives
// the same bytes.

// precisionBits is Pillow's PRECISION_BITS for 8-bit images (32 - 8 - 2).
const precisionBits = 22

// Filter selects the resampling kernel.
type Filter int

const (
	// Bilinear is the triangle kernel (support 1): torchvision's default,
	// PIL.Image.BILINEAR.
	Bilinear Filter = iota
	// Bicubic is Keys' cubic kernel with a = -0.5 (support 2),
	// PIL.Image.BICUBIC, as many timm models use.
	Bicubic
)

func (f Filter) support() float64 {
	if f == Bicubic {
		return 2
	}
	return 1
}

func (f Filter) eval(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if f == Bicubic {
		const a = -0.5
		switch {
		case x < 1:
			return ((a+2)*x-(a+3))*x*x + 1
		case x < 2:
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// coeffs are the fixed-point weights of one resampling direction: output
// position i reads n[i] inputs from first[i] with weights k[i*ksize:].
type coeffs struct {
	ksize int
	first []int
	n     []int
	k     []int32
}

// newCoeffs mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc for
// resizing inSize samples to outSize.
func newCoeffs(inSize, outSize int, f Filter) coeffs {
	scale := float64(inSize) / float64(outSize)
	filterScale := max(scale, 1)
	support := f.support() * filterScale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{ksize: ksize, first: make([]int, outSize), n: make([]int, outSize), k: make([]int32, outSize*ksize)}
	pre := make([]float64, ksize)
	for xx := range outSize {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / filterScale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := range xmax {
			w := f.eval((float64(x+xmin) - center + 0.5) * ss)
			pre[x] = w
			ww += w
		}
		k := c.k[xx*ksize : (xx+1)*ksize]
		for x := range xmax {
			w := pre[x]
			if ww != 0 {
				w /= ww
			}
			if w < 0 {
				k[x] = int32(-0.5 + w*(1<<precisionBits))
			} else {
				k[x] = int32(0.5 + w*(1<<precisionBits))
			}
		}
		c.first[xx], c.n[xx] = xmin, xmax
	}
	return c
}

// clip8 is Pillow's clip8: the fixed-point sum shifted down and clamped.
func clip8(v int32) uint8 {
	v >>= precisionBits
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// rgbImage is packed 8-bit RGB, 3 bytes per pixel, rows of 3*w bytes.
type rgbImage struct {
	w, h int
	pix  []uint8
}

// resizeRegion resizes src to outW x outH with filter f, but computes only
// the output columns [x0, x0+cw) and rows [y0, y0+ch), which must lie
// inside the output. Every computed pixel has the value Pillow gives it in
// the full resize, since each output pixel depends only on its inputs.
func resizeRegion(src *rgbImage, outW, outH, x0, y0, cw, ch int, f Filter) *rgbImage {
	needH := outW != src.w
	needV := outH != src.h
	// Horizontal pass over the input rows the vertical pass reads.
	var cy coeffs
	rowFirst, rowLast := y0, y0+ch // input rows used
	if needV {
		cy = newCoeffs(src.h, outH, f)
		rowFirst, rowLast = cy.first[y0], 0
		for y := y0; y < y0+ch; y++ {
			rowLast = max(rowLast, cy.first[y]+cy.n[y])
			rowFirst = min(rowFirst, cy.first[y])
		}
	}
	tmp := &rgbImage{w: cw, h: rowLast - rowFirst, pix: make([]uint8, 3*cw*(rowLast-rowFirst))}
	if needH {
		cx := newCoeffs(src.w, outW, f)
		horizontal(tmp, src, rowFirst, x0, &cx)
	} else {
		for y := range tmp.h {
			copy(tmp.pix[3*cw*y:3*cw*(y+1)], src.pix[3*(src.w*(y+rowFirst)+x0):])
		}
	}
	if !needV {
		return tmp
	}
	out := &rgbImage{w: cw, h: ch, pix: make([]uint8, 3*cw*ch)}
	vertical(out, tmp, rowFirst, y0, &cy)
	return out
}

// horizontal fills dst (rows rowFirst.. of the input, output columns
// x0..) with Pillow's horizontal pass.
func horizontal(dst, src *rgbImage, rowFirst, x0 int, c *coeffs) {
	for y := range dst.h {
		in := src.pix[3*src.w*(y+rowFirst) : 3*src.w*(y+rowFirst+1)]
		out := dst.pix[3*dst.w*y : 3*dst.w*(y+1)]
		for x := range dst.w {
			xx := x + x0
			k := c.k[xx*c.ksize : xx*c.ksize+c.n[xx]]
			p := in[3*c.first[xx]:]
			s0, s1, s2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			for i, w := range k {
				s0 += int32(p[3*i]) * w
				s1 += int32(p[3*i+1]) * w
				s2 += int32(p[3*i+2]) * w
			}
			out[3*x], out[3*x+1], out[3*x+2] = clip8(s0), clip8(s1), clip8(s2)
		}
	}
}

// vertical fills dst (output rows y0..) from tmp, whose row 0 is input row
// rowFirst.
func vertical(dst, tmp *rgbImage, rowFirst, y0 int, c *coeffs) {
	stride := 3 * tmp.w
	for y := range dst.h {
		yy := y + y0
		k := c.k[yy*c.ksize : yy*c.ksize+c.n[yy]]
		base := (c.first[yy] - rowFirst) * stride
		out := dst.pix[stride*y : stride*(y+1)]
		for x := range stride {
			s := int32(1 << (precisionBits - 1))
			for i, w := range k {
				s += int32(tmp.pix[base+i*stride+x]) * w
			}
			out[x] = clip8(s)
		}
	}
}
