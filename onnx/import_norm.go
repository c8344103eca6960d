package onnx

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// The normalisers below rewrite a pending node p made from model node n
// into the operator's opset-21 form (see opTable).

// dropFlag removes attribute name from p when it is absent or has value
// keep, and refuses any other value with why.
func dropFlag(n *Node, p *pnode, name string, keep int64, why string) error {
	a, ok := p.attrs[name]
	if !ok {
		return nil
	}
	if a.Kind != graph.AttrInt || a.Int != keep {
		return unsupportedf(n, "%s=%d: %s", name, a.Int, why)
	}
	delete(p.attrs, name)
	return nil
}

// dropReadOutputs keeps p's first output and refuses when a later one (a
// training or index output) is read.
func (im *importer) dropReadOutputs(n *Node, p *pnode, what string) error {
	for _, o := range p.outs[1:] {
		if im.read(o) {
			return unsupportedf(n, "its %s output %q is read (only the first output is supported)", what, o)
		}
	}
	p.outs = p.outs[:1]
	return nil
}

func normBatchNorm(im *importer, n *Node, p *pnode) error {
	if len(p.ins) != 5 {
		return invalidf(n, "%d inputs, want 5 (X, scale, B, mean, var)", len(p.ins))
	}
	if err := dropFlag(n, p, "spatial", 1, "only per-channel statistics (spatial=1) are supported"); err != nil {
		return err
	}
	if err := dropFlag(n, p, "is_test", 1, "training mode is not supported"); err != nil {
		return err
	}
	if err := dropFlag(n, p, "training_mode", 0, "training mode is not supported"); err != nil {
		return err
	}
	delete(p.attrs, "momentum") // affects training only
	return im.dropReadOutputs(n, p, "training")
}

func normDropout(im *importer, n *Node, p *pnode) error {
	if len(p.ins) == 0 {
		return invalidf(n, "no input")
	}
	if err := dropFlag(n, p, "is_test", 1, "training mode is not supported"); err != nil {
		return err
	}
	delete(p.attrs, "ratio") // inference: Dropout is the identity
	delete(p.attrs, "seed")
	if len(p.ins) > 2 && p.ins[2].name != "" && !im.constFalse(p.ins[2].name) {
		return unsupportedf(n, "training_mode input %q is not a constant false", p.ins[2].name)
	}
	p.ins = p.ins[:1]
	return im.dropReadOutputs(n, p, "mask")
}

// constFalse reports whether name is a constant scalar (or one-element)
// zero, i.e. false.
func (im *importer) constFalse(name string) bool {
	r, err := im.resolve(name)
	if err != nil {
		return false
	}
	t := im.inits[r]
	if t == nil {
		t = im.consts[r]
	}
	if t == nil || t.n != 1 {
		return false
	}
	v, err := t.Int64s()
	return err == nil && v[0] == 0
}

func normMaxPool(im *importer, n *Node, p *pnode) error {
	if err := dropFlag(n, p, "storage_order", 0, "column-major indices are not supported"); err != nil {
		return err
	}
	return im.dropReadOutputs(n, p, "Indices")
}

// normSoftmax rewrites Softmax and LogSoftmax before opset 13, which
// flatten the input to 2-D at axis (default 1) and normalise each row.
// When axis is the input's last axis that is the opset-13 operator with
// the same axis; otherwise (or when the rank is unknown) it becomes
// Flatten(axis) -> op(axis=-1) -> Reshape(to the input's Shape), which is
// exact for any rank.
func normSoftmax(im *importer, n *Node, p *pnode) error {
	if im.opset >= 13 {
		return nil
	}
	if len(p.ins) != 1 || len(p.outs) != 1 {
		return invalidf(n, "want 1 input and 1 output")
	}
	axis := int64(1)
	if a, ok := p.attrs["axis"]; ok {
		if a.Kind != graph.AttrInt {
			return invalidf(n, "axis is not an int")
		}
		axis = a.Int
	}
	if r := int64(im.rank(p.ins[0].name)); r > 0 && (axis == r-1 || axis == -1) {
		p.attrs["axis"] = graph.I(r - 1)
		return nil
	}
	x, out := p.ins[0], p.outs[0]
	flat, rows, shape := im.freshName(out+".flat"), im.freshName(out+".rows"), im.freshName(out+".shape")
	im.emit(pnode{src: n, op: "Flatten", ins: []ref{x}, outs: []string{flat}, attrs: graph.Attrs{"axis": graph.I(axis)}})
	im.emit(pnode{src: n, op: n.OpType, name: n.Name, ins: []ref{{name: flat}}, outs: []string{rows},
		attrs: graph.Attrs{"axis": graph.I(-1)}})
	im.emit(pnode{src: n, op: "Shape", ins: []ref{x}, outs: []string{shape}, attrs: graph.Attrs{}})
	p.op, p.name = "Reshape", ""
	p.ins = []ref{{name: rows}, {name: shape}}
	p.attrs = graph.Attrs{}
	return nil
}

// attrToInput moves ints attribute name of p to a new constant input at
// position i (filling absent inputs before it). Absent attributes are left
// absent inputs.
func (im *importer) attrToInput(n *Node, p *pnode, name string, i int) error {
	a, ok := p.attrs[name]
	if !ok {
		return nil
	}
	if a.Kind != graph.AttrInts {
		return invalidf(n, "attribute %s is not a list of ints", name)
	}
	delete(p.attrs, name)
	r, err := im.constInput(n, name, graph.Ints([]int{len(a.Ints)}, a.Ints))
	if err != nil {
		return err
	}
	setInput(p, i, r)
	return nil
}

// setInput sets input i of p, appending absent inputs up to it.
func setInput(p *pnode, i int, r ref) {
	for len(p.ins) <= i {
		p.ins = append(p.ins, ref{})
	}
	p.ins[i] = r
}

// floatToInput moves float attribute name of p to a new scalar input at
// position i; when it is absent, def (unless NaN) is used.
func (im *importer) floatToInput(n *Node, p *pnode, name string, i int, def float32) error {
	a, ok := p.attrs[name]
	if ok && a.Kind != graph.AttrFloat {
		return invalidf(n, "attribute %s is not a float", name)
	}
	if !ok && math.IsNaN(float64(def)) {
		return nil
	}
	v := def
	if ok {
		v = a.Float
	}
	delete(p.attrs, name)
	r, err := im.constInput(n, name, graph.Floats(nil, []float32{v}))
	if err != nil {
		return err
	}
	setInput(p, i, r)
	return nil
}

func normPad(im *importer, n *Node, p *pnode) error {
	if im.opset >= 11 {
		return nil
	}
	if len(p.ins) != 1 {
		return invalidf(n, "%d inputs, want 1 before opset 11", len(p.ins))
	}
	if _, ok := p.attrs["pads"]; !ok {
		return invalidf(n, "no pads attribute")
	}
	if err := im.attrToInput(n, p, "pads", 1); err != nil {
		return err
	}
	return im.floatToInput(n, p, "value", 2, 0)
}

func normSlice(im *importer, n *Node, p *pnode) error {
	if im.opset >= 10 {
		return nil
	}
	if len(p.ins) != 1 {
		return invalidf(n, "%d inputs, want 1 before opset 10", len(p.ins))
	}
	for i, name := range []string{"starts", "ends", "axes"} {
		if _, ok := p.attrs[name]; !ok && name != "axes" {
			return invalidf(n, "no %s attribute", name)
		}
		if err := im.attrToInput(n, p, name, i+1); err != nil {
			return err
		}
	}
	return nil
}

// normAxes moves the axes attribute of Squeeze, Unsqueeze and the Reduce
// operators to their second input, for opsets before since.
func normAxes(since int64) func(im *importer, n *Node, p *pnode) error {
	return func(im *importer, n *Node, p *pnode) error {
		if im.opset >= since {
			return nil
		}
		if len(p.ins) != 1 {
			return invalidf(n, "%d inputs, want 1 before opset %d", len(p.ins), since)
		}
		return im.attrToInput(n, p, "axes", 1)
	}
}

func normClip(im *importer, n *Node, p *pnode) error {
	if im.opset >= 11 {
		return nil
	}
	if len(p.ins) != 1 {
		return invalidf(n, "%d inputs, want 1 before opset 11", len(p.ins))
	}
	nan := float32(math.NaN())
	if err := im.floatToInput(n, p, "min", 1, nan); err != nil {
		return err
	}
	return im.floatToInput(n, p, "max", 2, nan)
}

func normSplit(im *importer, n *Node, p *pnode) error {
	if im.opset < 13 {
		if len(p.ins) != 1 {
			return invalidf(n, "%d inputs, want 1 before opset 13", len(p.ins))
		}
		if err := im.attrToInput(n, p, "split", 1); err != nil {
			return err
		}
	}
	if _, ok := p.attrs["num_outputs"]; !ok && (len(p.ins) < 2 || p.ins[1] == ref{}) {
		p.attrs["num_outputs"] = graph.I(int64(len(p.outs)))
	}
	return nil
}
