package opt

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// FusePad removes a Pad (constant mode, pads only on the two spatial axes
// of a 4-D tensor, none negative) whose output only a convolution or a pool
// reads as its data input, adding its pads to that node's:
//
//   - Conv or gorn.Conv: pad value 0;
//   - AveragePool without ceil_mode: pad value 0, and either
//     count_include_pad=1 or no pads of its own (it then gets
//     count_include_pad=1, which counts the zeros as the Pad did);
//   - MaxPool without ceil_mode and without an indices output: pad value
//     -inf.
//
// Channel or batch pads are not fused (the executor runs the Pad).
func FusePad(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	for _, n := range g.Nodes {
		if n.Op != "Pad" {
			continue
		}
		pads, value, ok, err := spatialPads(n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		y := n.Outputs[0]
		user := e.soleUser(y)
		if user == nil || user.Input(0) != y || len(n.Outputs) != 1 {
			continue
		}
		fused, err := fusePadInto(user, pads, value)
		if err != nil {
			return err
		}
		if !fused {
			continue
		}
		e.alias[y] = n.Input(0)
		e.kill(n, y)
		user.Source = append(user.Source, n.Source...)
		g.Logf("%s: %s into %s", PassFusePad, n.Label(), user.Label())
	}
	return e.apply()
}

// spatialPads returns the [t, l, b, r] pads and the pad value of Pad node
// n when it pads only axes 2 and 3 of a 4-D tensor in constant mode by
// non-negative amounts.
func spatialPads(n *graph.Node) (pads []int64, value float32, ok bool, err error) {
	if err := n.CheckAttrs("mode"); err != nil {
		return nil, 0, false, err
	}
	if mode, err := n.Str("mode", "constant"); err != nil || mode != "constant" {
		return nil, 0, false, err
	}
	x := n.Input(0)
	p := n.Input(1)
	if x == nil || len(x.Shape) != 4 || !p.IsConst() || p.Const.DType != graph.Int64 {
		return nil, 0, false, nil
	}
	raw, err := p.Const.Int64s()
	if err != nil {
		return nil, 0, false, n.Errorf("pads: %v", err)
	}
	axes := []int64{0, 1, 2, 3}
	if a := n.Input(3); a != nil {
		if !a.IsConst() || a.Const.DType != graph.Int64 {
			return nil, 0, false, nil
		}
		if axes, err = a.Const.Int64s(); err != nil {
			return nil, 0, false, n.Errorf("axes: %v", err)
		}
	}
	if len(raw) != 2*len(axes) {
		return nil, 0, false, n.Errorf("%d pads for %d axes", len(raw), len(axes))
	}
	var full [8]int64
	for i, a := range axes {
		if a < 0 {
			a += 4
		}
		if a < 0 || a > 3 {
			return nil, 0, false, n.Errorf("axis %d of a 4-D tensor", axes[i])
		}
		full[a], full[4+a] = raw[i], raw[len(axes)+i]
	}
	for i, v := range full {
		if v < 0 || v > maxPad || (i%4 < 2 && v != 0) {
			return nil, 0, false, nil
		}
	}
	if v := n.Input(2); v != nil {
		if !v.IsConst() || v.Const.DType != graph.Float32 || v.Const.Len() != 1 {
			return nil, 0, false, nil
		}
		d, err := v.Const.Float32s()
		if err != nil {
			return nil, 0, false, n.Errorf("constant_value: %v", err)
		}
		value = d[0]
	}
	return []int64{full[2], full[3], full[6], full[7]}, value, true, nil
}

// fusePadInto adds pads [t, l, b, r] with the given pad value to node n's,
// reporting whether it could.
func fusePadInto(n *graph.Node, pads []int64, value float32) (bool, error) {
	switch n.Op {
	case "Conv", graph.OpConv:
		if value != 0 {
			return false, nil
		}
		if ok, err := lowerConv(n); !ok || err != nil {
			return false, err
		}
	case "AveragePool":
		if value != 0 || !poolFusable(n) {
			return false, nil
		}
		cip, err := n.Int("count_include_pad", 0)
		if err != nil {
			return false, err
		}
		own, err := n.Ints("pads", nil)
		if err != nil {
			return false, err
		}
		if cip == 0 && !allZero(own) {
			return false, nil
		}
		n.SetAttr("count_include_pad", graph.I(1))
	case "MaxPool":
		if !math.IsInf(float64(value), -1) || !poolFusable(n) || len(n.Outputs) != 1 {
			return false, nil
		}
	default:
		return false, nil
	}
	own, err := n.Ints("pads", []int64{0, 0, 0, 0})
	if err != nil {
		return false, err
	}
	if len(own) != 4 {
		return false, n.Unsupportedf("pads %v (a 2-D op has 4)", own)
	}
	sum := make([]int64, 4)
	for i := range sum {
		sum[i] = own[i] + pads[i]
		if own[i] < 0 || sum[i] > maxPad {
			return false, n.Errorf("pads %v plus %v out of range", own, pads)
		}
	}
	n.SetAttr("pads", graph.Is(sum...))
	return true, nil
}

// poolFusable reports whether a pool's pads may grow: explicit pads (no
// auto_pad) and no ceil_mode, whose last window depends on where the
// padding ends.
func poolFusable(n *graph.Node) bool {
	auto, err := n.Str("auto_pad", "NOTSET")
	if err != nil || (auto != "NOTSET" && auto != "") {
		return false
	}
	ceil, err := n.Int("ceil_mode", 0)
	if err != nil || ceil != 0 {
		return false
	}
	k, err := n.Ints("kernel_shape", nil)
	return err == nil && len(k) == 2
}

func allZero(v []int64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
