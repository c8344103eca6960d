package opt

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// ConstFold infers the graph's shapes (graph.InferShapesWith) and, as each
// node's shapes are known, evaluates once every node whose inputs are all
// constants, and every Shape or Size node whose input's shape is static;
// the node's outputs become constants and the node is removed. A node that
// needs a constant input for its shape (Reshape's shape from a
// Shape/Gather/Concat subgraph) finds it folded. One pass in topological
// order, linear in the graph's size.
//
// Reshape, Flatten, Squeeze, Unsqueeze, Identity, inference Dropout and a
// Cast to the same type give a constant that shares the input's data
// (lazy when the input is). A float32 result larger than
// Options.LazyFoldElements whose shape is known becomes a lazy constant,
// evaluated when the executor loads it; others are evaluated now with
// Options.Eval. A result larger than Options.MaxFoldElements, or eager
// results totalling more than Options.MaxFoldTotal, is an error. Nodes the
// evaluator does not support (graph.ErrUnsupported), random generators
// and convolution-like nodes on large inputs are left alone.
func ConstFold(g *graph.Graph, o *Options) error {
	f := &folder{g: g, o: o, eval: o.eval(), e: newEdit(g)}
	if err := graph.InferShapesWith(g, graph.ShapeOptions{After: f.after}); err != nil {
		return err
	}
	if f.folded > 0 {
		g.Logf("%s: %d nodes folded into constants", PassConstFold, f.folded)
	}
	return f.e.apply()
}

type folder struct {
	g      *graph.Graph
	o      *Options
	eval   EvalFunc
	e      *edit
	total  int // elements folded eagerly
	folded int // nodes folded
}

// after folds n once shape inference has given its outputs' shapes.
func (f *folder) after(n *graph.Node) error {
	ok, err := f.fold(n)
	if ok {
		f.folded++
	}
	return err
}

// random operators are never folded: each run draws anew.
var random = map[string]bool{
	"RandomNormal": true, "RandomNormalLike": true, "RandomUniform": true,
	"RandomUniformLike": true, "Multinomial": true, "Bernoulli": true,
}

// heavy operators cost more than their output's size; they fold only when
// every input is small.
var heavy = map[string]bool{
	"Conv": true, graph.OpConv: true, "ConvTranspose": true, "MatMul": true, "Gemm": true,
	"MaxPool": true, "AveragePool": true, "Einsum": true, "ConvInteger": true, "MatMulInteger": true,
}

const heavyInput = 1 << 12

// fold folds n when it can, reporting whether it did.
func (f *folder) fold(n *graph.Node) (bool, error) {
	if n.Op == "" || random[n.Op] || len(n.Outputs) == 0 {
		return false, nil
	}
	switch n.Op {
	case "Shape", "Size":
		return f.foldShape(n)
	}
	if len(n.Inputs) == 0 && n.Op != "Constant" {
		return false, nil
	}
	for _, in := range n.Inputs {
		if in != nil && !in.IsConst() {
			return false, nil
		}
		if in != nil && heavy[n.Op] && in.Const.Len() > heavyInput {
			return false, nil
		}
	}
	if t, ok, err := f.view(n); err != nil || ok {
		if ok {
			f.setConst(n, t)
		}
		return ok, err
	}
	if err := f.precheck(n); err != nil {
		return false, err
	}
	if t := f.lazy(n); t != nil {
		if err := f.count(n, t.Len(), false); err != nil {
			return false, err
		}
		f.setConst(n, t)
		return true, nil
	}
	return f.eager(n)
}

// setConst makes n's outputs the given constants and removes n.
func (f *folder) setConst(n *graph.Node, ts ...*graph.Tensor) {
	var drop []*graph.Value
	for i, v := range n.Outputs {
		if i >= len(ts) {
			drop = append(drop, v)
			continue
		}
		v.Const, v.Producer = ts[i], nil
		v.DType, v.Shape = ts[i].DType, slices.Clone(ts[i].Shape)
	}
	f.e.kill(n, drop...)
}

// foldShape folds a Shape or Size node of a static shape.
func (f *folder) foldShape(n *graph.Node) (bool, error) {
	x := n.Input(0)
	if x == nil || !static(x.Shape) || len(n.Outputs) != 1 {
		return false, nil
	}
	if n.Op == "Size" {
		if err := n.CheckAttrs(); err != nil {
			return false, err
		}
		f.setConst(n, graph.Ints(nil, []int64{int64(graph.NumElements(x.Shape))}))
		return true, nil
	}
	if err := n.CheckAttrs("start", "end"); err != nil {
		return false, err
	}
	r := int64(len(x.Shape))
	clamp := func(name string, def int64) (int64, error) {
		v, err := n.Int(name, def)
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r), err
	}
	start, err := clamp("start", 0)
	if err != nil {
		return false, err
	}
	end, err := clamp("end", r)
	if err != nil {
		return false, err
	}
	dims := []int64{}
	for _, d := range x.Shape[start:max(start, end)] {
		dims = append(dims, int64(d))
	}
	f.setConst(n, graph.Ints([]int{len(dims)}, dims))
	return true, nil
}

// view returns a constant that shares the data of n's input when n only
// relabels it (same elements in the same order).
func (f *folder) view(n *graph.Node) (*graph.Tensor, bool, error) {
	for _, extra := range n.Outputs[1:] {
		if len(extra.Users) > 0 || f.e.isOutput(extra) {
			return nil, false, nil
		}
	}
	in := n.Input(0)
	if in == nil {
		return nil, false, nil
	}
	shape := n.Outputs[0].Shape
	switch n.Op {
	case "Identity":
		shape = in.Const.Shape
	case "Dropout":
		if ok, err := dropoutNoOp(n); !ok || err != nil {
			return nil, false, err
		}
		shape = in.Const.Shape
	case "Cast":
		to, err := n.Int("to", 0)
		if dt, ok := onnxType(to); err != nil || !ok || dt != in.Const.DType {
			return nil, false, nil
		}
		shape = in.Const.Shape
	case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
		if !static(shape) || graph.NumElements(shape) != in.Const.Len() {
			return nil, false, nil
		}
	default:
		return nil, false, nil
	}
	return viewAs(in.Const, shape), true, nil
}

// viewAs returns a tensor of shape over t's data, loading lazily when t
// does.
func viewAs(t *graph.Tensor, shape []int) *graph.Tensor {
	v := *t
	v.Shape = slices.Clone(shape)
	if t.Load != nil {
		v.Load = func() (*graph.Tensor, error) {
			d, err := materialize(t)
			if err != nil {
				return nil, err
			}
			w := *d
			w.Shape = v.Shape
			w.Load = nil
			return &w, nil
		}
	}
	return &v
}

// materialize returns t with its data: t itself, or what its Load returns,
// checked against t's type and length.
func materialize(t *graph.Tensor) (*graph.Tensor, error) {
	if t.F32 != nil || t.I64 != nil || t.I8 != nil || t.I32 != nil || t.Load == nil {
		if n := dataLen(t); n != t.Len() && t.Load == nil {
			return nil, fmt.Errorf("%w: constant of shape %v holds %d elements", graph.ErrInvalid, t.Shape, n)
		}
		return t, nil
	}
	d, err := t.Load()
	if err != nil {
		return nil, err
	}
	if d == nil || d.DType != t.DType || dataLen(d) != t.Len() {
		return nil, fmt.Errorf("%w: constant loader returned another type or size", graph.ErrInvalid)
	}
	return d, nil
}

// dataLen is the number of elements t's data fields hold.
func dataLen(t *graph.Tensor) int {
	switch t.DType {
	case graph.Float32:
		return len(t.F32)
	case graph.Int64:
		return len(t.I64)
	case graph.Uint8, graph.Int8:
		return len(t.I8)
	case graph.Int32:
		return len(t.I32)
	}
	return -1
}

// inputs returns n's input constants with their data.
func inputs(n *graph.Node) ([]*graph.Tensor, error) {
	ts := make([]*graph.Tensor, len(n.Inputs))
	for i, in := range n.Inputs {
		if in == nil {
			continue
		}
		t, err := materialize(in.Const)
		if err != nil {
			return nil, n.Errorf("input %d: %v", i, err)
		}
		ts[i] = t
	}
	return ts, nil
}

// lazy returns a lazy constant for n's single float32 output when its
// shape is known and it is larger than the lazy threshold, else nil.
func (f *folder) lazy(n *graph.Node) *graph.Tensor {
	lim := f.o.lazyFold()
	out := n.Outputs[0]
	if lim < 0 || len(n.Outputs) != 1 || !static(out.Shape) || out.DType != graph.Float32 ||
		graph.NumElements(out.Shape) <= lim {
		return nil
	}
	// A copy of the node for the loader: the graph's node loses its
	// inputs when it is removed.
	snap := &graph.Node{Name: n.Name, Op: n.Op, Inputs: slices.Clone(n.Inputs),
		Outputs: slices.Clone(n.Outputs), Attrs: n.Attrs.Clone(), Source: n.Source}
	consts := make([]*graph.Tensor, len(n.Inputs))
	for i, in := range n.Inputs {
		if in != nil {
			consts[i] = in.Const
		}
	}
	shape, eval := slices.Clone(out.Shape), f.eval
	t := &graph.Tensor{DType: graph.Float32, Shape: shape}
	t.Load = func() (*graph.Tensor, error) {
		ts := make([]*graph.Tensor, len(consts))
		for i, c := range consts {
			if c == nil {
				continue
			}
			d, err := materialize(c)
			if err != nil {
				return nil, snap.Errorf("input %d: %v", i, err)
			}
			ts[i] = d
		}
		res, err := eval(snap, ts)
		if err != nil {
			return nil, err
		}
		if len(res) != 1 || res[0] == nil || res[0].DType != graph.Float32 ||
			!slices.Equal(res[0].Shape, shape) || len(res[0].F32) != graph.NumElements(shape) {
			return nil, snap.Errorf("folded to another type or shape than inferred (%v)", shape)
		}
		return res[0], nil
	}
	return t
}

// eager evaluates n now.
func (f *folder) eager(n *graph.Node) (bool, error) {
	ts, err := inputs(n)
	if err != nil {
		return false, err
	}
	res, err := f.eval(n, ts)
	if errors.Is(err, graph.ErrUnsupported) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%v: folding: %w", n, err)
	}
	if len(res) != len(n.Outputs) {
		return false, n.Errorf("evaluated to %d outputs, want %d", len(res), len(n.Outputs))
	}
	for _, t := range res {
		if t == nil || dataLen(t) != t.Len() {
			return false, n.Errorf("evaluated to a malformed tensor")
		}
		if err := f.count(n, t.Len(), true); err != nil {
			return false, err
		}
	}
	f.setConst(n, res...)
	return true, nil
}

// count checks a folded tensor of k elements against the limits, adding
// it to the total when it is held eagerly.
func (f *folder) count(n *graph.Node, k int, eager bool) error {
	if k < 0 || k > f.o.maxFold() {
		return n.Unsupportedf("folded constant of %d elements (limit %d)", k, f.o.maxFold())
	}
	if eager {
		f.total += k
		if f.total > f.o.maxTotal() {
			return n.Unsupportedf("folded constants total over %d elements", f.o.maxTotal())
		}
	}
	return nil
}
