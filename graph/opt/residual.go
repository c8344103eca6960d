package opt

import (
	"github.com/gorn-ml/gorn/graph"
)

// FuseResidual removes an Add of two float32 values of the same known shape
// (no broadcasting) when one of them is written by a gorn.Conv without
// activation or residual and read only by this Add: that conv takes the
// other operand as its Residual input (input 3) and writes the Add's
// output. When both operands qualify, the conv later in the node order
// takes the Add (a block's last conv; the other is the shortcut). A
// constant operand is not a residual (the executor may write into a
// residual's buffer). The executor adds in place when the residual dies at
// the conv.
func FuseResidual(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	for _, n := range g.Nodes {
		if n.Op != "Add" || len(n.Inputs) != 2 || len(n.Outputs) != 1 || len(n.Attrs) != 0 {
			continue
		}
		a, b := n.Inputs[0], n.Inputs[1]
		if a == nil || b == nil || a.IsConst() || b.IsConst() || !static(a.Shape) ||
			!sameShape(a.Shape, b.Shape) || a.DType != graph.Float32 || b.DType != graph.Float32 {
			continue
		}
		ca, cb := residualConv(e, a, n), residualConv(e, b, n)
		conv, other := ca, b
		if cb != nil && (ca == nil || e.pos[cb] > e.pos[ca]) {
			conv, other = cb, a
		}
		if conv == nil {
			continue
		}
		for len(conv.Inputs) < 4 {
			conv.Inputs = append(conv.Inputs, nil)
		}
		conv.Inputs[3] = other
		x := conv.Outputs[0]
		e.retarget(x, n.Outputs[0])
		e.kill(n, x)
		conv.Source = append(conv.Source, n.Source...)
		g.Logf("%s: %s into %s (residual %s)", PassFuseResidual, n.Label(), conv.Label(), other.Name)
	}
	if err := e.apply(); err != nil {
		return err
	}
	// The shortcut may come after the conv that now reads it.
	return g.Sort()
}

// residualConv returns the gorn.Conv that writes v when it can take Add
// node add as its residual, else nil.
func residualConv(e *edit, v *graph.Value, add *graph.Node) *graph.Node {
	c := v.Producer
	if c == nil || c.Op != graph.OpConv || e.dead[c] || activation(c) != "" || hasResidual(c) ||
		len(c.Outputs) != 1 || e.soleUser(v) != add {
		return nil
	}
	return c
}
