package engine

import (
	"fmt"
	"math"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// channels returns the channel count of x for a per-channel operator: the
// innermost axis in storage (4-D: C, 2-D: the features).
func channels(n *graph.Node, x *tensor) (int, error) {
	switch len(x.shape) {
	case 4, 2:
		return x.shape[1], nil
	}
	return 0, n.Unsupportedf("per-channel operator on shape %v (want 2-D or 4-D)", x.shape)
}

// actChannels returns n's activation input and its channel count.
func (b *builder) actChannels(n *graph.Node) (*tensor, int, error) {
	x, err := b.act(n, 0)
	if err != nil {
		return nil, 0, err
	}
	c, err := channels(n, x)
	if err != nil {
		return nil, 0, err
	}
	return x, c, nil
}

// scaleShift plans gorn.ScaleShift: per-channel y = act(x*scale + shift).
func (b *builder) scaleShift(n *graph.Node) error {
	if err := n.CheckAttrs("activation", "min", "max"); err != nil {
		return err
	}
	act, err := readActivation(n)
	if err != nil {
		return err
	}
	x, c, err := b.actChannels(n)
	if err != nil {
		return err
	}
	var ss [2][]float32
	for i := range ss {
		t, err := n.ConstInput(1 + i)
		if err != nil {
			return err
		}
		if t.Len() != c {
			return n.Unsupportedf("input %d has %d values for %d channels", 1+i, t.Len(), c)
		}
		if ss[i], err = t.Float32s(); err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
	}
	return b.scaleShiftStep(n, x, c, ss[0], ss[1], act)
}

// batchNorm plans an unfused BatchNormalization (inference form) as a
// scale-shift.
func (b *builder) batchNorm(n *graph.Node) error {
	if err := n.CheckAttrs("epsilon", "momentum", "training_mode", "spatial"); err != nil {
		return err
	}
	if tm, _ := n.Int("training_mode", 0); tm != 0 || len(n.Outputs) > 1 {
		return n.Unsupportedf("training mode")
	}
	x, c, err := b.actChannels(n)
	if err != nil {
		return err
	}
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return err
	}
	var p [4][]float32
	for i := range p {
		t, err := n.ConstInput(1 + i)
		if err != nil {
			return err
		}
		if p[i], err = t.Float32s(); err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
	}
	scale, shift, err := fold.Affine(fold.BatchNorm{Gamma: p[0], Beta: p[1], Mean: p[2], Var: p[3], Eps: float64(eps)})
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	if len(scale) != c {
		return n.Unsupportedf("%d statistics for %d channels", len(scale), c)
	}
	return b.scaleShiftStep(n, x, c, scale, shift, activation{})
}

func (b *builder) scaleShiftStep(n *graph.Node, x *tensor, c int, scale, shift []float32, act activation) error {
	y, note, err := b.outputLike(n, x)
	if err != nil {
		return err
	}
	b.m.weights += 8 * c
	b.add(step{op: &scaleShiftOp{in: x, out: y, c: c, scale: scale, shift: shift, act: act},
		name: n.Label(), kind: n.Op, shape: fmtShape(x.shape), note: join(act.String(), note),
		reads: bufs(x), writes: bufs(y)})
	return nil
}

// scaleShiftOp runs a per-channel affine map.
type scaleShiftOp struct {
	in, out      *tensor
	c            int
	scale, shift []float32
	act          activation
}

func (o *scaleShiftOp) run(x *runCtx) error {
	dst := x.data(o.out)
	if err := x.im.ScaleShift(dst, x.data(o.in), o.c, o.scale, o.shift, o.act.relu); err != nil {
		return err
	}
	o.act.apply(dst)
	return nil
}

// pool plans MaxPool or AveragePool.
func (b *builder) pool(n *graph.Node) error {
	if err := n.CheckAttrs("kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "dilations", "auto_pad", "storage_order"); err != nil {
		return err
	}
	if len(n.Outputs) > 1 {
		return n.Unsupportedf("MaxPool's Indices output")
	}
	if t, ok := b.tensors[n.Input(0)]; ok && t.q != graph.Undefined && n.Op == "MaxPool" {
		return b.qmaxPool(n, t)
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	if len(x.shape) != 4 {
		return n.Unsupportedf("input %v: only 2-D pooling runs", x.shape)
	}
	p, dil, err := poolParams(n)
	if err != nil {
		return err
	}
	var o op
	var oh, ow int
	if dil[0] == 1 && dil[1] == 1 {
		oh, ow, err = p.OutSize(x.shape[2], x.shape[3])
		o = &poolOp{h: x.shape[2], w: x.shape[3], c: x.shape[1], p: p, avg: n.Op == "AveragePool"}
	} else {
		if n.Op != "MaxPool" {
			return n.Unsupportedf("dilations %v (supported: 1, and any for MaxPool)", dil)
		}
		d := &dilatedMaxOp{h: x.shape[2], w: x.shape[3], c: x.shape[1], p: p, dh: dil[0], dw: dil[1]}
		oh, ow, err = d.outSize()
		d.oh, d.ow, o = oh, ow, d
	}
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	if err := checkOut(n, []int{1, x.shape[1], oh, ow}); err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	switch o := o.(type) {
	case *poolOp:
		o.in, o.out = x, y
	case *dilatedMaxOp:
		o.in, o.out = x, y
	}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y),
		work:  int64(y.size) * int64(p.KH) * int64(p.KW),
		shape: fmt.Sprintf("%s -> %s %dx%d/%d", fmtShape(x.shape), fmtShape(y.shape), p.KH, p.KW, p.StrideH)})
	return nil
}

// poolParams reads a pool's attributes.
func poolParams(n *graph.Node) (nn.PoolParams, []int, error) {
	var p nn.PoolParams
	if pad, _ := n.Str("auto_pad", "NOTSET"); pad != "NOTSET" {
		return p, nil, n.Unsupportedf("auto_pad %q (shape inference resolves it into pads)", pad)
	}
	ks, err := intsAttr(n, "kernel_shape", nil, 2, 1)
	if err != nil {
		return p, nil, err
	}
	st, err := intsAttr(n, "strides", []int64{1, 1}, 2, 1)
	if err != nil {
		return p, nil, err
	}
	pads, err := intsAttr(n, "pads", []int64{0, 0, 0, 0}, 4, 0)
	if err != nil {
		return p, nil, err
	}
	dil, err := intsAttr(n, "dilations", []int64{1, 1}, 2, 1)
	if err != nil {
		return p, nil, err
	}
	if so, _ := n.Int("storage_order", 0); so != 0 {
		return p, nil, n.Unsupportedf("storage_order %d", so)
	}
	ceil, _ := n.Int("ceil_mode", 0)
	cip, _ := n.Int("count_include_pad", 0)
	p = nn.PoolParams{KH: ks[0], KW: ks[1], StrideH: st[0], StrideW: st[1],
		PadT: pads[0], PadL: pads[1], PadB: pads[2], PadR: pads[3], CeilMode: ceil != 0, CountIncludePad: cip != 0}
	return p, dil, nil
}

// dilatedMaxOp is a max pool with dilation, in plain loops (nn's pools
// have none): taps outside the input are skipped, a NaN wins.
type dilatedMaxOp struct {
	in, out *tensor
	h, w, c int
	oh, ow  int
	p       nn.PoolParams
	dh, dw  int
}

// outSize is the output size (graph.OutputSize's window arithmetic).
func (o *dilatedMaxOp) outSize() (int, int, error) {
	p := o.p
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	oh, err := graph.OutputSize(o.h, p.KH, p.StrideH, o.dh, p.PadT, p.PadB, p.CeilMode)
	if err != nil {
		return 0, 0, err
	}
	ow, err := graph.OutputSize(o.w, p.KW, p.StrideW, o.dw, p.PadL, p.PadR, p.CeilMode)
	return oh, ow, err
}

func (o *dilatedMaxOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	c, p := o.c, &o.p
	ninf := float32(math.Inf(-1))
	for img := 0; img < x.n; img++ {
		for oy := 0; oy < o.oh; oy++ {
			for ox := 0; ox < o.ow; ox++ {
				d := dst[((img*o.oh+oy)*o.ow+ox)*c:][:c]
				for i := range d {
					d[i] = ninf
				}
				for ky := 0; ky < p.KH; ky++ {
					iy := oy*p.StrideH - p.PadT + ky*o.dh
					if iy < 0 || iy >= o.h {
						continue
					}
					for kx := 0; kx < p.KW; kx++ {
						ix := ox*p.StrideW - p.PadL + kx*o.dw
						if ix < 0 || ix >= o.w {
							continue
						}
						s := src[((img*o.h+iy)*o.w+ix)*c:][:c]
						for i, v := range s {
							if v > d[i] || v != v {
								d[i] = v
							}
						}
					}
				}
			}
		}
	}
	return nil
}

// poolOp runs a max or average pool.
type poolOp struct {
	in, out *tensor
	h, w, c int
	p       nn.PoolParams
	avg     bool
}

func (o *poolOp) run(x *runCtx) error {
	if o.avg {
		return nn.AvgPoolFor(x.im, x.data(o.out), x.data(o.in), x.n, o.h, o.w, o.c, o.p, x.kopt)
	}
	return nn.MaxPoolFor(x.im, x.data(o.out), x.data(o.in), x.n, o.h, o.w, o.c, o.p, x.kopt)
}

// globalPool plans GlobalAveragePool or GlobalMaxPool.
func (b *builder) globalPool(n *graph.Node, isMax bool) error {
	if err := n.CheckAttrs(); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	if len(x.shape) != 4 {
		return n.Unsupportedf("input %v: only 4-D input runs", x.shape)
	}
	if err := checkOut(n, []int{1, x.shape[1], 1, 1}); err != nil {
		return err
	}
	return b.globalStep(n, x, isMax)
}

// reduce plans ReduceMean or ReduceMax over the spatial axes of a 4-D
// tensor.
func (b *builder) reduce(n *graph.Node) error {
	if err := n.CheckAttrs("keepdims", "noop_with_empty_axes"); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	axes, err := graph.ReduceAxes(n, len(x.shape))
	if err != nil {
		return err
	}
	keep, _ := n.Int("keepdims", 1)
	seen := 0
	for _, a := range axes {
		seen |= 1 << a
	}
	if len(x.shape) != 4 || len(axes) != 2 || seen != 0b1100 {
		return n.Unsupportedf("axes %v of %v (supported: the spatial axes 2 and 3 of a 4-D tensor)", axes, x.shape)
	}
	want := []int{1, x.shape[1], 1, 1}
	if keep == 0 {
		want = want[:2]
	}
	if err := checkOut(n, want); err != nil {
		return err
	}
	return b.globalStep(n, x, n.Op == "ReduceMax")
}

// globalStep plans a mean or maximum over each image's pixels.
func (b *builder) globalStep(n *graph.Node, x *tensor, isMax bool) error {
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	o := &globalOp{in: x, out: y, hw: x.shape[2] * x.shape[3], c: x.shape[1], max: isMax}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y),
		shape: fmt.Sprintf("%s -> %s", fmtShape(x.shape), fmtShape(y.shape))})
	return nil
}

// globalOp averages or takes the maximum over all pixels of each image.
type globalOp struct {
	in, out *tensor
	hw, c   int
	max     bool
}

func (o *globalOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	g := kernels.Windows{C: o.c, N: 1, KH: 1, KW: o.hw, LDW: o.c}
	size := o.hw * o.c
	for i := 0; i < x.n; i++ {
		var err error
		if o.max {
			err = x.im.MaxWindows(dst[i*o.c:(i+1)*o.c], src[i*size:(i+1)*size], g)
		} else {
			err = x.im.AvgWindows(dst[i*o.c:(i+1)*o.c], src[i*size:(i+1)*size], g, float32(o.hw))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
