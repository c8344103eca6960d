package eval

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// Default limits (see Options).
const (
	DefaultMaxElements = 1 << 26
	DefaultMaxWork     = 1<<31 - 1
)

// Options bound what the evaluator does. The zero value uses the defaults.
type Options struct {
	// MaxElements caps the number of elements of any tensor the evaluator
	// creates (0: DefaultMaxElements).
	MaxElements int
	// MaxWork caps the multiply-adds (or element visits) of one node
	// (0: DefaultMaxWork).
	MaxWork int
}

func (o Options) maxElements() int {
	if o.MaxElements > 0 {
		return o.MaxElements
	}
	return DefaultMaxElements
}

func (o Options) maxWork() int {
	if o.MaxWork > 0 {
		return o.MaxWork
	}
	return DefaultMaxWork
}

// Tensor is a value during evaluation: Float32 values are held in F as
// float64, Int64 values in I (BOOL is Int64 0/1, as in the IR).
type Tensor struct {
	DType graph.DType
	Shape []int
	F     []float64
	I     []int64
}

// Len is the number of elements.
func (t *Tensor) Len() int { return graph.NumElements(t.Shape) }

// NewFloat returns a Float32 tensor of the given shape and data.
func NewFloat(shape []int, data []float64) *Tensor {
	return &Tensor{DType: graph.Float32, Shape: slices.Clone(shape), F: data}
}

// NewInt returns an Int64 tensor of the given shape and data.
func NewInt(shape []int, data []int64) *Tensor {
	return &Tensor{DType: graph.Int64, Shape: slices.Clone(shape), I: data}
}

// FromGraph converts a graph tensor (loading lazy data) into a Tensor.
func FromGraph(t *graph.Tensor) (*Tensor, error) {
	switch t.DType {
	case graph.Float32:
		d, err := t.Float32s()
		if err != nil {
			return nil, err
		}
		f := make([]float64, len(d))
		for i, v := range d {
			f[i] = float64(v)
		}
		return NewFloat(t.Shape, f), nil
	case graph.Int64:
		d, err := t.Int64s()
		if err != nil {
			return nil, err
		}
		return NewInt(t.Shape, slices.Clone(d)), nil
	case graph.Uint8, graph.Int8:
		d, err := t.Int8s()
		if err != nil {
			return nil, err
		}
		out := &Tensor{DType: t.DType, Shape: slices.Clone(t.Shape), I: make([]int64, len(d))}
		for i, v := range d {
			if t.DType == graph.Uint8 {
				out.I[i] = int64(uint8(v))
			} else {
				out.I[i] = int64(v)
			}
		}
		return out, nil
	case graph.Int32:
		d, err := t.Int32s()
		if err != nil {
			return nil, err
		}
		out := &Tensor{DType: t.DType, Shape: slices.Clone(t.Shape), I: make([]int64, len(d))}
		for i, v := range d {
			out.I[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: eval: %v tensor (supported: float32, int64, uint8, int8, int32)", graph.ErrUnsupported, t.DType)
}

// Graph converts t into a graph tensor, rounding floats to float32.
func (t *Tensor) Graph() *graph.Tensor {
	switch t.DType {
	case graph.Int64:
		return graph.Ints(nonNil(t.Shape), slices.Clone(t.I))
	case graph.Uint8, graph.Int8:
		out := &graph.Tensor{DType: t.DType, Shape: nonNil(t.Shape), I8: make([]int8, len(t.I))}
		for i, v := range t.I {
			out.I8[i] = int8(v)
		}
		return out
	case graph.Int32:
		out := &graph.Tensor{DType: t.DType, Shape: nonNil(t.Shape), I32: make([]int32, len(t.I))}
		for i, v := range t.I {
			out.I32[i] = int32(v)
		}
		return out
	}
	f := make([]float32, len(t.F))
	for i, v := range t.F {
		f[i] = float32(v)
	}
	return graph.Floats(nonNil(t.Shape), f)
}

func nonNil(s []int) []int { return append(make([]int, 0, len(s)), s...) }

// Node evaluates n on graph tensors with the default options.
func Node(n *graph.Node, in []*graph.Tensor) ([]*graph.Tensor, error) {
	return Options{}.Node(n, in)
}

// Node evaluates n on in (one entry per input slot, nil for an omitted
// one) and returns one tensor per output, floats rounded to float32. For
// Shape and Size, an input may carry only its Shape (no data).
func (o Options) Node(n *graph.Node, in []*graph.Tensor) ([]*graph.Tensor, error) {
	ts := make([]*Tensor, len(in))
	for i, t := range in {
		if t == nil {
			continue
		}
		if n.Op == "Shape" || n.Op == "Size" {
			ts[i] = &Tensor{DType: t.DType, Shape: slices.Clone(t.Shape)}
			continue
		}
		if graph.NumElements(t.Shape) > o.maxElements() {
			return nil, n.Unsupportedf("input %d has shape %v, more than %d elements", i, t.Shape, o.maxElements())
		}
		c, err := FromGraph(t)
		if err != nil {
			return nil, n.Errorf("input %d: %v", i, err)
		}
		ts[i] = c
	}
	out, err := o.Eval(n, ts)
	if err != nil {
		return nil, err
	}
	res := make([]*graph.Tensor, len(out))
	for i, t := range out {
		res[i] = t.Graph()
	}
	return res, nil
}

// Eval evaluates n on float64 tensors (nil for an omitted input) and
// returns one tensor per output of n.
func (o Options) Eval(n *graph.Node, in []*Tensor) ([]*Tensor, error) {
	f, ok := ops[n.Op]
	if !ok {
		return nil, n.Unsupportedf("eval: operator %s is not supported", n.Op)
	}
	if len(in) != len(n.Inputs) {
		return nil, n.Errorf("eval: %d inputs given for %d slots", len(in), len(n.Inputs))
	}
	for i, t := range in {
		if t == nil {
			continue
		}
		if len(t.Shape) > graph.MaxRank {
			return nil, n.Unsupportedf("input %d has rank %d", i, len(t.Shape))
		}
		if n.Op == "Shape" || n.Op == "Size" {
			continue
		}
		if (t.DType == graph.Float32 && len(t.F) != t.Len()) || (t.DType != graph.Float32 && len(t.I) != t.Len()) ||
			(t.DType != graph.Float32 && t.DType != graph.Int64 && !quantTypes[t.DType]) {
			return nil, n.Errorf("eval: input %d (%v, shape %v) does not hold its data", i, t.DType, t.Shape)
		}
	}
	c := &ctx{o: o, n: n}
	if len(in) > 0 && in[0] != nil && directOps[n.Op] && (in[0].DType == graph.Uint8 || in[0].DType == graph.Int8) {
		return c.direct(f, in)
	}
	out, err := f(c, in)
	if err != nil {
		return nil, err
	}
	if len(out) < len(n.Outputs) {
		// Optional outputs (Dropout's mask) are produced by the op itself;
		// anything missing here is a bug in the evaluator.
		return nil, n.Errorf("eval: %d outputs computed for %d", len(out), len(n.Outputs))
	}
	return out[:len(n.Outputs)], nil
}

// Run evaluates g on inputs (by graph input name) with the default
// options and returns every graph output by name.
func Run(g *graph.Graph, inputs map[string]*Tensor) (map[string]*Tensor, error) {
	return Options{}.Run(g, inputs)
}

// Run evaluates g on inputs (by graph input name) and returns every graph
// output by name. It sorts g.
func (o Options) Run(g *graph.Graph, inputs map[string]*Tensor) (map[string]*Tensor, error) {
	if err := g.Sort(); err != nil {
		return nil, err
	}
	vals := map[*graph.Value]*Tensor{}
	for _, v := range g.Inputs {
		t, ok := inputs[v.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("%w: eval: graph input %s not given", graph.ErrInvalid, v)
		}
		vals[v] = t
	}
	get := func(v *graph.Value) (*Tensor, error) {
		if t, ok := vals[v]; ok {
			return t, nil
		}
		if v.Const == nil {
			return nil, fmt.Errorf("%w: eval: value %s is not computed", graph.ErrInvalid, v)
		}
		if graph.NumElements(v.Const.Shape) > o.maxElements() {
			return nil, fmt.Errorf("%w: eval: constant %s of shape %v is too large", graph.ErrUnsupported, v, v.Const.Shape)
		}
		t, err := FromGraph(v.Const)
		if err != nil {
			return nil, fmt.Errorf("constant %s: %w", v, err)
		}
		vals[v] = t
		return t, nil
	}
	for _, n := range g.Nodes {
		in := make([]*Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v == nil {
				continue
			}
			t, err := get(v)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			in[i] = t
		}
		out, err := o.Eval(n, in)
		if err != nil {
			return nil, err
		}
		for i, v := range n.Outputs {
			vals[v] = out[i]
		}
	}
	res := map[string]*Tensor{}
	for _, v := range g.Outputs {
		t, err := get(v)
		if err != nil {
			return nil, err
		}
		res[v.Name] = t
	}
	return res, nil
}

// ctx is one node's evaluation.
type ctx struct {
	o Options
	n *graph.Node
}

// alloc returns a zeroed tensor of dt and shape after checking its size.
func (c *ctx) alloc(dt graph.DType, shape []int) (*Tensor, error) {
	if len(shape) > graph.MaxRank {
		return nil, c.n.Unsupportedf("eval: output rank %d exceeds %d", len(shape), graph.MaxRank)
	}
	for _, d := range shape {
		if d < 0 {
			return nil, c.n.Errorf("eval: negative dimension in %v", shape)
		}
	}
	if l := graph.NumElements(shape); l > c.o.maxElements() {
		return nil, c.n.Unsupportedf("eval: output shape %v exceeds %d elements", shape, c.o.maxElements())
	}
	t := &Tensor{DType: dt, Shape: nonNil(shape)}
	if dt != graph.Float32 {
		t.I = make([]int64, t.Len())
	} else {
		t.F = make([]float64, t.Len())
	}
	return t, nil
}

// work refuses a computation of more than MaxWork steps; the factors are
// multiplied without overflow.
func (c *ctx) work(factors ...int) error {
	w := graph.NumElements(factors)
	if w < 0 || w > c.o.maxWork() {
		return c.n.Unsupportedf("eval: %v steps exceed the limit of %d", factors, c.o.maxWork())
	}
	return nil
}

// strides returns the row-major strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// unravel writes the multi-index of flat offset off in shape into idx.
func unravel(off int, shape, idx []int) {
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 0 {
			idx[i] = 0
			continue
		}
		idx[i] = off % shape[i]
		off /= shape[i]
	}
}

// bcastOffset is the offset in a tensor of shape in of the element that
// multi-index idx of the (broadcast) output reads: axes aligned at the
// right, size-1 axes repeated.
func bcastOffset(idx, in []int) int {
	off, acc := 0, 1
	for i := len(in) - 1; i >= 0; i-- {
		j := len(idx) - len(in) + i
		if in[i] != 1 {
			off += idx[j] * acc
		}
		acc *= in[i]
	}
	return off
}

// value returns element i of t as float64 (Int64 converted).
func (t *Tensor) value(i int) float64 {
	if t.DType != graph.Float32 {
		return float64(t.I[i])
	}
	return t.F[i]
}

// scalarF returns the single element of t as float64, def when t is nil.
func (c *ctx) scalarF(t *Tensor, def float64) (float64, error) {
	if t == nil {
		return def, nil
	}
	if t.Len() != 1 {
		return 0, c.n.Errorf("eval: want a scalar, got shape %v", t.Shape)
	}
	return t.value(0), nil
}

// ints returns the int64 elements of t (a shape, axes, pads ...).
func (c *ctx) ints(t *Tensor, what string) ([]int64, error) {
	if t == nil {
		return nil, nil
	}
	if t.DType != graph.Int64 || len(t.Shape) > 1 {
		return nil, c.n.Errorf("eval: %s must be a 1-D int64 tensor, got %v %v", what, t.DType, t.Shape)
	}
	return t.I, nil
}

// axis normalises a in [-r, r).
func (c *ctx) axis(a int64, r int) (int, error) {
	if a < -int64(r) || a >= int64(r) {
		return 0, c.n.Errorf("eval: axis %d out of range for rank %d", a, r)
	}
	if a < 0 {
		a += int64(r)
	}
	return int(a), nil
}

// axes normalises distinct axes for rank r.
func (c *ctx) axes(as []int64, r int) ([]int, error) {
	out := make([]int, 0, len(as))
	for _, a := range as {
		ax, err := c.axis(a, r)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, ax) {
			return nil, c.n.Errorf("eval: axis %d repeated", a)
		}
		out = append(out, ax)
	}
	return out, nil
}

func isNaN(v float64) bool { return math.IsNaN(v) }
