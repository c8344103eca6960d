package engine

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// bytes returns the storage of 8-bit activation t for the pass: the first
// n images, packed.
func (x *runCtx) bytes(t *tensor) []byte {
	f := x.bufs[t.buf.slot]
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))[:x.n*t.elems]
}

// view8 returns b as uint8 or int8 elements.
func view8[T kernels.Q8](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b))
}

// act8 returns input i of n, which must be an 8-bit activation.
func (b *builder) act8(n *graph.Node, i int) (*tensor, error) {
	t, err := b.value(n, n.Input(i))
	if err != nil {
		return nil, err
	}
	if t.konst != nil || t.q == graph.Undefined {
		return nil, n.Unsupportedf("input %d must be an 8-bit activation", i)
	}
	return t, nil
}

// scalarParam reads the per-tensor scale (input si) and zero point (input
// si+1, absent: 0) of n.
func scalarParam(n *graph.Node, si int) (nn.QParams, error) {
	var p nn.QParams
	t, err := n.ConstInput(si)
	if err != nil {
		return p, err
	}
	s, err := t.Float32s()
	if err != nil || len(s) != 1 || !(s[0] > 0) || math.IsInf(float64(s[0]), 0) {
		return p, n.Unsupportedf("scale (input %d) must be one positive finite float32 (supported: per tensor)", si)
	}
	p.Scale = s[0]
	if n.Input(si+1) == nil {
		return p, nil
	}
	z, err := n.ConstInput(si + 1)
	if err != nil {
		return p, err
	}
	d, err := z.Int8s()
	if err != nil || len(d) != 1 {
		return p, n.Unsupportedf("zero point (input %d) must be one uint8 or int8", si+1)
	}
	p.Zero = int32(d[0])
	if z.DType == graph.Uint8 {
		p.Zero = int32(uint8(d[0]))
	}
	return p, nil
}

// quantize plans QuantizeLinear of a float32 activation into 8 bits.
func (b *builder) quantize(n *graph.Node) error {
	if err := n.CheckAttrs("axis", "saturate", "block_size", "output_dtype"); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	p, err := scalarParam(n, 1)
	if err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	if y.q == graph.Undefined || !slices.Equal(x.shape, y.shape) {
		return n.Errorf("output %v %v for input %v", y.q, y.shape, x.shape)
	}
	lo, hi := graph.QuantRange(y.q)
	o := &quantizeOp{in: x, out: y, p: p, lo: float32(lo), hi: float32(hi)}
	b.add(step{op: o, name: n.Label(), kind: n.Op, shape: fmtShape(x.shape), note: "float32 -> " + y.q.String(),
		reads: bufs(x), writes: bufs(y)})
	return nil
}

type quantizeOp struct {
	in, out *tensor
	p       nn.QParams
	lo, hi  float32
}

func (o *quantizeOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.bytes(o.out)
	s, z := o.p.Scale, float32(o.p.Zero)
	for i, v := range src[:len(dst)] {
		q := float32(math.RoundToEven(float64(v / s)))
		if q != q {
			q = 0
		}
		dst[i] = byte(int32(min(max(q+z, o.lo), o.hi))) // int8 as its bit pattern
	}
	return nil
}

// dequantize plans DequantizeLinear of an 8-bit activation.
func (b *builder) dequantize(n *graph.Node) error {
	if err := n.CheckAttrs("axis", "block_size"); err != nil {
		return err
	}
	x, err := b.act8(n, 0)
	if err != nil {
		return err
	}
	p, err := scalarParam(n, 1)
	if err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	if !slices.Equal(x.shape, y.shape) {
		return n.Errorf("output %v for input %v", y.shape, x.shape)
	}
	b.add(step{op: &dequantizeOp{in: x, out: y, p: p}, name: n.Label(), kind: n.Op, shape: fmtShape(x.shape),
		note: x.q.String() + " -> float32", reads: bufs(x), writes: bufs(y)})
	return nil
}

type dequantizeOp struct {
	in, out *tensor
	p       nn.QParams
}

func (o *dequantizeOp) run(x *runCtx) error {
	src, dst := x.bytes(o.in), x.data(o.out)
	if o.in.q == graph.Int8 {
		return nn.Dequantize(dst, view8[int8](src), o.p.Scale, o.p.Zero)
	}
	return nn.Dequantize(dst, view8[uint8](src), o.p.Scale, o.p.Zero)
}

// qconv plans gorn.QConv on nn.QConv (8-bit weights packed once).
func (b *builder) qconv(n *graph.Node) error {
	if err := n.CheckAttrs("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "activation"); err != nil {
		return err
	}
	act, err := n.Str("activation", "")
	if err != nil || (act != "" && act != "relu") {
		return n.Unsupportedf("activation %q (supported: \"\", relu)", act)
	}
	x, err := b.act8(n, 0)
	if err != nil {
		return err
	}
	wv := n.Input(1)
	if wv == nil || wv.Const == nil || wv.Const.DType != graph.Int8 {
		return n.Unsupportedf("weights must be an int8 constant")
	}
	p, err := convParams(n, wv.Const.Shape, x.shape)
	if err != nil {
		return err
	}
	in, err := scalarParam(n, 3)
	if err != nil {
		return err
	}
	out, err := scalarParam(n, 6)
	if err != nil {
		return err
	}
	w, err := wv.Const.Int8s()
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	ws, bias, err := qconvScalesBias(n, p.Cout)
	if err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	oh, ow, err := p.OutSize(x.shape[2], x.shape[3])
	if err != nil || y.q == graph.Undefined || !slices.Equal(y.shape, []int{1, p.Cout, oh, ow}) {
		return n.Errorf("output %v %v for %v (%v)", y.q, y.shape, p, err)
	}
	cv, err := nn.NewQConv(kernels.QFor(b.im), p, w, ws, bias, in, out, x.q == graph.Int8)
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	b.temporary(len(w))
	b.m.weights += cv.WeightBytes()
	o := &qconvOp{cv: cv, in: x, out: y, relu: act == "relu"}
	note := fmt.Sprintf("%v -> %v, %s", x.q, y.q, cv.Impl().Name())
	b.add(step{op: o, name: n.Label(), kind: n.Op, shape: fmtShape(x.shape) + " -> " + fmtShape(y.shape),
		note: note, reads: bufs(x), writes: bufs(y)})
	return nil
}

// qconvScalesBias reads gorn.QConv's per-channel weight scales (a scalar
// is repeated) and its int32 bias (nil when absent).
func qconvScalesBias(n *graph.Node, m int) ([]float32, []int32, error) {
	t, err := n.ConstInput(5)
	if err != nil {
		return nil, nil, err
	}
	s, err := t.Float32s()
	if err != nil || (len(s) != 1 && len(s) != m) {
		return nil, nil, n.Unsupportedf("weight scales: %d for %d channels", len(s), m)
	}
	ws := make([]float32, m)
	for j := range ws {
		ws[j] = s[min(j, len(s)-1)]
	}
	if n.Input(2) == nil {
		return ws, nil, nil
	}
	bt, err := n.ConstInput(2)
	if err != nil {
		return nil, nil, err
	}
	bias := make([]int32, m)
	switch bt.DType {
	case graph.Int32:
		d, err := bt.Int32s()
		if err != nil || len(d) != m {
			return nil, nil, n.Unsupportedf("bias of %d values for %d channels", len(d), m)
		}
		copy(bias, d)
	case graph.Int64:
		d, err := bt.Int64s()
		if err != nil || len(d) != m {
			return nil, nil, n.Unsupportedf("bias of %d values for %d channels", len(d), m)
		}
		for j, v := range d {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, nil, n.Unsupportedf("bias %d outside int32", v)
			}
			bias[j] = int32(v)
		}
	default:
		return nil, nil, n.Unsupportedf("bias is %v (supported: int32)", bt.DType)
	}
	return ws, bias, nil
}

type qconvOp struct {
	cv      *nn.QConv
	in, out *tensor
	relu    bool
}

func (o *qconvOp) run(x *runCtx) error {
	src, dst := x.bytes(o.in), x.bytes(o.out)
	h, w := o.in.shape[2], o.in.shape[3]
	switch {
	case o.in.q == graph.Uint8 && o.out.q == graph.Uint8:
		return nn.QConvForward(o.cv, view8[uint8](dst), view8[uint8](src), x.n, h, w, nil, o.relu, x.kopt)
	case o.in.q == graph.Uint8:
		return nn.QConvForward(o.cv, view8[int8](dst), view8[uint8](src), x.n, h, w, nil, o.relu, x.kopt)
	case o.out.q == graph.Uint8:
		return nn.QConvForward(o.cv, view8[uint8](dst), view8[int8](src), x.n, h, w, nil, o.relu, x.kopt)
	}
	return nn.QConvForward(o.cv, view8[int8](dst), view8[int8](src), x.n, h, w, nil, o.relu, x.kopt)
}

// qmaxPool plans a MaxPool on 8-bit values (nn.QMaxPool).
func (b *builder) qmaxPool(n *graph.Node, x *tensor) error {
	p, dil, err := poolParams(n)
	if err != nil {
		return err
	}
	if len(x.shape) != 4 || dil[0] != 1 || dil[1] != 1 {
		return n.Unsupportedf("8-bit max pool of %v with dilations %v (supported: 2-D, no dilation)", x.shape, dil)
	}
	oh, ow, err := p.OutSize(x.shape[2], x.shape[3])
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	if y.q != x.q || !slices.Equal(y.shape, []int{1, x.shape[1], oh, ow}) {
		return n.Errorf("output %v %v for input %v %v", y.q, y.shape, x.q, x.shape)
	}
	o := &qmaxOp{in: x, out: y, p: p}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y), note: x.q.String(),
		shape: fmt.Sprintf("%s -> %s %dx%d/%d", fmtShape(x.shape), fmtShape(y.shape), p.KH, p.KW, p.StrideH)})
	return nil
}

type qmaxOp struct {
	in, out *tensor
	p       nn.PoolParams
}

func (o *qmaxOp) run(x *runCtx) error {
	s := o.in.shape
	src, dst := x.bytes(o.in), x.bytes(o.out)
	if o.in.q == graph.Int8 {
		return nn.QMaxPool(view8[int8](dst), view8[int8](src), x.n, s[2], s[3], s[1], o.p)
	}
	return nn.QMaxPool(view8[uint8](dst), view8[uint8](src), x.n, s[2], s[3], s[1], o.p)
}

// qglobalAvg plans QLinearGlobalAveragePool on 8-bit values
// (nn.QGlobalAvgPool: exact integer sums, one requantization).
func (b *builder) qglobalAvg(n *graph.Node) error {
	if err := n.CheckAttrs("channels_last"); err != nil {
		return err
	}
	if cl, _ := n.Int("channels_last", 0); cl != 0 {
		return n.Unsupportedf("channels_last %d (supported: 0)", cl)
	}
	x, err := b.act8(n, 0)
	if err != nil {
		return err
	}
	in, err := scalarParam(n, 1)
	if err != nil {
		return err
	}
	out, err := scalarParam(n, 3)
	if err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	if len(x.shape) != 4 || y.q != x.q || !slices.Equal(y.shape, []int{1, x.shape[1], 1, 1}) {
		return n.Unsupportedf("8-bit global average pool of %v %v into %v %v (supported: 2-D, one 8-bit type)", x.q, x.shape, y.q, y.shape)
	}
	b.add(step{op: &qgapOp{in: x, out: y, pin: in, pout: out}, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y),
		note: x.q.String(), shape: fmtShape(x.shape) + " -> " + fmtShape(y.shape)})
	return nil
}

type qgapOp struct {
	in, out   *tensor
	pin, pout nn.QParams
}

func (o *qgapOp) run(x *runCtx) error {
	s := o.in.shape
	src, dst := x.bytes(o.in), x.bytes(o.out)
	if o.in.q == graph.Int8 {
		return nn.QGlobalAvgPool(view8[int8](dst), view8[int8](src), x.n, s[2], s[3], s[1], o.pin.Scale, o.pin.Zero, o.pout.Scale, o.pout.Zero)
	}
	return nn.QGlobalAvgPool(view8[uint8](dst), view8[uint8](src), x.n, s[2], s[3], s[1], o.pin.Scale, o.pin.Zero, o.pout.Scale, o.pout.Zero)
}
