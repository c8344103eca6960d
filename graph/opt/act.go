package opt

import (
	"errors"
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// errNotConst marks an operand that is not a constant scalar.
var errNotConst = errors.New("not a constant scalar")

// FuseActivation moves a Relu, or a Clip with min 0 and a constant max > 0
// (ReLU6: activation "clip" with attributes min and max; Clip(0) without a
// max is a Relu), into the epilogue of the gorn.Conv or gorn.ScaleShift
// that produces its input, when that output has no other reader and is not
// a graph output, and the producer has no activation yet. The producer
// then writes the activation's output.
func FuseActivation(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	for _, n := range g.Nodes {
		if n.Op != "Relu" && n.Op != "Clip" {
			continue
		}
		x := n.Input(0)
		if x == nil || len(n.Outputs) != 1 {
			continue
		}
		p := x.Producer
		if p == nil || e.dead[p] || (p.Op != graph.OpConv && p.Op != graph.OpScaleShift) ||
			activation(p) != "" || e.soleUser(x) != n {
			continue
		}
		act, lo, hi, ok, err := activationOf(n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p.SetAttr("activation", graph.S(act))
		if act == "clip" {
			p.SetAttr("min", graph.F(lo))
			p.SetAttr("max", graph.F(hi))
		}
		e.retarget(x, n.Outputs[0])
		e.kill(n, x)
		p.Source = append(p.Source, n.Source...)
		g.Logf("%s: %s into %s", PassFuseActivation, n.Label(), p.Label())
	}
	return e.apply()
}

// activationOf returns the epilogue a Relu or Clip node stands for, or
// false when it has none (Clip bounds other than [0, max > 0]).
func activationOf(n *graph.Node) (act string, lo, hi float32, ok bool, err error) {
	if n.Op == "Relu" {
		if err := n.CheckAttrs(); err != nil {
			return "", 0, 0, false, err
		}
		return "relu", 0, 0, len(n.Inputs) == 1, nil
	}
	if err := n.CheckAttrs(); err != nil {
		return "", 0, 0, false, err
	}
	bound := func(i int) (float32, bool, error) {
		v := n.Input(i)
		if v == nil {
			return 0, false, nil
		}
		if !v.IsConst() || v.Const.DType != graph.Float32 || v.Const.Len() != 1 {
			return 0, false, errNotConst
		}
		d, err := v.Const.Float32s()
		if err != nil {
			return 0, false, n.Errorf("clip bound: %v", err)
		}
		return d[0], true, nil
	}
	lo, hasLo, err := bound(1)
	if err != nil && err != errNotConst {
		return "", 0, 0, false, err
	}
	if err != nil || !hasLo || lo != 0 {
		return "", 0, 0, false, nil
	}
	hi, hasHi, err := bound(2)
	switch {
	case err == errNotConst:
		return "", 0, 0, false, nil
	case err != nil:
		return "", 0, 0, false, err
	case !hasHi || math.IsInf(float64(hi), 1):
		return "relu", 0, 0, true, nil
	case hi > 0 && !math.IsNaN(float64(hi)):
		return "clip", 0, hi, true, nil
	}
	return "", 0, 0, false, nil
}
