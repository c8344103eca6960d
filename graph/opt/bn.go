package opt

import (
	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/graph"
)

// FuseBN folds every BatchNormalization that is the only reader of a
// convolution's output (Conv or gorn.Conv without activation or residual)
// into that convolution: it becomes a gorn.Conv whose weights are a lazy
// constant (fold.IntoConv runs when the executor loads them) and whose bias
// is folded now. Any other BatchNormalization (after an Add, on a graph
// input, or on a conv output that something else reads too) becomes a
// gorn.ScaleShift with lazy scale and shift from fold.Affine. The
// BatchNorm's statistics (C values each) are read and validated here; the
// weights are not.
func FuseBN(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	for _, n := range g.Nodes {
		if n.Op != "BatchNormalization" {
			continue
		}
		bn, err := readBN(n)
		if err != nil {
			return err
		}
		conv, err := bnConv(e, n, bn.Channels())
		if err != nil {
			return err
		}
		if conv != nil {
			err = foldIntoConv(g, e, conv, n, bn)
		} else {
			err = toScaleShift(g, e, n, bn)
		}
		if err != nil {
			return err
		}
	}
	return e.apply()
}

// readBN checks BatchNormalization node n and returns its statistics.
func readBN(n *graph.Node) (fold.BatchNorm, error) {
	var bn fold.BatchNorm
	if err := n.CheckAttrs("epsilon", "momentum", "spatial", "training_mode"); err != nil {
		return bn, err
	}
	if t, err := n.Int("training_mode", 0); err != nil || t != 0 {
		if err == nil {
			err = n.Unsupportedf("training_mode %d (inference only)", t)
		}
		return bn, err
	}
	if s, err := n.Int("spatial", 1); err != nil || s != 1 {
		if err == nil {
			err = n.Unsupportedf("spatial %d (supported: 1)", s)
		}
		return bn, err
	}
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return bn, err
	}
	if len(n.Inputs) != 5 || len(n.Outputs) != 1 || n.Input(0) == nil {
		return bn, n.Unsupportedf("%d inputs and %d outputs (supported: 5 and 1)", len(n.Inputs), len(n.Outputs))
	}
	var p [4][]float32
	for i := range p {
		t, err := n.ConstInput(1 + i)
		if err != nil {
			return bn, err
		}
		if len(t.Shape) != 1 {
			return bn, n.Errorf("input %d has shape %v, want [C]", 1+i, t.Shape)
		}
		if p[i], err = t.Float32s(); err != nil {
			return bn, n.Errorf("input %d: %v", 1+i, err)
		}
	}
	bn = fold.BatchNorm{Gamma: p[0], Beta: p[1], Mean: p[2], Var: p[3], Eps: float64(eps)}
	if err := bn.Validate(); err != nil {
		return bn, n.Errorf("%v", err)
	}
	if x := n.Input(0); len(x.Shape) >= 2 && x.Shape[1] != bn.Channels() {
		return bn, n.Errorf("input has %d channels, statistics %d", x.Shape[1], bn.Channels())
	}
	return bn, nil
}

// bnConv returns the convolution BatchNorm node n folds into, or nil: the
// producer of n's input, a Conv (lowered here) or a gorn.Conv without
// activation or residual, whose output only n reads and whose weights are
// a float32 constant of c output channels.
func bnConv(e *edit, n *graph.Node, c int) (*graph.Node, error) {
	x := n.Input(0)
	conv := x.Producer
	if conv == nil || (conv.Op != "Conv" && conv.Op != graph.OpConv) || e.soleUser(x) != n || e.dead[conv] {
		return nil, nil
	}
	if ok, err := lowerConv(conv); !ok || err != nil {
		return nil, err
	}
	if activation(conv) != "" || hasResidual(conv) || conv.Outputs[0] != x {
		return nil, nil
	}
	w := conv.Input(1)
	if !w.IsConst() || w.Const.DType != graph.Float32 || len(w.Const.Shape) == 0 || w.Const.Shape[0] != c {
		return nil, nil
	}
	if b := conv.Input(2); b != nil && (!b.IsConst() || b.Const.DType != graph.Float32) {
		return nil, nil
	}
	return conv, nil
}

// foldIntoConv folds bn (node n) into conv: new weights (lazy) and bias,
// conv writes n's output, n is removed.
func foldIntoConv(g *graph.Graph, e *edit, conv, n *graph.Node, bn fold.BatchNorm) error {
	var bias []float32
	if b := conv.Input(2); b != nil {
		var err error
		if bias, err = b.Const.Float32s(); err != nil {
			return conv.Errorf("bias: %v", err)
		}
	}
	ones := make([]float32, bn.Channels())
	for i := range ones {
		ones[i] = 1
	}
	_, nb, err := fold.IntoConv(ones, bias, bn)
	if err != nil {
		return n.Errorf("%v", err)
	}
	w := conv.Input(1)
	wt := w.Const
	lazy := graph.Lazy(wt.Shape, func() ([]float32, error) {
		ws, err := wt.Float32s()
		if err != nil {
			return nil, err
		}
		nw, _, err := fold.IntoConv(ws, nil, bn)
		return nw, err
	})
	wv, err := g.AddConst(e.name(w.Name+".bn"), lazy)
	if err != nil {
		return err
	}
	bv, err := g.AddConst(e.name(conv.Label()+".bias.bn"), graph.Floats([]int{len(nb)}, nb))
	if err != nil {
		return err
	}
	for len(conv.Inputs) < 3 {
		conv.Inputs = append(conv.Inputs, nil)
	}
	conv.Inputs[1], conv.Inputs[2] = wv, bv
	x, y := conv.Outputs[0], n.Outputs[0]
	e.retarget(x, y)
	e.kill(n, x)
	conv.Source = append(conv.Source, n.Source...)
	g.Logf("%s: %s into %s", PassFuseBN, n.Label(), conv.Label())
	return nil
}

// toScaleShift rewrites BatchNorm node n as gorn.ScaleShift in place.
func toScaleShift(g *graph.Graph, e *edit, n *graph.Node, bn fold.BatchNorm) error {
	c := bn.Channels()
	scale := graph.Lazy([]int{c}, func() ([]float32, error) {
		s, _, err := fold.Affine(bn)
		return s, err
	})
	shift := graph.Lazy([]int{c}, func() ([]float32, error) {
		_, s, err := fold.Affine(bn)
		return s, err
	})
	base := n.Label()
	sv, err := g.AddConst(e.name(base+".scale"), scale)
	if err != nil {
		return err
	}
	hv, err := g.AddConst(e.name(base+".shift"), shift)
	if err != nil {
		return err
	}
	n.Op = graph.OpScaleShift
	n.Inputs = []*graph.Value{n.Inputs[0], sv, hv}
	n.Attrs = graph.Attrs{"activation": graph.S("")}
	g.Logf("%s: %s -> %s", PassFuseBN, base, graph.OpScaleShift)
	return nil
}
