package graph

import (
	"slices"
	"sort"
)

// opSpec is what Check knows of an operator: the attributes ONNX defines
// for its newest version (and gorn's for the fused operators), whether it
// only ever runs at compile time, and its extra rules.
type opSpec struct {
	attrs []string
	// foldOnly operators are evaluated by constant folding only: every
	// input must be static (see Check). Shape and Size read only their
	// input's shape and are exempt.
	foldOnly bool
	check    func(c *checker, n *Node) error
}

var windowAttrs = []string{"auto_pad", "kernel_shape", "pads", "strides", "dilations"}

var opSpecs map[string]opSpec

func init() {
	none := []string{}
	opSpecs = map[string]opSpec{
		"Conv":               {attrs: append(slices.Clone(windowAttrs), "group"), check: checkConv},
		OpConv:               {attrs: append(slices.Clone(windowAttrs), "group", "activation", "min", "max"), check: checkConv},
		OpScaleShift:         {attrs: []string{"activation", "min", "max"}, check: checkScaleShift},
		"BatchNormalization": {attrs: []string{"epsilon", "momentum", "training_mode", "spatial"}, check: checkBatchNorm},
		"MaxPool":            {attrs: append(slices.Clone(windowAttrs), "ceil_mode", "storage_order"), check: checkPool},
		"AveragePool":        {attrs: append(slices.Clone(windowAttrs), "ceil_mode", "count_include_pad"), check: checkPool},
		"GlobalAveragePool":  {attrs: none, check: checkRank4},
		"GlobalMaxPool":      {attrs: none, check: checkRank4},

		"Relu": {attrs: none}, "LeakyRelu": {attrs: []string{"alpha"}},
		"Sigmoid": {attrs: none}, "HardSigmoid": {attrs: []string{"alpha", "beta"}},
		"HardSwish": {attrs: none}, "Tanh": {attrs: none},
		"Clip":     {attrs: none, check: constInputs(1, 2)},
		"Identity": {attrs: none},
		"Dropout":  {attrs: []string{"seed"}, check: checkDropout},
		"Cast":     {attrs: []string{"to", "saturate"}, check: checkCast},
		"Add":      {attrs: none, check: checkElementwise}, "Sub": {attrs: none, check: checkElementwise},
		"Mul": {attrs: none, check: checkElementwise}, "Div": {attrs: none, check: checkElementwise},

		"ReduceMean": {attrs: []string{"keepdims", "noop_with_empty_axes"}, check: checkReduce},
		"ReduceMax":  {attrs: []string{"keepdims", "noop_with_empty_axes"}, check: checkReduce},
		"Softmax":    {attrs: []string{"axis"}, check: checkAxisAttr(-1)},
		"LogSoftmax": {attrs: []string{"axis"}, check: checkAxisAttr(-1)},
		"Gemm":       {attrs: []string{"alpha", "beta", "transA", "transB"}, check: checkGemm},
		"MatMul":     {attrs: none, check: checkMatMul},
		"Flatten":    {attrs: []string{"axis"}, check: checkFlatten},
		"Reshape":    {attrs: []string{"allowzero"}, check: constInputs(1)},
		"Squeeze":    {attrs: none, check: checkSqueeze},
		"Unsqueeze":  {attrs: none, check: checkUnsqueeze},
		"Transpose":  {attrs: []string{"perm"}, check: checkTranspose},
		"Concat":     {attrs: []string{"axis"}, check: checkAxisAttr(0)},
		"Slice":      {attrs: none, check: checkSlice},
		"Pad":        {attrs: []string{"mode"}, check: checkPad},
		"Constant":   {attrs: []string{"value", "value_float", "value_floats", "value_int", "value_ints"}, check: checkConstant},

		"Shape":  {attrs: []string{"start", "end"}, foldOnly: true},
		"Size":   {attrs: none, foldOnly: true},
		"Gather": {attrs: []string{"axis"}, foldOnly: true}, "ConstantOfShape": {attrs: []string{"value"}, foldOnly: true},
		"Range": {attrs: none, foldOnly: true}, "Equal": {attrs: none, foldOnly: true},
		"Where": {attrs: none, foldOnly: true}, "Expand": {attrs: none, foldOnly: true},
		"Neg": {attrs: none, foldOnly: true}, "Sqrt": {attrs: none, foldOnly: true},
		"Pow": {attrs: none, foldOnly: true}, "Floor": {attrs: none, foldOnly: true},
		"Ceil": {attrs: none, foldOnly: true}, "Min": {attrs: none, foldOnly: true},
		"Max": {attrs: none, foldOnly: true},
	}
	for op, spec := range quantSpecs() {
		opSpecs[op] = spec
	}
}

// SupportedOps returns the operators gorn accepts, sorted: those the
// executor runs and those only constant folding evaluates (FoldOnly).
func SupportedOps() []string {
	ops := make([]string, 0, len(opSpecs))
	for op := range opSpecs {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// FoldOnly reports whether op is supported only on static values (constants
// and shapes): constant folding evaluates it at compile time, the executor
// never runs it.
func FoldOnly(op string) bool { return opSpecs[op].foldOnly }

// checker carries what Check knows of the graph's values.
type checker struct {
	g      *Graph
	static []bool // by value ID: the value is known at compile time
}

// act reports whether v is an activation: a value computed at run time
// from the graph's inputs (not a constant, nor derived only from constants
// and shapes).
func (c *checker) act(v *Value) bool {
	return v != nil && !c.static[v.ID]
}

// anyAct reports whether any input of n is an activation.
func (c *checker) anyAct(n *Node) bool {
	return slices.ContainsFunc(n.Inputs, c.act)
}

// Check fails unless every node of g is inside gorn's supported set: a known
// operator with only the attributes ONNX defines for it, in a supported
// mode, with constant weights where the executor needs constants, and not
// mixing the images of a batch (no Concat, Softmax, Reduce, Gather, Slice,
// Pad, Transpose, Flatten, Squeeze or Unsqueeze on axis 0 of an activation,
// no Reshape or broadcast that moves it). Every error wraps ErrUnsupported
// (or ErrInvalid for a malformed graph) and names the node, its operator
// and what is supported.
//
// A value is static when it is a constant, or computed only from static
// values and from shapes (Shape, Size): fold-only operators (FoldOnly)
// must have static inputs. Check sorts g; the rules that need shapes apply
// to the values whose shapes are known, so run it after InferShapes for the
// whole check.
func Check(g *Graph) error {
	if err := g.Sort(); err != nil {
		return err
	}
	for _, v := range g.Inputs {
		if v.DType != Float32 {
			return fmtErr(ErrUnsupported, "graph input %s is %v (supported: float32)", v, v.DType)
		}
		if len(v.Shape) == 0 || v.Shape[0] != 1 {
			return fmtErr(ErrUnsupported, "graph input %s has shape %v (supported: batch dimension first, written 1)", v, v.Shape)
		}
	}
	c := &checker{g: g, static: make([]bool, len(g.values))}
	for _, v := range g.values {
		if v != nil && v.Const != nil {
			c.static[v.ID] = true
		}
	}
	for _, n := range g.Nodes {
		if err := c.node(n); err != nil {
			return err
		}
		st := n.Op == "Shape" || n.Op == "Size" || n.Op == "Constant" || !c.anyAct(n)
		for _, o := range n.Outputs {
			if o != nil && o.ID < len(c.static) {
				c.static[o.ID] = st
			}
		}
	}
	return nil
}

func (c *checker) node(n *Node) error {
	spec, ok := opSpecs[n.Op]
	if !ok {
		return n.Unsupportedf("operator %s is not supported (supported: %v)", n.Op, SupportedOps())
	}
	if err := n.CheckAttrs(spec.attrs...); err != nil {
		return err
	}
	if len(n.Outputs) == 0 {
		return n.Errorf("has no outputs")
	}
	for _, o := range n.Outputs {
		if o == nil {
			return n.Errorf("has a missing output")
		}
	}
	if spec.foldOnly && n.Op != "Shape" && n.Op != "Size" {
		for i, v := range n.Inputs {
			if c.act(v) {
				return n.Unsupportedf("input %d (%s) is computed at run time: %s is supported only on constants and shapes, folded at compile time", i, v, n.Op)
			}
		}
		return nil
	}
	if spec.check != nil {
		if err := spec.check(c, n); err != nil {
			return err
		}
	}
	return c.batchKept(n)
}

// batchKept checks that an operator on activations keeps the batch as
// dimension 0, written 1, in each output (when shapes are known).
func (c *checker) batchKept(n *Node) error {
	if !c.anyAct(n) || n.Op == "Shape" || n.Op == "Size" {
		return nil
	}
	for _, o := range n.Outputs {
		if o.Shape != nil && (len(o.Shape) == 0 || o.Shape[0] != 1) {
			return n.Unsupportedf("output %s has shape %v: the batch dimension must stay first and 1 (supported: operators that keep images apart)", o, o.Shape)
		}
	}
	return nil
}
