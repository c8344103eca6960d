package nn

import (
	"math"

	"github.com/gorn-ml/gorn/kernels"
)

// Quantized tensors: a uint8 or int8 tensor q with scale s and zero point z
// stands for the real values (q - z) * s, as ONNX's QuantizeLinear and
// DequantizeLinear define them. The 8-bit layers below work on NHWC
// tensors like the float32 ones; a convolution's GEMM is [kernels.QGemm].

// qRange returns the value range of T.
func qRange[T kernels.Q8]() (lo, hi int32) {
	var z T
	if _, ok := any(z).(int8); ok {
		return -128, 127
	}
	return 0, 255
}

// checkQParams checks a scale (finite, > 0) and a zero point (in T's range).
func checkQParams[T kernels.Q8](name string, scale float32, zero int32) error {
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return shapeErr("%s scale %v must be finite and > 0", name, scale)
	}
	if lo, hi := qRange[T](); zero < lo || zero > hi {
		return shapeErr("%s zero point %d is outside [%d, %d]", name, zero, lo, hi)
	}
	return nil
}

// saturateRound returns saturate(roundHalfToEven(x) + zero) in [lo, hi]; a
// NaN gives zero (the real value 0).
func saturateRound(x float64, zero, lo, hi int32) int32 {
	if x != x {
		return zero
	}
	v := math.RoundToEven(x) + float64(zero)
	if v < float64(lo) {
		return lo
	}
	if v > float64(hi) {
		return hi
	}
	return int32(v)
}

// QuantizeNCHWToNHWC quantizes n float32 images of c channels of h x w
// pixels in NCHW order (src, as a network's input arrives) into an NHWC
// tensor of T (dst), as ONNX QuantizeLinear does:
// saturate(roundHalfToEven(x / scale) + zero), the division in float32. NaN
// becomes zero (the real value 0).
func QuantizeNCHWToNHWC[T kernels.Q8](dst []T, src []float32, n, c, h, w int, scale float32, zero int32) error {
	size, err := tensorSize(n, c, h, w)
	if err != nil {
		return err
	}
	if err := checkQParams[T]("quantize", scale, zero); err != nil {
		return err
	}
	if len(src) < size || len(dst) < size {
		return shapeErr("quantize: src has %d, dst %d elements, %dx%dx%dx%d needs %d", len(src), len(dst), n, c, h, w, size)
	}
	lo, hi := qRange[T]()
	hw := h * w
	for i := 0; i < n; i++ {
		s := src[i*c*hw : (i+1)*c*hw]
		d := dst[i*c*hw : (i+1)*c*hw]
		for ch := 0; ch < c; ch++ {
			for p, x := range s[ch*hw : (ch+1)*hw] {
				d[p*c+ch] = T(saturateRound(float64(x/scale), zero, lo, hi))
			}
		}
	}
	return nil
}

// Dequantize writes (q - zero) * scale for every element of src to dst (the
// network's head: logits back to float32), as ONNX DequantizeLinear.
func Dequantize[T kernels.Q8](dst []float32, src []T, scale float32, zero int32) error {
	if math.IsNaN(float64(scale)) || math.IsInf(float64(scale), 0) {
		return shapeErr("dequantize scale %v is not finite", scale)
	}
	if lo, hi := qRange[T](); zero < lo || zero > hi {
		return shapeErr("dequantize zero point %d is outside [%d, %d]", zero, lo, hi)
	}
	if len(dst) < len(src) {
		return shapeErr("dequantize: dst has %d elements, src %d", len(dst), len(src))
	}
	for i, q := range src {
		dst[i] = float32(int32(q)-zero) * scale
	}
	return nil
}

// QIm2col writes rows [r0, r0+rows) of the convolution's A matrix for the
// quantized NHWC input src (n x h x w x Cin) to dst, row after row, each
// KH*KW*Cin values in (kh, kw, cin) order: row r is output pixel (image
// r/(oh*ow), oy, ox). Padding takes the value zero, the input's zero point,
// which stands for the real 0 (not the integer 0). Only Groups = 1 is
// supported.
func QIm2col[T kernels.Q8](dst, src []T, n, h, w int, p ConvParams, zero T, r0, rows int) error {
	oh, ow, err := p.OutSize(h, w)
	if err != nil {
		return err
	}
	p = p.normalized()
	if p.Groups != 1 {
		return shapeErr("QIm2col: %d groups, only 1 is supported", p.Groups)
	}
	in, err := tensorSize(n, h, w, p.Cin)
	if err != nil {
		return err
	}
	m, err := tensorSize(n, oh, ow, 1)
	if err != nil {
		return err
	}
	k := p.KH * p.KW * p.Cin
	if r0 < 0 || rows < 0 || r0 > m-rows {
		return shapeErr("QIm2col: rows [%d, %d+%d) outside the %d of A", r0, r0, rows, m)
	}
	if len(src) < in || len(dst)/k < rows {
		return shapeErr("QIm2col: src has %d elements (needs %d), dst %d (needs %d)", len(src), in, len(dst), rows*k)
	}
	c := p.Cin
	for r := 0; r < rows; r++ {
		pix := r0 + r
		img, oy, ox := pix/(oh*ow), pix/ow%oh, pix%ow
		row := dst[r*k : (r+1)*k]
		for ky := 0; ky < p.KH; ky++ {
			y := oy*p.StrideH - p.PadT + ky*p.DilH
			for kx := 0; kx < p.KW; kx++ {
				x := ox*p.StrideW - p.PadL + kx*p.DilW
				d := row[(ky*p.KW+kx)*c:][:c]
				if y < 0 || y >= h || x < 0 || x >= w {
					for i := range d {
						d[i] = zero
					}
					continue
				}
				copy(d, src[((img*h+y)*w+x)*c:][:c])
			}
		}
	}
	return nil
}

// QMaxPool writes the maximum of each window of src (n x h x w x c, NHWC,
// quantized) to dst (n x oh x ow x c, see [PoolParams.OutSize]), which
// keeps src's scale and zero point: quantization preserves order, so the
// maximum of the integers is the quantized maximum. Padding never wins; a
// window entirely in padding (ceil mode) gives T's lowest value.
func QMaxPool[T kernels.Q8](dst, src []T, n, h, w, c int, p PoolParams) error {
	oh, ow, in, out, err := layerSizes(p.OutSize, n, h, w, c, c)
	if err != nil {
		return err
	}
	if c < 1 || len(src) < in || len(dst) < out {
		return shapeErr("QMaxPool: %d channels, src has %d elements (needs %d), dst %d (needs %d)", c, len(src), in, len(dst), out)
	}
	lo, _ := qRange[T]()
	for img := 0; img < n; img++ {
		for oy := 0; oy < oh; oy++ {
			ys, ye := max(oy*p.StrideH-p.PadT, 0), min(oy*p.StrideH-p.PadT+p.KH, h)
			for ox := 0; ox < ow; ox++ {
				xs, xe := max(ox*p.StrideW-p.PadL, 0), min(ox*p.StrideW-p.PadL+p.KW, w)
				d := dst[((img*oh+oy)*ow+ox)*c:][:c]
				for i := range d {
					d[i] = T(lo)
				}
				for y := ys; y < ye; y++ {
					for x := xs; x < xe; x++ {
						for i, v := range src[((img*h+y)*w+x)*c:][:c] {
							d[i] = max(d[i], v)
						}
					}
				}
			}
		}
	}
	return nil
}

// QGlobalAvgPool writes the average over all h x w pixels of each image
// and channel of src (n x h x w x c, NHWC, scale inScale, zero point
// inZero) to dst (n x c) requantized to outScale and outZero:
//
//	dst = saturate(roundHalfToEven((sum - h*w*inZero) * inScale / (h*w * outScale)) + outZero)
//
// with the sum exact (int64) and the rest in float64.
func QGlobalAvgPool[T kernels.Q8](dst, src []T, n, h, w, c int, inScale float32, inZero int32, outScale float32, outZero int32) error {
	in, err := tensorSize(n, h, w, c)
	if err != nil {
		return err
	}
	if h < 1 || w < 1 || c < 1 || len(src) < in || len(dst)/c < n {
		return shapeErr("QGlobalAvgPool: %dx%dx%dx%d, src has %d elements, dst %d", n, h, w, c, len(src), len(dst))
	}
	if err := checkQParams[T]("QGlobalAvgPool input", inScale, inZero); err != nil {
		return err
	}
	if err := checkQParams[T]("QGlobalAvgPool output", outScale, outZero); err != nil {
		return err
	}
	lo, hi := qRange[T]()
	hw := h * w
	mult := float64(inScale) / (float64(hw) * float64(outScale))
	for img := 0; img < n; img++ {
		d := dst[img*c : (img+1)*c]
		s := src[img*hw*c : (img+1)*hw*c]
		for ch := range d {
			var sum int64
			for p := 0; p < hw; p++ {
				sum += int64(s[p*c+ch])
			}
			d[ch] = T(saturateRound(float64(sum-int64(hw)*int64(inZero))*mult, outZero, lo, hi))
		}
	}
	return nil
}
