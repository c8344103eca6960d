package engine

import (
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// qdq plans gorn.QDQ (QuantizeLinear then DequantizeLinear in float32),
// in place when its input dies.
func (b *builder) qdq(n *graph.Node) error {
	if err := n.CheckAttrs("lo", "hi"); err != nil {
		return err
	}
	lo, _ := n.Int("lo", 0)
	hi, _ := n.Int("hi", 255)
	if lo > hi || lo < math.MinInt32 || hi > math.MaxInt32 {
		return n.Unsupportedf("saturation bounds [%d, %d]", lo, hi)
	}
	o := &qdqOp{lo: float32(lo), hi: float32(hi)}
	for i, p := range []*float32{&o.qs, &o.qz, &o.ds, &o.dz} {
		t, err := n.ConstInput(1 + i)
		if err != nil {
			return err
		}
		v, err := t.Float32s()
		if err != nil || len(v) != 1 {
			return n.Unsupportedf("input %d must be a float32 scalar", 1+i)
		}
		*p = v[0]
	}
	if !(o.qs > 0) || o.qz != float32(math.Round(float64(o.qz))) || o.dz != float32(math.Round(float64(o.dz))) {
		return n.Unsupportedf("scale %v and zero points %v, %v (supported: a positive scale, integer zero points)", o.qs, o.qz, o.dz)
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	var into *buffer
	note := "float32 fallback"
	if b.dies(x.buf) {
		into, note = x.buf, "in place, float32 fallback"
	}
	y, err := b.output(n, 0, into)
	if err != nil {
		return err
	}
	if !slices.Equal(x.shape, y.shape) {
		return n.Errorf("output %v for input %v", y.shape, x.shape)
	}
	o.in, o.out = x, y
	b.add(step{op: o, name: n.Label(), kind: n.Op, shape: fmtShape(x.shape), note: note,
		reads: bufs(x), writes: bufs(y)})
	return nil
}

// qdqOp runs gorn.QDQ: y = (clamp(rne(x/qs) + qz, lo, hi) - dz) * ds.
type qdqOp struct {
	in, out        *tensor
	qs, qz, ds, dz float32
	lo, hi         float32
}

func (o *qdqOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	qdqFloat(dst[:len(src)], src, o.qs, o.qz, o.ds, o.dz, o.lo, o.hi)
	return nil
}

// qdqFloat is gorn.QDQ on a slice. The division is in float32 and rounds
// half to even as ONNX QuantizeLinear does; NaN gives the zero point.
func qdqFloat(dst, src []float32, qs, qz, ds, dz, lo, hi float32) {
	for i, v := range src {
		q := float32(math.RoundToEven(float64(v / qs)))
		if q != q {
			q = 0
		}
		q = min(max(q+qz, lo), hi)
		dst[i] = (q - dz) * ds
	}
}
