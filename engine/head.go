package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// gemm plans Gemm or MatMul of a 2-D activation by constant weights as an
// nn.Linear; the bias of a following Add is fused into a MatMul.
func (b *builder) gemm(n *graph.Node) error {
	alpha, beta, transB := float32(1), float32(1), int64(0)
	if n.Op == "Gemm" {
		if err := n.CheckAttrs("alpha", "beta", "transA", "transB"); err != nil {
			return err
		}
		alpha, _ = n.Float("alpha", 1)
		beta, _ = n.Float("beta", 1)
		transB, _ = n.Int("transB", 0)
		if ta, _ := n.Int("transA", 0); ta != 0 {
			return n.Unsupportedf("transA %d (supported: 0)", ta)
		}
	} else if err := n.CheckAttrs(); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	wt, err := n.ConstInput(1)
	if err != nil {
		return err
	}
	if len(x.shape) != 2 || len(wt.Shape) != 2 {
		return n.Unsupportedf("%v x %v: only a 2-D activation times 2-D constant weights runs", x.shape, wt.Shape)
	}
	k, out := wt.Shape[0], wt.Shape[1]
	if transB != 0 {
		k, out = out, k
	}
	if k != x.shape[1] {
		return n.Errorf("%v x %v (transB %d)", x.shape, wt.Shape, transB)
	}
	w, err := wt.Float32s()
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	if transB == 0 || alpha != 1 { // nn.Linear takes out x in
		t := make([]float32, len(w))
		for i := 0; i < k; i++ {
			for j := 0; j < out; j++ {
				if transB == 0 {
					t[j*k+i] = alpha * w[i*out+j]
				} else {
					t[j*k+i] = alpha * w[j*k+i]
				}
			}
		}
		w = t
		b.temporary(4 * len(t))
	}
	bias, yv, note, err := b.gemmBias(n, out, beta)
	if err != nil {
		return err
	}
	fc, err := nn.NewLinearFor(b.im, k, out, w, bias)
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	b.m.weights += 4 * (k*out + len(bias))
	b.temporary(4 * len(w))
	y, err := b.activation(yv, nil)
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	if !slices.Equal(y.shape, []int{1, out}) {
		return n.Errorf("output %v, want [1 %d]", y.shape, out)
	}
	b.add(step{op: &linearOp{fc: fc, in: x, out: y}, name: n.Label(), kind: n.Op, macs: int64(k * out),
		reads: bufs(x), writes: bufs(y), shape: fmt.Sprintf("%d -> %d", k, out), note: note})
	return nil
}

// gemmBias returns the bias of Gemm n (beta*C), or that of an Add that
// follows MatMul n and adds a constant vector, which it then fuses: yv is
// the value the linear layer writes.
func (b *builder) gemmBias(n *graph.Node, out int, beta float32) (bias []float32, yv *graph.Value, note string, err error) {
	yv = n.Outputs[0]
	cv := n.Input(2)
	if n.Op == "MatMul" {
		cv = nil
		if len(yv.Users) == 1 && !b.isOutput(yv) && yv.Users[0].Op == "Add" && len(yv.Users[0].Inputs) == 2 {
			add := yv.Users[0]
			other := add.Inputs[0]
			if other == yv {
				other = add.Inputs[1]
			}
			if other != nil && other.Const != nil && other.Const.Len() == out && len(other.Const.Shape) <= 2 &&
				len(add.Outputs) == 1 && len(add.Attrs) == 0 {
				cv, yv, note = other, add.Outputs[0], "bias add fused"
				b.fused[add] = true
			}
		}
	}
	if cv == nil {
		return nil, yv, note, nil
	}
	if cv.Const == nil {
		return nil, nil, "", n.Unsupportedf("C must be a constant")
	}
	c, err := cv.Const.Float32s()
	if err != nil {
		return nil, nil, "", fmt.Errorf("%v: %w", n, err)
	}
	if len(c) != 1 && len(c) != out {
		return nil, nil, "", n.Unsupportedf("C of shape %v (supported: a scalar or %d values)", cv.Const.Shape, out)
	}
	bias = make([]float32, out)
	for j := range bias {
		bias[j] = beta * c[j%len(c)]
	}
	return bias, yv, note, nil
}

// linearOp runs a fully connected layer.
type linearOp struct {
	fc      *nn.Linear
	in, out *tensor
}

func (o *linearOp) run(x *runCtx) error {
	return o.fc.Forward(x.data(o.out), x.data(o.in), x.n, nn.Epilogue{}, x.kopt)
}

// softmax plans Softmax or LogSoftmax over an axis that is innermost in
// storage (the last axis of a 2-D tensor, the channels of a 4-D one).
func (b *builder) softmax(n *graph.Node) error {
	if err := n.CheckAttrs("axis"); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	a64, _ := n.Int("axis", -1)
	a, err := axis(n, a64, len(x.shape))
	if err != nil {
		return err
	}
	if a == 0 || (x.shape[a] > 1 && x.strides()[a] != 1) {
		return n.Unsupportedf("axis %d of %v (supported: the last axis, or the channels of a 4-D tensor)", a64, x.shape)
	}
	y, note, err := b.outputLike(n, x)
	if err != nil {
		return err
	}
	b.add(step{op: &softmaxOp{in: x, out: y, l: x.shape[a], log: n.Op == "LogSoftmax"}, name: n.Label(),
		kind: n.Op, shape: fmtShape(x.shape), note: note, reads: bufs(x), writes: bufs(y)})
	return nil
}

// softmaxOp runs softmax over contiguous rows of l floats, summing in
// float64.
type softmaxOp struct {
	in, out *tensor
	l       int
	log     bool
}

func (o *softmaxOp) run(x *runCtx) error {
	src, dst := x.data(o.in), x.data(o.out)
	for r := 0; r+o.l <= len(src); r += o.l {
		s, d := src[r:r+o.l], dst[r:r+o.l]
		m := s[0]
		for _, v := range s[1:] {
			m = max(m, v)
		}
		sum := 0.0
		for _, v := range s {
			sum += math.Exp(float64(v - m))
		}
		if o.log {
			ls := math.Log(sum)
			for i, v := range s {
				d[i] = float32(float64(v-m) - ls)
			}
			continue
		}
		for i, v := range s {
			d[i] = float32(math.Exp(float64(v-m)) / sum)
		}
	}
	return nil
}
