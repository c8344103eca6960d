package onnx

import (
	"slices"
	"strings"

	"github.com/gorn-ml/gorn/graph"
)

// Opset range Import accepts for the default ONNX domain.
const (
	MinOpset = 7
	MaxOpset = 21
)

// opSpec is what Import knows of one operator: the first opset it accepts
// it from, the attributes of its opset-21 form (anything else is refused),
// and the normaliser that rewrites older versions into that form.
type opSpec struct {
	since int64
	attrs []string
	norm  func(im *importer, n *Node, p *pnode) error
}

var (
	poolAttrs = []string{"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"}
	noAttrs   = []string{}
)

// opTable lists the operators Import accepts, with the opsets it accepts
// them from (up to MaxOpset) and what it rewrites. Every operator is
// stored in its opset-21 form:
//
//	operator                  opsets  normalised from older versions
//	Relu Sigmoid Tanh         7-21
//	Neg Sqrt Pow Floor Ceil
//	Add Sub Mul Div           7-21    (opset 7 already broadcasts)
//	Max Min                   7-21    (before 8 equal shapes only, same results)
//	HardSwish                 14-21
//	LeakyRelu HardSigmoid     7-21
//	AveragePool               7-21
//	MaxPool                   7-21    storage_order 1 refused, 0 dropped; read Indices refused
//	Conv                      7-21
//	GlobalAveragePool         7-21
//	GlobalMaxPool             7-21
//	BatchNormalization        7-21    spatial (7-8) 1 dropped, 0 refused; momentum and
//	                                  is_test=1 dropped; training_mode 1 and read
//	                                  training outputs refused
//	Dropout                   7-21    ratio/seed/is_test dropped; only data kept; read mask
//	                                  or a training_mode input not constant false refused
//	Gemm MatMul               7-21    (Gemm's defaults unchanged since 7; C optional from 11)
//	Flatten                   7-21    (axis default 1 in every version)
//	Softmax LogSoftmax        7-21    before 13 (axis default 1, flattens to 2-D): axis
//	                                  made explicit when it is the last axis of a known
//	                                  rank, else Flatten -> Softmax(-1) -> Reshape(Shape)
//	Reshape Shape Size Gather 7-21
//	Concat Transpose Cast     7-21    (Cast: "to" kept)
//	Equal                     7-21
//	Expand                    8-21
//	ConstantOfShape Where     9-21
//	Range                     11-21
//	Pad                       7-21    before 11: pads and value attributes -> inputs
//	Slice                     7-21    before 10: starts/ends/axes attributes -> inputs
//	Squeeze Unsqueeze         7-21    before 13: axes attribute -> input
//	ReduceMean ReduceMax      7-21    before 18: axes attribute -> input
//	Clip                      7-21    before 11: min and max attributes -> inputs
//	Split                     7-21    before 13: split attribute -> input; without
//	                                  split, num_outputs = the number of outputs
//	                                  (normalised, but graph.Check does not run it yet)
//	Identity                  7-21    resolved away unless it writes a graph output
//	Constant                  7-21    becomes a constant (value, value_float(s),
//	                                  value_int(s))
//	QuantizeLinear            10-21   per tensor or per axis; block_size 0 only
//	DequantizeLinear          10-21   (INT32 data and zero points widen to int64)
//	QLinearConv QLinearMatMul 10-21
//
// and, from the com.microsoft domain (msTable), QLinearAdd, QLinearMul,
// QLinearSigmoid, QLinearGlobalAveragePool and QLinearConcat.
//
// The operator set is graph.SupportedOps' (which graph.Check enforces), plus
// Split.
// Upsample, Resize and every other operator are refused.
var opTable = map[string]opSpec{
	"Relu": {since: 7}, "Sigmoid": {since: 7}, "Tanh": {since: 7}, "Neg": {since: 7},
	"Sqrt": {since: 7}, "Pow": {since: 7}, "Floor": {since: 7}, "Ceil": {since: 7},
	"Add": {since: 7}, "Sub": {since: 7}, "Mul": {since: 7}, "Div": {since: 7},
	"Max": {since: 7}, "Min": {since: 7}, "HardSwish": {since: 14}, "Size": {since: 7},
	"LeakyRelu":          {since: 7, attrs: []string{"alpha"}},
	"HardSigmoid":        {since: 7, attrs: []string{"alpha", "beta"}},
	"AveragePool":        {since: 7, attrs: append([]string{"count_include_pad"}, poolAttrs...)},
	"MaxPool":            {since: 7, attrs: poolAttrs, norm: normMaxPool},
	"Conv":               {since: 7, attrs: []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}},
	"GlobalAveragePool":  {since: 7},
	"GlobalMaxPool":      {since: 7},
	"BatchNormalization": {since: 7, attrs: []string{"epsilon"}, norm: normBatchNorm},
	"Dropout":            {since: 7, norm: normDropout},
	"Gemm":               {since: 7, attrs: []string{"alpha", "beta", "transA", "transB"}},
	"MatMul":             {since: 7},
	"Flatten":            {since: 7, attrs: []string{"axis"}},
	"Softmax":            {since: 7, attrs: []string{"axis"}, norm: normSoftmax},
	"LogSoftmax":         {since: 7, attrs: []string{"axis"}, norm: normSoftmax},
	"Reshape":            {since: 7, attrs: []string{"allowzero"}},
	"Shape":              {since: 7, attrs: []string{"start", "end"}},
	"Gather":             {since: 7, attrs: []string{"axis"}},
	"Concat":             {since: 7, attrs: []string{"axis"}},
	"Transpose":          {since: 7, attrs: []string{"perm"}},
	"Cast":               {since: 7, attrs: []string{"to", "saturate"}},
	"Equal":              {since: 7},
	"Expand":             {since: 8},
	"ConstantOfShape":    {since: 9, attrs: []string{"value"}},
	"Where":              {since: 9},
	"Range":              {since: 11},
	"Pad":                {since: 7, attrs: []string{"mode"}, norm: normPad},
	"Slice":              {since: 7, norm: normSlice},
	"Squeeze":            {since: 7, norm: normAxes(13)},
	"Unsqueeze":          {since: 7, norm: normAxes(13)},
	"ReduceMean":         {since: 7, attrs: reduceAttrs, norm: normAxes(18)},
	"ReduceMax":          {since: 7, attrs: reduceAttrs, norm: normAxes(18)},
	"Clip":               {since: 7, norm: normClip},
	"Split":              {since: 7, attrs: []string{"axis", "num_outputs"}, norm: normSplit},
	"Identity":           {since: 7},
	"QuantizeLinear":     {since: 10, attrs: []string{"axis", "saturate", "block_size", "output_dtype"}},
	"DequantizeLinear":   {since: 10, attrs: []string{"axis", "block_size"}},
	"QLinearConv":        {since: 10, attrs: []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}},
	"QLinearMatMul":      {since: 10},
}

// msDomain is ONNX Runtime's contrib operator domain.
const msDomain = "com.microsoft"

// msTable lists the com.microsoft operators Import accepts: those ONNX
// Runtime's quantizer writes in QOperator models (any opset of that
// domain).
var msTable = map[string]opSpec{
	"QLinearAdd": {}, "QLinearMul": {}, "QLinearSigmoid": {},
	"QLinearGlobalAveragePool": {attrs: []string{"channels_last"}},
	"QLinearConcat":            {attrs: []string{"axis"}},
}

var reduceAttrs = []string{"keepdims", "noop_with_empty_axes"}

// supportedOps is the sorted list of opTable's operators, for messages.
var supportedOps = func() string {
	var ops []string
	for op := range opTable {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return strings.Join(ops, " ")
}()

// normalise turns model node n into pending IR nodes in their opset-21
// form.
func (im *importer) normalise(n *Node) error {
	spec, ok := opTable[n.OpType]
	if n.Domain == msDomain {
		spec, ok = msTable[n.OpType]
	}
	switch {
	case n.OpType == "Upsample":
		return unsupportedf(n, "Upsample (and Resize) are not supported: gorn runs no resampling operators")
	case !ok:
		return unsupportedf(n, "operator %s is not supported (supported: %s)", n.OpType, supportedOps)
	case im.opset < spec.since:
		return unsupportedf(n, "%s needs opset %d or newer; the model imports opset %d", n.OpType, spec.since, im.opset)
	}
	attrs, err := im.attrs(n)
	if err != nil {
		return err
	}
	p := pnode{src: n, op: n.OpType, name: n.Name, attrs: attrs}
	ins := n.Inputs
	for len(ins) > 0 && ins[len(ins)-1] == "" {
		ins = ins[:len(ins)-1]
	}
	for _, in := range ins {
		p.ins = append(p.ins, ref{name: in})
	}
	p.outs = slices.Clone(n.Outputs)
	if spec.norm != nil {
		if err := spec.norm(im, n, &p); err != nil {
			return err
		}
	}
	for k := range p.attrs {
		if !slices.Contains(spec.attrs, k) {
			return unsupportedf(n, "attribute %q (supported: %v)", k, spec.attrs)
		}
	}
	im.emit(p)
	return nil
}

// emit appends p to the pending nodes, dropping trailing omitted outputs
// and naming the omitted ones in between.
func (im *importer) emit(p pnode) {
	for len(p.outs) > 1 && p.outs[len(p.outs)-1] == "" {
		p.outs = p.outs[:len(p.outs)-1]
	}
	for i, o := range p.outs {
		if o == "" {
			p.outs[i] = im.freshName("unused")
		}
	}
	im.pending = append(im.pending, p)
}

// constInput makes an IR constant for an attribute turned into an input.
func (im *importer) constInput(n *Node, what string, t *graph.Tensor) (ref, error) {
	base := n.Name
	if base == "" {
		base = n.Outputs[0]
	}
	v, err := im.g.AddConst(im.freshName(base+"."+what), t)
	if err != nil {
		return ref{}, err
	}
	return ref{v: v}, nil
}

// read reports whether any node or graph output reads value name.
func (im *importer) read(name string) bool { return name != "" && im.uses[name] > 0 }

// rank returns the rank of value name when the model declares it (value
// info, graph inputs and outputs) or its producer fixes it (Gemm and
// Flatten give rank 2), else -1.
func (im *importer) rank(name string) int {
	r, err := im.resolve(name)
	if err != nil {
		return -1
	}
	if im.ranks == nil {
		im.ranks = map[string]int{}
		g := &im.m.Graph
		for _, list := range [][]ValueInfo{g.Inputs, g.Outputs, g.ValueInfo} {
			for _, vi := range list {
				if vi.HasShape {
					im.ranks[vi.Name] = len(vi.Shape)
				}
			}
		}
	}
	if k, ok := im.ranks[r]; ok {
		return k
	}
	if p := im.producer[r]; p != nil && (p.OpType == "Gemm" || p.OpType == "Flatten") {
		return 2
	}
	if t := im.inits[r]; t != nil {
		return len(t.Dims)
	}
	return -1
}
