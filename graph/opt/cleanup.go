package opt

import (
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// Cleanup removes nodes that compute nothing and then the dead code (DCE):
//
//   - Identity; Dropout in inference (training_mode absent or 0, mask
//     output unused; otherwise an error: gorn does not train);
//   - Cast to the type its input already has;
//   - Reshape, Flatten, Squeeze, Unsqueeze, Expand whose output shape is
//     the input's (both known);
//   - Pad whose pads are all zero; Transpose with the identity permutation;
//   - Transpose read by a ReduceMean or ReduceMax with keepdims=0 that
//     can reduce the Transpose's input over the permuted axes with the
//     same result (tf2onnx's NHWC head): the reduction reads the input.
//
// Readers of a removed node's output read its input. When the output is a
// graph output, its name is kept: the input's producer writes it instead,
// or, when the input is a graph input, a constant or another graph output,
// the node stays.
func Cleanup(g *graph.Graph, o *Options) error {
	removed, err := reduceThroughTranspose(g)
	if err != nil {
		return err
	}
	e := newEdit(g)
	for _, n := range g.Nodes {
		ok, err := isNoOp(e, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		in, out := e.in(n, 0), n.Outputs[0]
		drop := slices.Clone(n.Outputs[1:]) // unused (isNoOp checked)
		switch {
		case !e.isOutput(out):
			e.alias[out] = in
			e.kill(n, append(drop, out)...)
		case in.Producer != nil && in.Const == nil && !e.isOutput(in) && !e.dead[in.Producer]:
			e.retarget(in, out)
			e.kill(n, append(drop, in)...)
		default:
			continue
		}
		removed++
	}
	if removed > 0 {
		g.Logf("%s: %d no-op nodes removed or bypassed", PassCleanup, removed)
	}
	if err := e.apply(); err != nil {
		return err
	}
	return DCE(g, o)
}

// isNoOp reports whether n passes its first input through unchanged as its
// first output, with any other output unused.
func isNoOp(e *edit, n *graph.Node) (bool, error) {
	if len(n.Inputs) == 0 || n.Inputs[0] == nil || len(n.Outputs) == 0 {
		return false, nil
	}
	for _, extra := range n.Outputs[1:] {
		if len(extra.Users) > 0 || e.isOutput(extra) {
			if n.Op == "Dropout" {
				return false, n.Unsupportedf("mask output is read (inference only)")
			}
			return false, nil
		}
	}
	in, out := n.Inputs[0], n.Outputs[0]
	switch n.Op {
	case "Identity":
		return len(n.Inputs) == 1, nil
	case "Dropout":
		return dropoutNoOp(n)
	case "Cast":
		to, err := n.Int("to", 0)
		if err != nil {
			return false, err
		}
		dt, ok := onnxType(to)
		return ok && known(in) && in.DType == dt, nil
	case "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand":
		return known(in) && out.Shape != nil && sameShape(in.Shape, out.Shape) && in.DType == out.DType, nil
	case "Pad":
		p := n.Input(1)
		if !p.IsConst() || p.Const.DType != graph.Int64 {
			return false, nil
		}
		pads, err := p.Const.Int64s()
		if err != nil {
			return false, n.Errorf("pads: %v", err)
		}
		return allZero(pads), nil
	case "Transpose":
		perm, err := n.Ints("perm", nil)
		if err != nil {
			return false, err
		}
		if perm == nil {
			return known(in) && in.Shape != nil && len(in.Shape) <= 1, nil
		}
		for i, p := range perm {
			if p != int64(i) {
				return false, nil
			}
		}
		return !known(in) || len(in.Shape) == len(perm), nil
	}
	return false, nil
}

// dropoutNoOp checks a Dropout node for inference: training_mode must be
// absent or a constant 0.
func dropoutNoOp(n *graph.Node) (bool, error) {
	if err := n.CheckAttrs("seed"); err != nil {
		return false, err
	}
	t := n.Input(2)
	if t == nil {
		return true, nil
	}
	if !t.IsConst() || t.Const.DType != graph.Int64 || t.Const.Len() != 1 {
		return false, n.Unsupportedf("training_mode must be a constant false (inference only)")
	}
	v, err := t.Const.Int64s()
	if err != nil {
		return false, n.Errorf("training_mode: %v", err)
	}
	if v[0] != 0 {
		return false, n.Unsupportedf("training_mode=1 (inference only)")
	}
	return true, nil
}

// onnxType returns the IR type a Cast to ONNX type t leaves unchanged:
// FLOAT and DOUBLE (computed in float32, graph.CastType) keep a float32,
// INT64 keeps an int64. Casts to narrower integers or BOOL change values
// and are never no-ops.
func onnxType(t int64) (graph.DType, bool) {
	switch t {
	case graph.TypeFloat, graph.TypeDouble:
		return graph.Float32, true
	case graph.TypeInt64:
		return graph.Int64, true
	}
	return graph.Undefined, false
}

// DCE removes every node none of whose outputs reaches a graph output.
// Linear in nodes and edges.
func DCE(g *graph.Graph, o *Options) error {
	live := make(map[*graph.Node]bool, len(g.Nodes))
	stack := slices.Clone(g.Outputs)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p := v.Producer
		if p == nil || live[p] {
			continue
		}
		live[p] = true
		for _, in := range p.Inputs {
			if in != nil {
				stack = append(stack, in)
			}
		}
	}
	e := newEdit(g)
	for _, n := range g.Nodes {
		if !live[n] && n.Op != "" {
			e.kill(n, n.Outputs...)
		}
	}
	if len(e.order) > 0 {
		g.Logf("dce: %d nodes removed", len(e.order))
	}
	return e.apply()
}
