package engine

import (
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
	y, note, err := b.outputLike(n, x)
	if err != nil {
		return err
	}
	o.in, o.out = x, y
	if o.kind == uRelu && x.size%reluRow == 0 {
		o.vec, note = true, join(note, "vector")
	}
	b.add(step{op: o, name: n.Label(), kind: n.Op, shape: fmtShape(x.shape), note: note,
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
	vec         bool    // Relu on the level's scale-shift kernel
}

// reluRow is the row length a vector Relu hands the scale-shift kernel
// (x*1 + 0, then ReLU: exact, with NaN becoming 0 as in the fused
// epilogues).
const reluRow = 64

func (o *unaryOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	dst = dst[:len(src)]
	if o.vec {
		return x.im.ScaleShift(dst, src, reluRow, ones[:reluRow], zeros[:reluRow], true)
	}
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
