package graph

import (
	"fmt"
	"math"
	"slices"
)

// SliceRange is what a Slice node does on one axis: the elements Start,
// Start+Step, ... (Count of them).
type SliceRange struct {
	Axis, Start, Step, Count int
}

// Slices returns the ranges a Slice node (data, starts, ends, axes, steps;
// all but data constant) selects from an input of the given shape, one per
// sliced axis, with ONNX's clamping: negative starts and ends count from
// the end, and out-of-range ones are clamped (to [0, dim] for positive
// steps, [-1, dim-1] for negative).
func Slices(n *Node, shape []int) ([]SliceRange, error) {
	r := len(shape)
	starts, err := constInts(n, 1, MaxRank)
	if err != nil {
		return nil, err
	}
	ends, err := constInts(n, 2, MaxRank)
	if err != nil {
		return nil, err
	}
	axes, err := constInts(n, 3, MaxRank)
	if err != nil {
		return nil, err
	}
	steps, err := constInts(n, 4, MaxRank)
	if err != nil {
		return nil, err
	}
	if starts == nil || ends == nil || len(starts) != len(ends) ||
		(axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, n.Errorf("starts %v, ends %v, axes %v, steps %v do not match", starts, ends, axes, steps)
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	ax, err := normAxes(n, axes, r)
	if err != nil {
		return nil, err
	}
	out := make([]SliceRange, len(ax))
	for i, a := range ax {
		step := int64(1)
		if steps != nil {
			step = steps[i]
		}
		if step == 0 {
			return nil, n.Errorf("step 0 on axis %d", a)
		}
		out[i] = sliceRange(a, shape[a], starts[i], ends[i], step)
	}
	return out, nil
}

func sliceRange(axis, dim int, start, end, step int64) SliceRange {
	d := int64(dim)
	// |step| beyond 2*MaxElements selects at most one element either way;
	// clamping it keeps the arithmetic below in range.
	step = max(-2*MaxElements, min(step, 2*MaxElements))
	if start < 0 {
		start = max(start, -d-1) + d
	}
	if end < 0 {
		end = max(end, -d-1) + d
	}
	var count int64
	if step > 0 {
		start, end = min(max(start, 0), d), min(max(end, 0), d)
		if end > start {
			count = (end - start + step - 1) / step
		}
	} else {
		start, end = min(max(start, 0), d-1), min(max(end, -1), d-1)
		if start > end {
			count = (start - end - step - 1) / -step
		}
	}
	return SliceRange{Axis: axis, Start: int(start), Step: int(step), Count: int(count)}
}

func inferSlice(n *Node) error {
	if err := arity(n, 3, 5, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	rs, err := Slices(n, x.Shape)
	if err != nil {
		return err
	}
	out := slices.Clone(x.Shape)
	for _, s := range rs {
		out[s.Axis] = s.Count
	}
	return setOut(n, 0, x.DType, out)
}

// Pads returns the padding a Pad node (data, pads, constant_value, axes)
// adds before and after each axis of an input of rank r (negative: removed).
func Pads(n *Node, r int) (begin, end []int, err error) {
	raw, err := constInts(n, 1, 2*MaxRank)
	if err != nil {
		return nil, nil, err
	}
	axesRaw, err := constInts(n, 3, MaxRank)
	if err != nil {
		return nil, nil, err
	}
	if axesRaw == nil {
		for i := range r {
			axesRaw = append(axesRaw, int64(i))
		}
	}
	axes, err := normAxes(n, axesRaw, r)
	if err != nil {
		return nil, nil, err
	}
	if len(raw) != 2*len(axes) {
		return nil, nil, n.Errorf("pads %v for %d axes", raw, len(axes))
	}
	begin, end = make([]int, r), make([]int, r)
	for i, a := range axes {
		b, e := raw[i], raw[len(axes)+i]
		if b < -MaxElements || b > MaxElements || e < -MaxElements || e > MaxElements {
			return nil, nil, n.Errorf("pads %v out of range", raw)
		}
		begin[a], end[a] = int(b), int(e)
	}
	return begin, end, nil
}

func inferPad(n *Node) error {
	if err := arity(n, 2, 4, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	if v := n.Input(2); v != nil && (v.DType != x.DType || NumElements(v.Shape) != 1) {
		return n.Errorf("constant_value %s must be a %v scalar", v, x.DType)
	}
	b, e, err := Pads(n, len(x.Shape))
	if err != nil {
		return err
	}
	out := slices.Clone(x.Shape)
	for i := range out {
		out[i] += b[i] + e[i]
		if out[i] < 0 {
			return n.Errorf("pads remove more than axis %d of %v holds", i, x.Shape)
		}
	}
	return setOut(n, 0, x.DType, out)
}

// constShape reads constant input i as a shape (1-D int64, entries in [0,
// MaxElements]).
func constShape(n *Node, i int) ([]int, error) {
	raw, err := constInts(n, i, MaxRank)
	if err != nil {
		return nil, err
	}
	if raw == nil || len(n.Inputs[i].Shape) != 1 {
		return nil, n.Errorf("input %d must be a 1-D shape", i)
	}
	s := make([]int, len(raw))
	for j, d := range raw {
		if d < 0 || d > MaxElements {
			return nil, n.Unsupportedf("shape %v out of range", raw)
		}
		s[j] = int(d)
	}
	return s, nil
}

func inferExpand(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	s, err := constShape(n, 1)
	if err != nil {
		return err
	}
	out, ok := Broadcast(x.Shape, s)
	if !ok {
		return n.Errorf("cannot expand %v to %v", x.Shape, s)
	}
	return setOut(n, 0, x.DType, out)
}

func inferGather(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	if err := wantType(n, 1, Int64); err != nil {
		return err
	}
	x, idx := n.Inputs[0], n.Inputs[1]
	axis64, err := n.Int("axis", 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(n, axis64, len(x.Shape))
	if err != nil {
		return err
	}
	out := slices.Concat(x.Shape[:axis], idx.Shape, x.Shape[axis+1:])
	return setOut(n, 0, x.DType, out)
}

// ConstantValue returns the tensor a Constant node holds, from whichever
// of its attributes value, value_float(s), value_int(s) is set.
func ConstantValue(n *Node) (*Tensor, error) {
	if len(n.Attrs) != 1 {
		return nil, n.Unsupportedf("wants exactly one attribute of value, value_float, value_floats, value_int, value_ints")
	}
	for k, a := range n.Attrs {
		switch {
		case k == "value" && a.Kind == AttrTensor && a.Tensor != nil:
			return a.Tensor, nil
		case k == "value_float" && a.Kind == AttrFloat:
			return Floats([]int{}, []float32{a.Float}), nil
		case k == "value_floats" && a.Kind == AttrFloats:
			return Floats([]int{len(a.Floats)}, a.Floats), nil
		case k == "value_int" && a.Kind == AttrInt:
			return Ints([]int{}, []int64{a.Int}), nil
		case k == "value_ints" && a.Kind == AttrInts:
			return Ints([]int{len(a.Ints)}, a.Ints), nil
		}
		return nil, n.Unsupportedf("attribute %q (supported: value, value_float, value_floats, value_int, value_ints)", k)
	}
	return nil, nil
}

func inferConstant(n *Node) error {
	if err := arity(n, 0, 0, 1); err != nil {
		return err
	}
	t, err := ConstantValue(n)
	if err != nil {
		return err
	}
	if t.DType != Float32 && t.DType != Int64 {
		return n.Unsupportedf("constant of type %v (supported: float32, int64)", t.DType)
	}
	return setOut(n, 0, t.DType, t.Shape)
}

// ShapeRange returns the dims [start, end) a Shape node of input rank r
// reports, its attributes normalised and clamped as ONNX says.
func ShapeRange(n *Node, r int) (start, end int, err error) {
	s, err := n.Int("start", 0)
	if err != nil {
		return 0, 0, err
	}
	e, err := n.Int("end", int64(r))
	if err != nil {
		return 0, 0, err
	}
	clamp := func(a int64) int {
		if a < 0 {
			a += int64(r)
		}
		return int(min(max(a, 0), int64(r)))
	}
	start, end = clamp(s), clamp(e)
	return start, max(start, end), nil
}

func inferShape(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	s, e, err := ShapeRange(n, len(n.Inputs[0].Shape))
	if err != nil {
		return err
	}
	return setOut(n, 0, Int64, []int{e - s})
}

func inferSize(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	return setOut(n, 0, Int64, []int{})
}

// FillValue returns the value a ConstantOfShape node fills with: its
// "value" attribute (one element, float32 or int64), or float32 0.
func FillValue(n *Node) (*Tensor, error) {
	a, ok := n.Attrs["value"]
	if !ok {
		return Floats([]int{1}, []float32{0}), nil
	}
	if a.Kind != AttrTensor || a.Tensor == nil || a.Tensor.Len() != 1 ||
		(a.Tensor.DType != Float32 && a.Tensor.DType != Int64) {
		return nil, n.Unsupportedf("value must be a one-element float32 or int64 tensor")
	}
	return a.Tensor, nil
}

func inferConstantOfShape(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	s, err := constShape(n, 0)
	if err != nil {
		return err
	}
	v, err := FillValue(n)
	if err != nil {
		return err
	}
	return setOut(n, 0, v.DType, s)
}

// RangeCount returns the number of elements of Range(start, limit, delta):
// max(ceil((limit-start)/delta), 0), computed without overflow; an error
// for delta 0, NaN, or a count above MaxElements.
func RangeCount(start, limit, delta float64) (int, error) {
	if delta == 0 || math.IsNaN(start) || math.IsNaN(limit) || math.IsNaN(delta) {
		return 0, fmtErr(ErrInvalid, "Range(%v, %v, %v)", start, limit, delta)
	}
	c := math.Ceil((limit - start) / delta)
	if c > MaxElements {
		return 0, fmtErr(ErrUnsupported, "Range(%v, %v, %v) exceeds %d elements", start, limit, delta, MaxElements)
	}
	return int(max(c, 0)), nil
}

// RangeCountInt is RangeCount for int64 operands, exact.
func RangeCountInt(start, limit, delta int64) (int, error) {
	var diff, d uint64
	switch {
	case delta == 0:
		return 0, fmtErr(ErrInvalid, "Range with delta 0")
	case delta > 0 && limit > start:
		diff, d = uint64(limit)-uint64(start), uint64(delta)
	case delta < 0 && start > limit:
		diff, d = uint64(start)-uint64(limit), -uint64(delta)
	default:
		return 0, nil
	}
	c := diff / d
	if diff%d != 0 {
		c++
	}
	if c > MaxElements {
		return 0, fmtErr(ErrUnsupported, "Range(%d, %d, %d) exceeds %d elements", start, limit, delta, MaxElements)
	}
	return int(c), nil
}

func inferRange(n *Node) error {
	if err := arity(n, 3, 3, 1); err != nil {
		return err
	}
	dt := n.Inputs[0].DType
	var count int
	switch dt {
	case Int64:
		var v [3]int64
		for i := range v {
			d, err := constInts(n, i, 1)
			if err != nil {
				return err
			}
			if len(d) != 1 {
				return n.Errorf("input %d must be a scalar", i)
			}
			v[i] = d[0]
		}
		c, err := RangeCountInt(v[0], v[1], v[2])
		if err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
		count = c
	case Float32:
		var v [3]float64
		for i := range v {
			t, err := n.ConstInput(i)
			if err != nil {
				return err
			}
			d, err := t.Float32s()
			if err != nil || len(d) != 1 {
				return n.Errorf("input %d must be a float32 scalar", i)
			}
			v[i] = float64(d[0])
		}
		c, err := RangeCount(v[0], v[1], v[2])
		if err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
		count = c
	default:
		return n.Unsupportedf("Range of %v (supported: float32, int64)", dt)
	}
	return setOut(n, 0, dt, []int{count})
}
