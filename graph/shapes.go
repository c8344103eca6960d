package graph

import (
	"slices"
)

// Size limits of shape inference. A hostile model can ask for any shape; these
// bounds keep every dimension and element count representable and the
// arithmetic on them overflow-free (sums and products of a few bounded
// numbers fit in an int), so that a size is refused before anything is
// allocated for it.
const (
	// MaxElements is the largest number of elements of any one tensor.
	MaxElements = 1<<31 - 1
	// MaxRank is the largest rank of any one tensor.
	MaxRank = 16
)

// ShapeOptions tune InferShapesWith.
type ShapeOptions struct {
	// After, when set, is called with each node once its outputs have their
	// types and shapes, before any later node is inferred. It may replace
	// the node's outputs by constants (constant folding: a later node that
	// needs a constant input, such as Reshape's shape, then finds one) and
	// remove the node. An error stops inference.
	After func(n *Node) error
}

// InferShapes sorts g and sets the DType and Shape of every node output, in
// topological order, from the graph inputs' shapes and the constants. It
// also normalises Conv, gorn.Conv, MaxPool and AveragePool: auto_pad is
// resolved into explicit "pads" (2 entries per spatial axis, all begins then
// all ends: [top, left, bottom, right] in 2-D) and removed, and
// "kernel_shape", "strides" and "dilations" are written out.
//
// Shapes that depend on the values of inputs (Reshape's shape, Slice's
// starts, Pad's pads, Expand, ConstantOfShape, Range, axes inputs) read the
// constants; when such an input is not constant the error wraps
// ErrUnsupported. Every error names the node. No tensor may exceed
// MaxElements elements or MaxRank dimensions.
func InferShapes(g *Graph) error { return InferShapesWith(g, ShapeOptions{}) }

// InferShapesWith is InferShapes with options.
func InferShapesWith(g *Graph, o ShapeOptions) error {
	if err := g.Sort(); err != nil {
		return err
	}
	for _, v := range g.Inputs {
		if v.Shape == nil {
			return fmtErr(ErrInvalid, "graph input %s has no shape", v)
		}
		if err := checkDims(v.Shape); err != nil {
			return fmtErr(ErrUnsupported, "graph input %s: %v", v, err)
		}
	}
	nodes := slices.Clone(g.Nodes) // After may remove nodes
	for _, n := range nodes {
		if n.Op == "" {
			continue
		}
		if err := InferNode(n); err != nil {
			return err
		}
		if o.After != nil {
			if err := o.After(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// InferNode sets the DType and Shape of n's outputs from its inputs', which
// must be known (constants, graph inputs, or outputs of inferred nodes). It
// normalises n's attributes as InferShapes does.
func InferNode(n *Node) error {
	f, ok := shapeFuncs[n.Op]
	if !ok {
		return n.Unsupportedf("operator %s (supported: %v)", n.Op, SupportedOps())
	}
	for i, v := range n.Inputs {
		if v == nil {
			continue
		}
		if v.Const != nil {
			v.DType = v.Const.DType
			v.Shape = nonNil(v.Const.Shape)
		}
		if v.Shape == nil {
			return n.Errorf("input %d (%s) has no shape yet", i, v)
		}
	}
	for _, o := range n.Outputs {
		if o == nil {
			return n.Errorf("has a missing output")
		}
	}
	return f(n)
}

var shapeFuncs map[string]func(*Node) error

func init() {
	shapeFuncs = map[string]func(*Node) error{
		"Conv": inferConv, OpConv: inferConv,
		"MaxPool": inferPool, "AveragePool": inferPool,
		"GlobalAveragePool": inferGlobalPool, "GlobalMaxPool": inferGlobalPool,
		"BatchNormalization": inferBatchNorm, OpScaleShift: inferScaleShift,

		"Relu": floatUnary, "LeakyRelu": floatUnary, "Sigmoid": floatUnary,
		"HardSigmoid": floatUnary, "HardSwish": floatUnary, "Tanh": floatUnary,
		"Sqrt": floatUnary, "Floor": floatUnary, "Ceil": floatUnary,
		"Clip": inferClip, "Neg": anyUnary, "Identity": anyUnary,
		"Dropout": inferDropout, "Cast": inferCast,

		"Add": inferBinary, "Sub": inferBinary, "Mul": inferBinary, "Div": inferBinary,
		"Pow": inferPow, "Min": inferVariadic, "Max": inferVariadic,
		"Equal": inferEqual, "Where": inferWhere,

		"ReduceMean": inferReduce, "ReduceMax": inferReduce,
		"Softmax": inferSoftmax, "LogSoftmax": inferSoftmax,
		"Gemm": inferGemm, "MatMul": inferMatMul,

		"Flatten": inferFlatten, "Reshape": inferReshape,
		"Squeeze": inferSqueeze, "Unsqueeze": inferUnsqueeze,
		"Transpose": inferTranspose, "Concat": inferConcat,
		"Slice": inferSlice, "Pad": inferPad, "Expand": inferExpand,
		"Gather": inferGather,

		"Constant": inferConstant, "Shape": inferShape, "Size": inferSize,
		"ConstantOfShape": inferConstantOfShape, "Range": inferRange,
	}
}

// nonNil returns a copy of s that is non-nil even when empty (a scalar's
// shape is known and empty; a nil shape means "not known").
func nonNil(s []int) []int {
	return append(make([]int, 0, len(s)), s...)
}

// checkDims reports a shape outside MaxRank and MaxElements.
func checkDims(s []int) error {
	if len(s) > MaxRank {
		return fmtErr(nil, "rank %d exceeds %d", len(s), MaxRank)
	}
	// The product in int64: NumElements saturates at math.MaxInt, which is
	// MaxElements itself where int has 32 bits. Each factor is at most
	// MaxElements and the running product stays at most MaxElements, so
	// no step overflows.
	n := int64(1)
	for _, d := range s {
		if d < 0 || d > MaxElements {
			return fmtErr(nil, "dimension %d of shape %v out of range [0, %d]", d, s, MaxElements)
		}
		if n *= int64(d); n > MaxElements {
			return fmtErr(nil, "shape %v has more than %d elements", s, MaxElements)
		}
	}
	return nil
}

// setOut sets output i of n, after checking the shape's size.
func setOut(n *Node, i int, dt DType, shape []int) error {
	if i >= len(n.Outputs) {
		return nil
	}
	if err := checkDims(shape); err != nil {
		return n.Unsupportedf("output %d: %v", i, err)
	}
	n.Outputs[i].DType = dt
	n.Outputs[i].Shape = nonNil(shape)
	return nil
}

// arity checks n's input and output counts: at least minIn inputs present
// in order (optional ones may be nil), at most maxIn, and 1..maxOut outputs.
func arity(n *Node, minIn, maxIn, maxOut int) error {
	if len(n.Inputs) < minIn || len(n.Inputs) > maxIn {
		return n.Errorf("has %d inputs, want %d to %d", len(n.Inputs), minIn, maxIn)
	}
	for i := 0; i < minIn; i++ {
		if n.Inputs[i] == nil {
			return n.Errorf("input %d is missing", i)
		}
	}
	if len(n.Outputs) < 1 || len(n.Outputs) > maxOut {
		return n.Errorf("has %d outputs, want 1 to %d", len(n.Outputs), maxOut)
	}
	return nil
}

// wantType checks that input i of n has type dt.
func wantType(n *Node, i int, dt DType) error {
	if v := n.Input(i); v != nil && v.DType != dt {
		return n.Errorf("input %d (%s) is %v, want %v", i, v, v.DType, dt)
	}
	return nil
}

// numeric checks that input i is Float32 or Int64.
func numeric(n *Node, i int) error {
	if v := n.Input(i); v != nil && v.DType != Float32 && v.DType != Int64 {
		return n.Unsupportedf("input %d (%s) is %v (supported: float32, int64)", i, v, v.DType)
	}
	return nil
}

// normAxis maps axis in [-rank, rank) to [0, rank).
func normAxis(n *Node, axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, n.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// normAxes normalises a list of distinct axes.
func normAxes(n *Node, axes []int64, rank int) ([]int, error) {
	if len(axes) > rank {
		return nil, n.Errorf("%d axes for rank %d", len(axes), rank)
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		ax, err := normAxis(n, a, rank)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out[:i], ax) {
			return nil, n.Errorf("axis %d repeated in %v", a, axes)
		}
		out[i] = ax
	}
	return out, nil
}

// ConstOf returns the data of v when it is known before running: v's
// constant, or the value of the Constant node that produces it; else nil.
func ConstOf(v *Value) *Tensor {
	switch {
	case v == nil:
		return nil
	case v.Const != nil:
		return v.Const
	case v.Producer != nil && v.Producer.Op == "Constant":
		if t, err := ConstantValue(v.Producer); err == nil {
			return t
		}
	}
	return nil
}

// constInts returns the elements of constant input i (nil, nil when the
// optional input is absent). A non-constant input is unsupported: the
// shape depends on its value. At most limit elements are accepted.
func constInts(n *Node, i int, limit int) ([]int64, error) {
	v := n.Input(i)
	if v == nil {
		return nil, nil
	}
	c := ConstOf(v)
	if c == nil {
		return nil, n.Unsupportedf("input %d (%s) must be constant: the output shape depends on its value", i, v)
	}
	if c.DType != Int64 {
		return nil, n.Errorf("input %d (%s) is %v, want int64", i, v, c.DType)
	}
	if l := c.Len(); l < 0 || l > limit {
		return nil, n.Errorf("input %d (%s) has %d elements, at most %d allowed", i, v, l, limit)
	}
	d, err := c.Int64s()
	if err != nil {
		return nil, n.Errorf("input %d: %v", i, err)
	}
	return d, nil
}

// Broadcast returns the NumPy broadcast of shapes, or ok false when they do
// not broadcast.
func Broadcast(shapes ...[]int) (out []int, ok bool) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out = make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := r - len(s)
		for i, d := range s {
			switch o := out[off+i]; {
			case d == o || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, false
			}
		}
	}
	return out, true
}

func broadcastInputs(n *Node, ins []*Value) ([]int, error) {
	shapes := make([][]int, 0, len(ins))
	for _, v := range ins {
		if v == nil {
			return nil, n.Errorf("an input is missing")
		}
		shapes = append(shapes, v.Shape)
	}
	out, ok := Broadcast(shapes...)
	if !ok {
		msg := ""
		for _, s := range shapes {
			msg += fmtShape(s)
		}
		return nil, n.Errorf("input shapes %s do not broadcast", msg)
	}
	return out, nil
}
