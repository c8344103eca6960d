package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// activation is a fused activation: "" | "relu" | "clip" with bounds.
type activation struct {
	relu   bool
	clip   bool
	lo, hi float32
}

// readActivation reads the "activation", "min" and "max" attributes of a
// fused operator.
func readActivation(n *graph.Node) (activation, error) {
	var a activation
	kind, err := n.Str("activation", "")
	if err != nil {
		return a, err
	}
	switch kind {
	case "":
	case "relu":
		a.relu = true
	case "clip":
		a.clip = true
		if a.lo, err = n.Float("min", float32(math.Inf(-1))); err != nil {
			return a, err
		}
		if a.hi, err = n.Float("max", float32(math.Inf(1))); err != nil {
			return a, err
		}
	default:
		return a, n.Unsupportedf("activation %q (supported: relu, clip)", kind)
	}
	return a, nil
}

func (a activation) String() string {
	switch {
	case a.relu:
		return "+relu"
	case a.clip:
		return fmt.Sprintf("+clip(%g,%g)", a.lo, a.hi)
	}
	return ""
}

// apply clamps s when the activation is a clip (relu runs in the kernels).
func (a activation) apply(s []float32) {
	if a.clip {
		clip(s, s, a.lo, a.hi)
	}
}

// convParams reads a convolution's geometry from n for weights of shape ws
// on input x.
func convParams(n *graph.Node, ws, x []int) (nn.ConvParams, error) {
	var p nn.ConvParams
	if len(ws) != 4 || len(x) != 4 {
		return p, n.Unsupportedf("weights %v on input %v: only 2-D convolutions run", ws, x)
	}
	if pad, _ := n.Str("auto_pad", "NOTSET"); pad != "NOTSET" {
		return p, n.Unsupportedf("auto_pad %q (shape inference resolves it into pads)", pad)
	}
	ks, err := intsAttr(n, "kernel_shape", []int64{int64(ws[2]), int64(ws[3])}, 2, 1)
	if err != nil {
		return p, err
	}
	st, err := intsAttr(n, "strides", []int64{1, 1}, 2, 1)
	if err != nil {
		return p, err
	}
	pads, err := intsAttr(n, "pads", []int64{0, 0, 0, 0}, 4, 0)
	if err != nil {
		return p, err
	}
	dil, err := intsAttr(n, "dilations", []int64{1, 1}, 2, 1)
	if err != nil {
		return p, err
	}
	g, err := n.Int("group", 1)
	if err != nil {
		return p, err
	}
	if g < 1 || g > int64(x[1]) {
		return p, n.Unsupportedf("group %d for %d input channels", g, x[1])
	}
	p = nn.ConvParams{Cin: x[1], Cout: ws[0], KH: ks[0], KW: ks[1], StrideH: st[0], StrideW: st[1],
		PadT: pads[0], PadL: pads[1], PadB: pads[2], PadR: pads[3], DilH: dil[0], DilW: dil[1], Groups: int(g)}
	if ks[0] != ws[2] || ks[1] != ws[3] || ws[1]*int(g) != x[1] {
		return p, n.Errorf("weights %v do not fit kernel %v, group %d and %d input channels", ws, ks, g, x[1])
	}
	return p, nil
}

// conv plans a convolution: gorn.Conv (with bias, residual and activation)
// or plain Conv.
func (b *builder) conv(n *graph.Node) error {
	allowed := []string{"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"}
	if n.Op == graph.OpConv {
		allowed = append(allowed, "activation", "min", "max")
	} else if len(n.Inputs) > 3 {
		return n.Unsupportedf("%d inputs", len(n.Inputs))
	}
	if err := n.CheckAttrs(allowed...); err != nil {
		return err
	}
	act, err := readActivation(n)
	if err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	wv := n.Input(1)
	if wv == nil || wv.Const == nil {
		return n.Unsupportedf("weights must be a constant")
	}
	p, err := convParams(n, wv.Const.Shape, x.shape)
	if err != nil {
		return err
	}
	oh, ow, err := p.OutSize(x.shape[2], x.shape[3])
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	if err := checkOut(n, []int{1, p.Cout, oh, ow}); err != nil {
		return err
	}
	w, err := wv.Const.Float32s()
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	var bias []float32
	if bv := n.Input(2); bv != nil {
		if bv.Const == nil || bv.Const.Len() != p.Cout {
			return n.Unsupportedf("bias must be a constant of %d values", p.Cout)
		}
		if bias, err = bv.Const.Float32s(); err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
	}
	cv, err := nn.NewConvForInput(b.im, p, w, bias, x.shape[2], x.shape[3])
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	// The loaded weights and nn's transposed copy; a lazy constant's loader
	// made at least one more (the decoded tensor before a BatchNorm fold).
	copies := 2
	if wv.Const.Load != nil {
		copies = 3
	}
	b.temporary(copies * 4 * len(w))
	b.m.weights += cv.WeightBytes()
	return b.convStep(n, cv, x, act)
}

// convStep plans the convolution cv of x with n's residual, if any.
func (b *builder) convStep(n *graph.Node, cv *nn.Conv, x *tensor, act activation) error {
	p := cv.Params()
	o := &convOp{conv: cv, in: x, h: x.shape[2], w: x.shape[3], act: act}
	o.ep.ReLU = act.relu
	st := step{name: n.Label(), kind: n.Op, macs: int64(n.Outputs[0].Shape[2]*n.Outputs[0].Shape[3]*p.Cout) * int64(p.Cin/p.Groups*p.KH*p.KW)}
	var into *buffer
	if n.Op == graph.OpConv && n.Input(3) != nil {
		r, err := b.act(n, 3)
		if err != nil {
			return err
		}
		if !slices.Equal(r.shape, n.Outputs[0].Shape) {
			return n.Errorf("residual %v, output %v", r.shape, n.Outputs[0].Shape)
		}
		o.res, o.ep.Residual = r, true
		if b.dies(r.buf) && r.buf != x.buf {
			into = r.buf
			st.note = "residual added in place"
		} else {
			o.copyRes = true
			st.note = "residual copied, then added"
		}
	}
	y, err := b.output(n, 0, into)
	if err != nil {
		return err
	}
	o.out = y
	need := 0
	for k := 1; k <= b.m.maxBatch; k++ {
		need = max(need, cv.ScratchSize(k, o.h, o.w, &b.m.kopt))
	}
	if need > 0 {
		st.scratch = b.newSlot(need) + 1
	}
	st.op, st.reads, st.writes = o, bufs(x, o.res), bufs(y)
	st.shape = fmt.Sprintf("%s -> %s %dx%d/%d", fmtShape(x.shape), fmtShape(y.shape), p.KH, p.KW, p.StrideH)
	if p.Groups > 1 {
		st.shape += fmt.Sprintf(" g%d", p.Groups)
	}
	if p.DilH > 1 || p.DilW > 1 {
		st.shape += fmt.Sprintf(" d%d", p.DilH)
	}
	st.note = join(cv.Algo().String()+act.String(), st.note)
	b.add(st)
	return nil
}

// convOp runs a convolution with its epilogue.
type convOp struct {
	conv         *nn.Conv
	in, res, out *tensor
	h, w         int
	ep           nn.Epilogue
	copyRes      bool
	act          activation
}

func (o *convOp) run(x *runCtx) error {
	dst := x.data(o.out)
	if o.copyRes {
		copy(dst, x.data(o.res))
	}
	if err := o.conv.Forward(dst, x.data(o.in), x.n, o.h, o.w, o.ep, x.scratch, x.kopt); err != nil {
		return err
	}
	o.act.apply(dst)
	return nil
}

// join joins non-empty notes with ", ".
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ", " + b
}
