package engine

import (
	"fmt"
	"math"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// inputOp converts the caller's NCHW images into the input tensor.
type inputOp struct{ t *tensor }

func (o *inputOp) run(x *runCtx) error {
	dst := x.data(o.t)
	if o.t.plain() {
		copy(dst, x.src)
		return nil
	}
	s := o.t.shape
	return nn.NCHWToNHWC(dst, x.src, x.n, s[1], s[2], s[3])
}

// unaryKind is an elementwise function of one tensor.
type unaryKind uint8

const (
	uRelu unaryKind = iota
	uLeakyRelu
	uClip
	uSigmoid
	uHardSigmoid
	uHardSwish
	uTanh
)

var unaryKinds = map[string]unaryKind{"Relu": uRelu, "LeakyRelu": uLeakyRelu, "Clip": uClip,
	"Sigmoid": uSigmoid, "HardSigmoid": uHardSigmoid, "HardSwish": uHardSwish, "Tanh": uTanh}

// unary plans an elementwise activation, in place when its input dies.
func (b *builder) unary(n *graph.Node) error {
	o := &unaryOp{kind: unaryKinds[n.Op]}
	var err error
	switch o.kind {
	case uLeakyRelu:
		err = n.CheckAttrs("alpha")
		o.alpha, _ = n.Float("alpha", 0.01)
	case uHardSigmoid:
		err = n.CheckAttrs("alpha", "beta")
		o.alpha, _ = n.Float("alpha", 0.2)
		o.beta, _ = n.Float("beta", 0.5)
	case uClip:
		o.alpha, o.beta, err = clipBounds(n)
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
	var into *buffer
	note := ""
	if b.dies(x.buf) {
		into, note = x.buf, "in place"
	}
	y, err := b.output(n, 0, into)
	if err != nil {
		return err
	}
	if !sameShape(x.shape, y.shape) {
		return n.Errorf("output %v for input %v", y.shape, x.shape)
	}
	o.in, o.out = x, y
	b.add(step{op: o, name: nodeName(n), kind: n.Op, shape: fmtShape(x.shape), note: note,
		reads: bufs(x), writes: bufs(y)})
	return nil
}

// clipBounds reads Clip's min and max (inputs 1 and 2, or the attributes
// of opsets before 11).
func clipBounds(n *graph.Node) (lo, hi float32, err error) {
	if err := n.CheckAttrs("min", "max"); err != nil {
		return 0, 0, err
	}
	lo, _ = n.Float("min", float32(math.Inf(-1)))
	hi, _ = n.Float("max", float32(math.Inf(1)))
	for i, p := range []*float32{&lo, &hi} {
		if n.Input(1+i) == nil {
			continue
		}
		t, err := n.ConstInput(1 + i)
		if err != nil {
			return 0, 0, err
		}
		v, err := t.Float32s()
		if err != nil || len(v) != 1 {
			return 0, 0, n.Unsupportedf("bound %d must be a float scalar", 1+i)
		}
		*p = v[0]
	}
	return lo, hi, nil
}

// unaryOp runs an elementwise activation.
type unaryOp struct {
	in, out     *tensor
	kind        unaryKind
	alpha, beta float32 // LeakyRelu alpha; HardSigmoid alpha, beta; Clip min, max
}

func (o *unaryOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	dst = dst[:len(src)]
	switch o.kind {
	case uRelu:
		for i, v := range src {
			dst[i] = max(v, 0)
		}
	case uLeakyRelu:
		for i, v := range src {
			if v < 0 {
				v *= o.alpha
			}
			dst[i] = v
		}
	case uClip:
		clip(dst, src, o.alpha, o.beta)
	case uSigmoid:
		for i, v := range src {
			dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case uHardSigmoid:
		for i, v := range src {
			dst[i] = min(max(o.alpha*v+o.beta, 0), 1)
		}
	case uHardSwish:
		for i, v := range src {
			dst[i] = v * min(max(v/6+0.5, 0), 1)
		}
	case uTanh:
		for i, v := range src {
			dst[i] = float32(math.Tanh(float64(v)))
		}
	}
	return nil
}

// clip sets dst[i] = min(max(src[i], lo), hi); NaN stays NaN.
func clip(dst, src []float32, lo, hi float32) {
	for i, v := range src {
		if v < lo {
			v = lo
		} else if v > hi {
			v = hi
		}
		dst[i] = v
	}
}

// binaryKind is an arithmetic operator.
type binaryKind uint8

const (
	bAdd binaryKind = iota
	bSub
	bMul
	bDiv
)

var binaryKinds = map[string]binaryKind{"Add": bAdd, "Sub": bSub, "Mul": bMul, "Div": bDiv}

// binary plans Add, Sub, Mul or Div with broadcasting.
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
	// In place: into an input of the output's shape whose buffer dies here.
	var into *buffer
	note := ""
	for _, t := range []*tensor{a, c} {
		other := map[bool]*tensor{true: c, false: a}[t == a]
		if t.buf != nil && into == nil && sameShape(t.shape, shape) && b.dies(t.buf) &&
			(other.buf != t.buf || other == t) {
			into, note = t.buf, "in place"
		}
	}
	y, err := b.output(n, 0, into)
	if err != nil {
		return err
	}
	it, err := newIter(y.shape, y.order(), operand{st: y.strides()}, operand{st: sa}, operand{st: sc})
	if err != nil {
		return n.Unsupportedf("%v", err)
	}
	o := &binaryOp{kind: binaryKinds[n.Op], a: a, b: c, out: y, it: it}
	o.flat = it.contiguous(0) && it.contiguous(1) && it.contiguous(2) &&
		it.batch[0] == y.size && it.batch[1] == y.size && it.batch[2] == y.size
	b.add(step{op: o, name: nodeName(n), kind: n.Op, note: note, reads: bufs(a, c), writes: bufs(y),
		shape: fmt.Sprintf("%s, %s -> %s", fmtShape(a.shape), fmtShape(c.shape), fmtShape(y.shape))})
	return nil
}

// binaryOp runs an arithmetic operator over broadcast operands.
type binaryOp struct {
	kind      binaryKind
	a, b, out *tensor
	it        *iter
	flat      bool // same shape, all contiguous
}

func (o *binaryOp) run(x *runCtx) error {
	dst, a, b := x.data(o.out), x.data(o.a), x.data(o.b)
	if o.flat && o.kind == bAdd {
		return x.im.Add(dst, a[:len(dst)], b, false)
	}
	l, s0, s1, s2 := o.it.row()
	o.it.rows(x.n, func(o0, o1, o2 int) {
		binaryRow(o.kind, dst[o0:], a[o1:], b[o2:], l, s0, s1, s2)
	})
	return nil
}

// binaryRow computes l elements d[i*sd] = a[i*sa] op b[i*sb].
func binaryRow(k binaryKind, d, a, b []float32, l, sd, sa, sb int) {
	if sd == 1 && sa == 1 && (sb == 1 || sb == 0) {
		d, a = d[:l], a[:l]
		if sb == 0 {
			v := b[0]
			switch k {
			case bAdd:
				for i := range d {
					d[i] = a[i] + v
				}
			case bSub:
				for i := range d {
					d[i] = a[i] - v
				}
			case bMul:
				for i := range d {
					d[i] = a[i] * v
				}
			case bDiv:
				for i := range d {
					d[i] = a[i] / v
				}
			}
			return
		}
		b = b[:l]
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
