package nn

import (
	"math"
	"unsafe"

	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/kernels"
)

// QParams are a quantized tensor's scale and zero point: q stands for
// (q - Zero) * Scale.
type QParams struct {
	Scale float32
	Zero  int32
}

// QConv is a quantized 2-D convolution (ONNX QLinearConv, or the QDQ
// pattern around Conv) on NHWC tensors: per-output-channel int8 weights
// packed once for an 8-bit kernel level, an int32 bias, and the input and
// output quantization, run by [QConvForward] as one [kernels.QGemm] with
// the requantization fused into its epilogue. Only Groups = 1 is
// supported. It is safe for concurrent use.
type QConv struct {
	p        ConvParams
	k        int
	b        *kernels.QPackedB
	bias     []int32
	in, out  QParams
	scaleQ   []float32 // in.Scale*wScale[j]/out.Scale: quantized output
	scaleF   []float32 // in.Scale*wScale[j]: float32 output (the head)
	direct   bool      // 1x1, stride 1, no padding: A is the input itself
	scratch  idle.List[[]byte]
	inSigned bool
}

// NewQConv packs a convolution's int8 weights (PyTorch's and ONNX's OIHW
// layout, Cout x Cin x KH x KW) for the 8-bit level q (nil: the active
// one). wScale holds Cout per-channel weight scales (weights' zero point
// is 0, as ONNX requires of int8 per-channel weights); bias, when not nil,
// Cout int32 values of scale in.Scale*wScale[j]. in and out are the input
// and output tensors' quantization; inSigned says whether the input is
// int8 (else uint8).
func NewQConv(q *kernels.QImpl, p ConvParams, weights []int8, wScale []float32, bias []int32, in, out QParams, inSigned bool) (*QConv, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.normalized()
	if p.Groups != 1 {
		return nil, shapeErr("QConv: %d groups, only 1 is supported", p.Groups)
	}
	k := p.KH * p.KW * p.Cin
	if len(weights) < p.Cout*k || len(wScale) < p.Cout || (bias != nil && len(bias) < p.Cout) {
		return nil, shapeErr("QConv: %d weights, %d scales, %d biases for %d x %d", len(weights), len(wScale), len(bias), p.Cout, k)
	}
	for _, s := range []float32{in.Scale, out.Scale} {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, shapeErr("QConv: scale %v must be finite and > 0", s)
		}
	}
	if q == nil {
		q = kernels.QActive()
	}
	c := &QConv{p: p, k: k, in: in, out: out, inSigned: inSigned,
		scaleQ: make([]float32, p.Cout), scaleF: make([]float32, p.Cout)}
	for j, ws := range wScale[:p.Cout] {
		if !(ws > 0) || math.IsInf(float64(ws), 0) {
			return nil, shapeErr("QConv: weight scale %v must be finite and > 0", ws)
		}
		c.scaleF[j] = float32(float64(in.Scale) * float64(ws))
		c.scaleQ[j] = float32(float64(in.Scale) * float64(ws) / float64(out.Scale))
	}
	if bias != nil {
		c.bias = append([]int32(nil), bias[:p.Cout]...)
	}
	// OIHW -> one row of (kh, kw, cin) per output channel
	bt := make([]int8, p.Cout*k)
	for o := 0; o < p.Cout; o++ {
		for ci := 0; ci < p.Cin; ci++ {
			for ky := 0; ky < p.KH; ky++ {
				for kx := 0; kx < p.KW; kx++ {
					bt[o*k+(ky*p.KW+kx)*p.Cin+ci] = weights[((o*p.Cin+ci)*p.KH+ky)*p.KW+kx]
				}
			}
		}
	}
	var err error
	if c.b, err = q.PackQBTransposed(k, p.Cout, bt, k); err != nil {
		return nil, err
	}
	c.direct = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.PadB == 0 && p.PadR == 0
	return c, nil
}

// Params returns the convolution's geometry.
func (c *QConv) Params() ConvParams { return c.p }

// Impl is the 8-bit level the weights were packed for.
func (c *QConv) Impl() *kernels.QImpl { return c.b.Impl() }

// WeightBytes is the memory the packed weights hold.
func (c *QConv) WeightBytes() int { return c.b.Bytes() }

// QConvForward runs c on src (n x h x w x Cin, NHWC, of type A: uint8 or
// int8 as c was built for) into dst (n x oh x ow x Cout): uint8 or int8
// requantized to c's output parameters, or float32 (dequantized, for the
// head). res, when not nil, is added in the real domain before ReLU: a
// quantized tensor of dst's shape with its own zero point and, as
// [kernels.QResidual] says, its scale over the output's (for a float32
// dst, its own scale). In steady state it allocates nothing.
func QConvForward[A kernels.Q8, C kernels.QOut](c *QConv, dst []C, src []A, n, h, w int, res *kernels.QResidual, relu bool, opt *kernels.Options) error {
	var za A
	if _, signed := any(za).(int8); signed != c.inSigned {
		return shapeErr("QConv: input signedness does not match the layer's")
	}
	_, _, in, m, err := layerSizes(c.p.OutSize, n, h, w, c.p.Cin, 1)
	if err != nil {
		return err
	}
	if len(src) < in {
		return shapeErr("QConv src has %d elements, needs %d", len(src), in)
	}
	if m == 0 {
		return nil
	}
	var zc C
	_, float := any(zc).(float32)
	ep := kernels.QEpilogue{AZero: c.in.Zero, Bias: c.bias, Scale: c.scaleQ, ReLU: relu, OutZero: c.out.Zero}
	if float {
		ep.Scale, ep.OutZero = c.scaleF, 0
	}
	ep.Residual = res
	if c.direct {
		return kernels.QGemm(m, src, c.p.Cin, c.b, dst, c.p.Cout, ep, opt)
	}
	if m > math.MaxInt/c.k {
		return shapeErr("QConv: A is too large")
	}
	buf := c.scratch.Get()
	if cap(*buf) < m*c.k {
		*buf = make([]byte, m*c.k)
	}
	a := qSlice[A]((*buf)[:m*c.k])
	if err = QIm2col(a, src, n, h, w, c.p, A(c.in.Zero), 0, m); err == nil {
		err = kernels.QGemm(m, a, c.k, c.b, dst, c.p.Cout, ep, opt)
	}
	c.scratch.Put(buf)
	return err
}

// qSlice views a byte buffer as uint8 or int8.
func qSlice[T kernels.Q8](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b))
}
