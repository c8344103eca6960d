package eval

import (
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

var shapeOps = map[string]opFunc{
	"Flatten": flatten, "Reshape": reshape, "Squeeze": squeeze, "Unsqueeze": unsqueeze,
	"Transpose": transpose, "Concat": concat, "Slice": slice, "Pad": pad,
	"Expand": expand, "Gather": gather, "Constant": constant, "Shape": shapeOp,
	"Size": size, "ConstantOfShape": constantOfShape, "Range": rangeOp,
}

// reshaped returns x's data under a new shape (a copy).
func (c *ctx) reshaped(x *Tensor, shape []int) ([]*Tensor, error) {
	if graph.NumElements(shape) != x.Len() {
		return nil, c.n.Errorf("eval: cannot view %v as %v", x.Shape, shape)
	}
	y, err := copyTensor(c, x)
	if err != nil {
		return nil, err
	}
	y.Shape = nonNil(shape)
	return []*Tensor{y}, nil
}

func flatten(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	a, err := c.n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	r := int64(len(x.Shape))
	if a < -r || a > r {
		return nil, c.n.Errorf("eval: axis %d for rank %d", a, r)
	}
	if a < 0 {
		a += r
	}
	return c.reshaped(x, []int{graph.NumElements(x.Shape[:a]), graph.NumElements(x.Shape[a:])})
}

func reshape(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, s, err := c.need2(in, graph.Undefined, graph.Int64)
	if err != nil {
		return nil, err
	}
	spec, err := c.ints(s, "shape")
	if err != nil {
		return nil, err
	}
	allowZero, _ := c.n.Int("allowzero", 0)
	if len(spec) > graph.MaxRank {
		return nil, c.n.Errorf("eval: shape %v too long", spec)
	}
	out := make([]int, len(spec))
	free := -1
	for i, d := range spec {
		switch {
		case d == 0 && allowZero == 0 && i < len(x.Shape):
			out[i] = x.Shape[i]
		case d == -1 && free < 0:
			free, out[i] = i, 1
		case d >= 0 && d <= maxAttr:
			out[i] = int(d)
		default:
			return nil, c.n.Errorf("eval: shape %v", spec)
		}
	}
	if free >= 0 {
		rest := graph.NumElements(out)
		if rest == 0 || x.Len()%rest != 0 {
			return nil, c.n.Errorf("eval: cannot reshape %v to %v", x.Shape, spec)
		}
		out[free] = x.Len() / rest
	}
	return c.reshaped(x, out)
}

func squeeze(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	var raw []int64
	if len(in) > 1 {
		if raw, err = c.ints(in[1], "axes"); err != nil {
			return nil, err
		}
	}
	axes, err := c.axes(raw, len(x.Shape))
	if err != nil {
		return nil, err
	}
	var out []int
	for i, d := range x.Shape {
		drop := slices.Contains(axes, i)
		if len(in) < 2 || in[1] == nil {
			drop = d == 1
		}
		if drop && d != 1 {
			return nil, c.n.Errorf("eval: axis %d of %v is not 1", i, x.Shape)
		}
		if !drop {
			out = append(out, d)
		}
	}
	return c.reshaped(x, out)
}

func unsqueeze(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, a, err := c.need2(in, graph.Undefined, graph.Int64)
	if err != nil {
		return nil, err
	}
	raw, err := c.ints(a, "axes")
	if err != nil {
		return nil, err
	}
	r := len(x.Shape) + len(raw)
	if r > graph.MaxRank {
		return nil, c.n.Unsupportedf("eval: rank %d", r)
	}
	axes, err := c.axes(raw, r)
	if err != nil {
		return nil, err
	}
	out := make([]int, r)
	j := 0
	for i := range out {
		if slices.Contains(axes, i) {
			out[i] = 1
		} else {
			out[i] = x.Shape[j]
			j++
		}
	}
	return c.reshaped(x, out)
}

// gatherFrom builds y by copying, for each output element, the input
// element src(multi-index) returns (an offset into x).
func (c *ctx) gatherFrom(x *Tensor, shape []int, src func(idx []int) (int, error)) (*Tensor, error) {
	y, err := c.alloc(x.DType, shape)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(shape))
	for i := range y.Len() {
		unravel(i, shape, idx)
		o, err := src(idx)
		if err != nil {
			return nil, err
		}
		if x.DType == graph.Int64 {
			y.I[i] = x.I[o]
		} else {
			y.F[i] = x.F[o]
		}
	}
	return y, nil
}

func transpose(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	raw, err := c.n.Ints("perm", nil)
	if err != nil {
		return nil, err
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = r - 1 - i
	}
	if raw != nil {
		if len(raw) != r {
			return nil, c.n.Errorf("eval: perm %v for rank %d", raw, r)
		}
		ax, err := c.axes(raw, r)
		if err != nil {
			return nil, err
		}
		for i, a := range ax {
			if raw[i] < 0 {
				return nil, c.n.Errorf("eval: perm %v", raw)
			}
			perm[i] = a
		}
	}
	out := make([]int, r)
	for i, p := range perm {
		out[i] = x.Shape[p]
	}
	st := strides(x.Shape)
	y, err := c.gatherFrom(x, out, func(idx []int) (int, error) {
		o := 0
		for i, p := range perm {
			o += idx[i] * st[p]
		}
		return o, nil
	})
	return []*Tensor{y}, err
}

func concat(c *ctx, in []*Tensor) ([]*Tensor, error) {
	if len(in) == 0 {
		return nil, c.n.Errorf("eval: no inputs")
	}
	first, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	a, err := c.n.Int("axis", 0)
	if err != nil {
		return nil, err
	}
	axis, err := c.axis(a, len(first.Shape))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(first.Shape)
	out[axis] = 0
	for i := range in {
		t, err := c.need(in, i, first.DType)
		if err != nil {
			return nil, err
		}
		if len(t.Shape) != len(out) {
			return nil, c.n.Errorf("eval: input %d has shape %v, input 0 %v", i, t.Shape, first.Shape)
		}
		for j, d := range t.Shape {
			if j != axis && d != out[j] {
				return nil, c.n.Errorf("eval: input %d has shape %v, input 0 %v", i, t.Shape, first.Shape)
			}
		}
		if out[axis] += t.Shape[axis]; out[axis] > maxAttr {
			return nil, c.n.Unsupportedf("eval: concatenation too long")
		}
	}
	y, err := c.alloc(first.DType, out)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(out))
	for i := range y.Len() {
		unravel(i, out, idx)
		k, at := 0, idx[axis]
		for at >= in[k].Shape[axis] {
			at -= in[k].Shape[axis]
			k++
		}
		src := slices.Clone(idx)
		src[axis] = at
		o := 0
		for j, s := range strides(in[k].Shape) {
			o += src[j] * s
		}
		if first.DType == graph.Int64 {
			y.I[i] = in[k].I[o]
		} else {
			y.F[i] = in[k].F[o]
		}
	}
	return []*Tensor{y}, nil
}

// sliceAxis clamps one axis of a Slice as ONNX defines it and returns the
// selected indices.
func sliceAxis(dim int, start, end, step int64) []int {
	d := int64(dim)
	step = max(-4*maxAttr, min(step, 4*maxAttr)) // no overflow of i below
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	var sel []int
	if step > 0 {
		start = min(max(start, 0), d)
		end = min(max(end, 0), d)
		for i := start; i < end; i += step {
			sel = append(sel, int(i))
		}
	} else {
		start = min(max(start, 0), d-1)
		end = min(max(end, -1), d-1)
		for i := start; i > end; i += step {
			sel = append(sel, int(i))
		}
	}
	return sel
}

func slice(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	var lists [4][]int64
	for i := range lists {
		if i+1 < len(in) {
			if lists[i], err = c.ints(in[i+1], "starts/ends/axes/steps"); err != nil {
				return nil, err
			}
		}
	}
	starts, ends, rawAxes, steps := lists[0], lists[1], lists[2], lists[3]
	if len(starts) != len(ends) || (rawAxes != nil && len(rawAxes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, c.n.Errorf("eval: starts %v ends %v axes %v steps %v", starts, ends, rawAxes, steps)
	}
	if rawAxes == nil {
		for i := range starts {
			rawAxes = append(rawAxes, int64(i))
		}
	}
	axes, err := c.axes(rawAxes, len(x.Shape))
	if err != nil {
		return nil, err
	}
	sel := make([][]int, len(x.Shape)) // nil: the whole axis
	out := slices.Clone(x.Shape)
	for i, a := range axes {
		step := int64(1)
		if steps != nil {
			step = steps[i]
		}
		if step == 0 {
			return nil, c.n.Errorf("eval: step 0")
		}
		sel[a] = sliceAxis(x.Shape[a], starts[i], ends[i], step)
		out[a] = len(sel[a])
	}
	st := strides(x.Shape)
	y, err := c.gatherFrom(x, out, func(idx []int) (int, error) {
		o := 0
		for i, v := range idx {
			if sel[i] != nil {
				v = sel[i][v]
			}
			o += v * st[i]
		}
		return o, nil
	})
	return []*Tensor{y}, err
}

func pad(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	if mode, _ := c.n.Str("mode", "constant"); mode != "constant" {
		return nil, c.n.Unsupportedf("eval: mode %q (supported: constant)", mode)
	}
	p, err := c.need(in, 1, graph.Int64)
	if err != nil {
		return nil, err
	}
	var axesIn, fill *Tensor
	if len(in) > 3 {
		axesIn = in[3]
	}
	if len(in) > 2 && in[2] != nil {
		if fill = in[2]; fill.DType != x.DType || fill.Len() != 1 {
			return nil, c.n.Errorf("eval: constant_value must be a %v scalar", x.DType)
		}
	}
	before, out, err := c.padding(x.Shape, p, axesIn)
	if err != nil {
		return nil, err
	}
	y, err := c.alloc(x.DType, out)
	if err != nil {
		return nil, err
	}
	if fill != nil {
		for i := range y.F {
			y.F[i] = fill.F[0]
		}
		for i := range y.I {
			y.I[i] = fill.I[0]
		}
	}
	st := strides(x.Shape)
	idx := make([]int, len(out))
	for i := range y.Len() {
		unravel(i, out, idx)
		o, inside := 0, true
		for j, v := range idx {
			v -= before[j]
			inside = inside && v >= 0 && v < x.Shape[j]
			o += v * st[j]
		}
		if !inside {
			continue
		}
		if x.DType == graph.Int64 {
			y.I[i] = x.I[o]
		} else {
			y.F[i] = x.F[o]
		}
	}
	return []*Tensor{y}, nil
}

// padding reads Pad's pads and axes inputs for an input of shape: the
// padding before each axis and the output shape.
func (c *ctx) padding(shape []int, p, axesIn *Tensor) (before, out []int, err error) {
	pads, err := c.ints(p, "pads")
	if err != nil {
		return nil, nil, err
	}
	r := len(shape)
	raw := make([]int64, r)
	for i := range raw {
		raw[i] = int64(i)
	}
	if axesIn != nil {
		if raw, err = c.ints(axesIn, "axes"); err != nil {
			return nil, nil, err
		}
	}
	axes, err := c.axes(raw, r)
	if err != nil {
		return nil, nil, err
	}
	if len(pads) != 2*len(axes) {
		return nil, nil, c.n.Errorf("eval: pads %v for %d axes", pads, len(axes))
	}
	before = make([]int, r)
	out = slices.Clone(shape)
	for i, a := range axes {
		b, e := pads[i], pads[len(axes)+i]
		if b < -maxAttr || b > maxAttr || e < -maxAttr || e > maxAttr || int64(out[a])+b+e < 0 {
			return nil, nil, c.n.Errorf("eval: pads %v for shape %v", pads, shape)
		}
		before[a] = int(b)
		out[a] += int(b + e)
	}
	return before, out, nil
}
