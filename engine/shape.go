package engine

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// reshape plans the operators that keep the data in ONNX order and change
// only the shape (Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout,
// Cast to float): a view when input and output have the same storage
// order, a conversion otherwise.
func (b *builder) reshape(n *graph.Node) error {
	var err error
	switch n.Op {
	case "Flatten":
		err = n.CheckAttrs("axis")
	case "Reshape":
		err = n.CheckAttrs("allowzero")
	case "Squeeze", "Unsqueeze":
		err = n.CheckAttrs("axes")
	case "Dropout":
		err = n.CheckAttrs("seed")
		if v := n.Input(2); v != nil {
			if t, e := constInts(n, 2); e != nil || len(t) != 1 || t[0] != 0 {
				return n.Unsupportedf("training mode")
			}
		}
		if len(n.Outputs) > 1 && n.Outputs[1] != nil && (len(n.Outputs[1].Users) > 0 || b.isOutput(n.Outputs[1])) {
			return n.Unsupportedf("the mask output is read")
		}
	case "Cast":
		err = n.CheckAttrs("to", "saturate")
		if to, _ := n.Int("to", 0); to != 1 {
			return n.Unsupportedf("cast of an activation to ONNX type %d (supported: 1, float)", to)
		}
	default:
		err = n.CheckAttrs()
	}
	if err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return n.Errorf("has no output")
	}
	y := &tensor{shape: n.Outputs[0].Shape}
	if sameOrder(x, y) {
		v, err := b.output(n, 0, x.buf)
		if err != nil {
			return err
		}
		b.m.views = append(b.m.views, fmt.Sprintf("%s (%s): %s is a view of %s", n.Label(), n.Op, v.name, x.name))
		return nil
	}
	yt, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	if yt.size != x.size {
		return n.Errorf("output %v of %d floats for input %v of %d", yt.shape, yt.size, x.shape, x.size)
	}
	o := &relayoutOp{in: x, out: yt}
	st := step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(yt),
		shape: fmt.Sprintf("%s -> %s", fmtShape(x.shape), fmtShape(yt.shape))}
	switch {
	case !x.plain() && !yt.plain():
		st.scratch = b.newSlot(b.m.maxBatch*x.size) + 1
		st.note = "NHWC -> NCHW -> NHWC"
	case !x.plain():
		st.note = "NHWC -> NCHW"
	default:
		st.note = "NCHW -> NHWC"
	}
	b.add(st)
	return nil
}

// relayoutOp moves data between NHWC and ONNX order.
type relayoutOp struct{ in, out *tensor }

func (o *relayoutOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	if !o.in.plain() {
		to := dst
		if !o.out.plain() {
			to = x.scratch[:len(dst)]
		}
		s := o.in.shape
		if err := nn.NHWCToNCHW(to, src, x.n, s[1], s[2], s[3]); err != nil {
			return err
		}
		src = to
	}
	if o.out.plain() {
		return nil
	}
	s := o.out.shape
	return nn.NCHWToNHWC(dst, src, x.n, s[1], s[2], s[3])
}

// transpose plans Transpose that keeps the batch first: a view when the
// permuted order is the input's storage order, else a strided copy.
func (b *builder) transpose(n *graph.Node) error {
	if err := n.CheckAttrs("perm"); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	r := len(x.shape)
	perm, err := graph.Perm(n, r)
	if err != nil {
		return err
	}
	want := make([]int, r)
	xs := x.strides()
	st := make([]int, r)
	for j, p := range perm {
		want[j], st[j] = x.shape[p], xs[p]
	}
	if perm[0] != 0 {
		return n.Unsupportedf("perm %v moves the batch axis", perm)
	}
	if err := checkOut(n, want); err != nil {
		return err
	}
	return b.copyOf(n, x, operand{st: st})
}

// copyOf plans n's output as a strided copy of x read through in, or as a
// view of x when that copy would read x's buffer in order.
func (b *builder) copyOf(n *graph.Node, x *tensor, in operand) error {
	probe := &tensor{shape: n.Outputs[0].Shape, size: graph.NumElements(n.Outputs[0].Shape)}
	it, err := newIter(probe.shape, probe.order(), operand{st: probe.strides()}, in)
	if err != nil {
		return n.Unsupportedf("%v", err)
	}
	if in.off == 0 && probe.size == x.size && it.contiguous(0) && it.contiguous(1) {
		y, err := b.output(n, 0, x.buf)
		if err != nil {
			return err
		}
		b.m.views = append(b.m.views, fmt.Sprintf("%s (%s): %s is a view of %s", n.Label(), n.Op, y.name, x.name))
		return nil
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	o := &copyOp{out: y, parts: []copyPart{{in: x, it: it}}}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y),
		shape: fmt.Sprintf("%s -> %s", fmtShape(x.shape), fmtShape(y.shape)), note: "strided copy"})
	return nil
}

// copyOp fills its output (Pad) and copies strided parts of its inputs
// into it (Transpose, Slice, Concat, Pad).
type copyOp struct {
	out   *tensor
	fill  bool
	value float32
	parts []copyPart
}

// copyPart is one input and the iter that walks it: operand 0 the output,
// operand 1 the input.
type copyPart struct {
	in *tensor
	it *iter
}

func (o *copyOp) run(x *runCtx) error {
	dst := x.data(o.out)
	if o.fill {
		for i := range dst {
			dst[i] = o.value
		}
	}
	for i := range o.parts {
		p := &o.parts[i]
		src := x.data(p.in)
		l, sd, ss, _ := p.it.row()
		p.it.rows(x.n, func(od, os, _ int) {
			if sd == 1 && ss == 1 {
				copy(dst[od:od+l], src[os:os+l])
				return
			}
			for k := 0; k < l; k++ {
				dst[od+k*sd] = src[os+k*ss]
			}
		})
	}
	return nil
}

// sameOrder reports whether activation y (a reshape of x) stores its
// elements in x's order: both in ONNX order, or both NHWC with the same
// channels and pixel count (the pixels keep their row-major order).
func sameOrder(x, y *tensor) bool {
	if x.plain() && (len(y.shape) != 4 || y.plain()) {
		return true
	}
	return len(x.shape) == 4 && len(y.shape) == 4 && x.shape[1] == y.shape[1] &&
		x.shape[2]*x.shape[3] == y.shape[2]*y.shape[3]
}
