package engine

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// binaryKind is an arithmetic operator.
type binaryKind uint8

const (
	bAdd binaryKind = iota
	bSub
	bMul
	bDiv
)

var binaryKinds = map[string]binaryKind{"Add": bAdd, "Sub": bSub, "Mul": bMul, "Div": bDiv}

// Constant rows for the channel path: scale-shifts that add, subtract or
// multiply exactly (v*1 == v, v+0 == v but for the sign of zero).
var (
	ones    = [maxChan]float32{}
	negOnes = [maxChan]float32{}
	zeros   = [maxChan]float32{}
)

// maxChan bounds the channel path's vectors (the constant rows above).
const maxChan = 1 << 14

func init() {
	for i := range ones {
		ones[i], negOnes[i] = 1, -1
	}
}

// binary plans Add, Sub, Mul or Div with broadcasting. Two cases run on
// the level's vector kernels: same shapes (Add), and a tensor with a
// vector per channel (per image or shared: bias, SE gate), as a
// scale-shift. A Relu that is the only reader of an Add on those paths is
// fused into it.
func (b *builder) binary(n *graph.Node) error {
	if err := n.CheckAttrs(); err != nil {
		return err
	}
	if len(n.Inputs) != 2 {
		return n.Errorf("%d inputs", len(n.Inputs))
	}
	a, err := b.value(n, n.Input(0))
	if err != nil {
		return err
	}
	c, err := b.value(n, n.Input(1))
	if err != nil {
		return err
	}
	if a.konst != nil && c.konst != nil {
		return n.Unsupportedf("both inputs are constants (fold constants first)")
	}
	shape := n.Outputs[0].Shape
	sa, err := a.broadcastTo(shape)
	if err != nil {
		return n.Unsupportedf("input 0: %v", err)
	}
	sc, err := c.broadcastTo(shape)
	if err != nil {
		return n.Unsupportedf("input 1: %v", err)
	}
	probe := &tensor{shape: shape, size: graph.NumElements(shape)}
	it, err := newIter(shape, probe.order(), operand{st: probe.strides()}, operand{st: sa}, operand{st: sc})
	if err != nil {
		return n.Unsupportedf("%v", err)
	}
	o := &binaryOp{kind: binaryKinds[n.Op], a: a, b: c, it: it}
	o.flat = it.contiguous(0) && it.contiguous(1) && it.contiguous(2) &&
		it.batch[0] == probe.size && it.batch[1] == probe.size && it.batch[2] == probe.size
	if !o.flat {
		o.channelPath(probe.size)
	}
	yv, note := n.Outputs[0], ""
	if relu := b.reluAfter(n); relu != nil && o.kind == bAdd && (o.flat || o.ch != nil) {
		o.relu, yv, note = true, relu.Outputs[0], "+relu"
		b.fused[relu] = true
	}
	y, inPlace, err := b.binaryOutput(n, yv, a, c, shape)
	if err != nil {
		return err
	}
	o.out = y
	if inPlace {
		note = join(note, "in place")
	}
	if o.ch != nil {
		note = join(note, "per-channel")
	}
	b.add(step{op: o, name: n.Label(), kind: n.Op, note: note, reads: bufs(a, c), writes: bufs(y),
		shape: fmt.Sprintf("%s, %s -> %s", fmtShape(a.shape), fmtShape(c.shape), fmtShape(y.shape))})
	return nil
}

// reluAfter returns the Relu that is the only reader of n's output, or nil.
func (b *builder) reluAfter(n *graph.Node) *graph.Node {
	v := n.Outputs[0]
	if len(v.Users) != 1 || b.isOutput(v) {
		return nil
	}
	r := n.Outputs[0].Users[0]
	if r.Op != "Relu" || len(r.Attrs) != 0 || len(r.Inputs) != 1 || len(r.Outputs) != 1 || !slices.Equal(r.Outputs[0].Shape, v.Shape) {
		return nil
	}
	return r
}

// binaryOutput makes the output tensor of value yv: in place, into an
// input of the output's shape whose buffer dies here, or new.
func (b *builder) binaryOutput(n *graph.Node, yv *graph.Value, a, c *tensor, shape []int) (*tensor, bool, error) {
	var into *buffer
	for _, t := range []*tensor{a, c} {
		other := a
		if t == a {
			other = c
		}
		if t.buf != nil && into == nil && slices.Equal(t.shape, shape) && b.dies(t.buf) &&
			(other.buf != t.buf || other == t) {
			into = t.buf
		}
	}
	y, err := b.activation(yv, into)
	if err != nil {
		return nil, false, fmt.Errorf("%v: %w", n, err)
	}
	return y, into != nil, nil
}

// chanPath is the per-channel case: out = full*scale + shift per image,
// one of scale and shift the vector operand's row for the image (nil
// here), the other fixed.
type chanPath struct {
	full, vec    *tensor
	c            int
	scale, shift []float32 // nil: the vector's row
	vecBatch     int       // the vector's stride between images (0: shared)
}

// channelPath sets o.ch when one operand is contiguous like the output and
// the other is one vector of c values per image (or shared), read along
// the innermost storage axis, and the operator is exact as a scale-shift.
func (o *binaryOp) channelPath(size int) {
	it := o.it
	c := it.dims[it.rank-1]
	if c > maxChan || it.rank > 2 || it.st[0][it.rank-1] != 1 || it.batch[0] != size {
		return
	}
	for f := 1; f <= 2; f++ {
		v := 3 - f
		full, vec := o.a, o.b
		if f == 2 {
			full, vec = o.b, o.a
		}
		contig := it.st[f][it.rank-1] == 1 && it.batch[f] == size && (it.rank == 1 || it.st[f][0] == c)
		bcast := it.st[v][it.rank-1] == 1 && (it.rank == 1 || it.st[v][0] == 0) && it.off[v] == 0
		if !contig || !bcast || (it.batch[v] != 0 && it.batch[v] != c) {
			continue
		}
		p := &chanPath{full: full, vec: vec, c: c, vecBatch: it.batch[v]}
		switch {
		case o.kind == bAdd:
			p.scale = ones[:c]
		case o.kind == bMul:
			p.shift = zeros[:c]
		case o.kind == bSub && f == 2: // vec - full
			p.scale = negOnes[:c]
		case o.kind == bSub && vec.konst != nil: // full - const
			p.scale, p.shift = ones[:c], make([]float32, c)
			for i := range p.shift {
				p.shift[i] = -vec.konst[i]
			}
		default:
			continue
		}
		o.ch = p
		return
	}
}

// binaryOp runs an arithmetic operator over broadcast operands.
type binaryOp struct {
	kind      binaryKind
	a, b, out *tensor
	it        *iter
	flat      bool      // same shape, all contiguous
	ch        *chanPath // per-channel vector, or nil
	relu      bool      // a fused Relu (flat and channel paths)
}

func (o *binaryOp) run(x *runCtx) error {
	dst, a, b := x.data(o.out), x.data(o.a), x.data(o.b)
	if o.flat && o.kind == bAdd {
		return x.im.Add(dst, a[:len(dst)], b, o.relu)
	}
	if p := o.ch; p != nil {
		full, vec := x.data(p.full), x.data(p.vec)
		size := o.out.size
		for i := 0; i < x.n; i++ {
			row := vec[i*p.vecBatch : i*p.vecBatch+p.c]
			scale, shift := p.scale, p.shift
			if scale == nil {
				scale = row
			}
			if shift == nil {
				shift = row
			}
			if err := x.im.ScaleShift(dst[i*size:(i+1)*size], full[i*size:(i+1)*size], p.c, scale, shift, o.relu); err != nil {
				return err
			}
		}
		return nil
	}
	l, s0, s1, s2 := o.it.row()
	o.it.rows(x.n, func(o0, o1, o2 int) {
		binaryRow(o.kind, dst[o0:], a[o1:], b[o2:], l, s0, s1, s2)
	})
	return nil
}

// binaryRow computes l elements d[i*sd] = a[i*sa] op b[i*sb].
func binaryRow(k binaryKind, d, a, b []float32, l, sd, sa, sb int) {
	if sd == 1 && sa == 1 && sb == 1 {
		d, a, b = d[:l], a[:l], b[:l]
		switch k {
		case bAdd:
			for i := range d {
				d[i] = a[i] + b[i]
			}
		case bSub:
			for i := range d {
				d[i] = a[i] - b[i]
			}
		case bMul:
			for i := range d {
				d[i] = a[i] * b[i]
			}
		case bDiv:
			for i := range d {
				d[i] = a[i] / b[i]
			}
		}
		return
	}
	for i := 0; i < l; i++ {
		u, v := a[i*sa], b[i*sb]
		var r float32
		switch k {
		case bAdd:
			r = u + v
		case bSub:
			r = u - v
		case bMul:
			r = u * v
		case bDiv:
			r = u / v
		}
		d[i*sd] = r
	}
}
