package preprocess

import (
	"image"
	"image/color"
)

// toRGB converts img to packed 8-bit RGB the way Pillow's convert("RGB")
// sees a decoded file: alpha is dropped (not composited), 16-bit samples
// keep their high byte, grey is replicated. JPEG's Y'CbCr goes through
// libjpeg's fixed-point conversion, and subsampled chroma through libjpeg's
// "fancy" (triangular) upsampling, which Pillow's decoder uses.
func toRGB(img image.Image) *rgbImage {
	b := img.Bounds()
	dst := &rgbImage{w: b.Dx(), h: b.Dy(), pix: make([]uint8, 3*b.Dx()*b.Dy())}
	switch m := img.(type) {
	case *image.YCbCr:
		ycbcrToRGB(dst, m)
	case *image.NRGBA:
		copyRGBX(dst, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride)
	case *image.RGBA:
		if opaque(m) {
			copyRGBX(dst, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride)
			return dst
		}
		generic(dst, img)
	case *image.Gray:
		for y := range dst.h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range dst.w {
				v := row[x]
				dst.pix[3*(y*dst.w+x)], dst.pix[3*(y*dst.w+x)+1], dst.pix[3*(y*dst.w+x)+2] = v, v, v
			}
		}
	case *image.NRGBA64:
		wide(dst, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 8)
	case *image.RGBA64:
		if opaque64(m) {
			wide(dst, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 8)
			return dst
		}
		generic(dst, img)
	case *image.Gray16:
		wide(dst, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 2)
	case *image.Paletted:
		paletted(dst, m)
	default:
		generic(dst, img)
	}
	return dst
}

// wide copies the high bytes of 16-bit samples, size bytes per pixel: 8
// for RGBA (alpha dropped), 2 for grey (replicated). Converting them with
// img.At instead would allocate a boxed colour per pixel.
func wide(dst *rgbImage, pix []uint8, stride, size int) {
	g := 2 // offset of green: grey repeats its sample
	if size == 2 {
		g = 0
	}
	for y := range dst.h {
		row := pix[y*stride:]
		out := dst.pix[3*dst.w*y:]
		for x := range dst.w {
			p := row[size*x:]
			out[3*x], out[3*x+1], out[3*x+2] = p[0], p[g], p[2*g]
		}
	}
}

func opaque64(m *image.RGBA64) bool {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			if row[8*x+6] != 0xff || row[8*x+7] != 0xff {
				return false
			}
		}
	}
	return true
}

// paletted converts each palette entry once, as generic would, then looks
// pixels up.
func paletted(dst *rgbImage, m *image.Paletted) {
	var lut [256][3]uint8
	for i, c := range m.Palette {
		if i < len(lut) {
			n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
			lut[i] = [3]uint8{uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)}
		}
	}
	b := m.Bounds()
	for y := range dst.h {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		out := dst.pix[3*dst.w*y:]
		for x := range dst.w {
			copy(out[3*x:3*x+3], lut[row[x]][:])
		}
	}
}

func copyRGBX(dst *rgbImage, pix []uint8, stride int) {
	for y := range dst.h {
		row := pix[y*stride:]
		out := dst.pix[3*dst.w*y:]
		for x := range dst.w {
			out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
}

func opaque(m *image.RGBA) bool {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			if row[4*x+3] != 0xff {
				return false
			}
		}
	}
	return true
}

// generic converts through color.NRGBA64 (straight, 16-bit) and keeps the
// high byte of each sample.
func generic(dst *rgbImage, img image.Image) {
	b := img.Bounds()
	for y := range dst.h {
		for x := range dst.w {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			i := 3 * (y*dst.w + x)
			dst.pix[i], dst.pix[i+1], dst.pix[i+2] = uint8(c.R>>8), uint8(c.G>>8), uint8(c.B>>8)
		}
	}
}

// libjpeg's fixed-point Y'CbCr -> RGB (jdcolor.c): SCALEBITS 16.
const (
	fixCrR = 91881  // FIX(1.40200)
	fixCbB = 116130 // FIX(1.77200)
	fixCrG = 46802  // FIX(0.71414)
	fixCbG = 22554  // FIX(0.34414)
	half16 = 1 << 15
)

func clamp8(v int32) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// ycc converts one pixel exactly as libjpeg's ycc_rgb_convert.
func ycc(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy, b, r := int32(y), int32(cb)-128, int32(cr)-128
	rr := yy + (fixCrR*r+half16)>>16
	gg := yy + (-fixCbG*b+half16-fixCrG*r)>>16
	bb := yy + (fixCbB*b+half16)>>16
	return clamp8(rr), clamp8(gg), clamp8(bb)
}

// ycbcrToRGB upsamples chroma like libjpeg's fancy upsampling (h2v1 and
// h2v2; other ratios fall back to replication) and converts.
func ycbcrToRGB(dst *rgbImage, m *image.YCbCr) {
	w, h := dst.w, dst.h
	cw, ch, sx, sy := chromaSize(m)
	cb := upsample(m.Cb, m.COffset(m.Rect.Min.X, m.Rect.Min.Y), m.CStride, cw, ch, sx, sy, w, h)
	cr := upsample(m.Cr, m.COffset(m.Rect.Min.X, m.Rect.Min.Y), m.CStride, cw, ch, sx, sy, w, h)
	for y := range h {
		yrow := m.Y[m.YOffset(m.Rect.Min.X, m.Rect.Min.Y+y):]
		out := dst.pix[3*w*y:]
		for x := range w {
			out[3*x], out[3*x+1], out[3*x+2] = ycc(yrow[x], cb[y*w+x], cr[y*w+x])
		}
	}
}

// chromaSize returns the chroma plane size and subsampling factors.
func chromaSize(m *image.YCbCr) (cw, ch, sx, sy int) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h, 2, 1
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2, 2, 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2, 1, 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h, 4, 1
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2, 4, 2
	}
	return w, h, 1, 1
}

// upsample returns a w x h plane from a cw x ch chroma plane.
func upsample(c []uint8, off, stride, cw, ch, sx, sy, w, h int) []uint8 {
	out := make([]uint8, w*h)
	row := func(y int) []uint8 { return c[off+min(max(y, 0), ch-1)*stride:] }
	fancy := sx == 2 && (sy == 1 || sy == 2) && cw >= 2
	wide := make([]uint8, 2*cw)
	for y := range h {
		dstRow := out[y*w : (y+1)*w]
		switch {
		case fancy && sy == 1:
			fancyH2V1(wide, row(y)[:cw])
			copy(dstRow, wide)
		case fancy:
			// Output row y lies in chroma row y/2; its second-nearest
			// chroma row is above for even y, below for odd y.
			near := row(y / 2)
			far := row(y/2 - 1)
			if y%2 == 1 {
				far = row(y/2 + 1)
			}
			fancyH2V2(wide, near[:cw], far[:cw])
			copy(dstRow, wide)
		default:
			src := row(y / sy)
			for x := range w {
				dstRow[x] = src[x/sx]
			}
		}
	}
	return out
}

// fancyH2V1 is libjpeg's h2v1_fancy_upsample: 3/4 nearer + 1/4 further,
// rounding alternately down and up.
func fancyH2V1(out, in []uint8) {
	n := len(in)
	out[0] = in[0]
	out[1] = uint8((int(in[0])*3 + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := int(in[i]) * 3
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((int(in[n-1])*3 + int(in[n-2]) + 1) >> 2)
	out[2*n-1] = in[n-1]
}

// fancyH2V2 is libjpeg's h2v2_fancy_upsample for one output row: column
// sums 3*near + far, then 3/4 + 1/4 horizontally, over 16.
func fancyH2V2(out, near, far []uint8) {
	n := len(near)
	sum := func(i int) int { return int(near[i])*3 + int(far[i]) }
	this, next := sum(0), sum(1)
	out[0] = uint8((this*4 + 8) >> 4)
	out[1] = uint8((this*3 + next + 7) >> 4)
	last := this
	this = next
	for i := 1; i < n-1; i++ {
		next = sum(i + 1)
		out[2*i] = uint8((this*3 + last + 8) >> 4)
		out[2*i+1] = uint8((this*3 + next + 7) >> 4)
		last, this = this, next
	}
	out[2*n-2] = uint8((this*3 + last + 8) >> 4)
	out[2*n-1] = uint8((this*4 + 7) >> 4)
}
