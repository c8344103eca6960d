package onnx

import (
	"errors"
	"fmt"
)

// ErrUnsupported reports a graph that is not a ResNet-family network this
// package can place; the wrapping error names the node and operator.
var ErrUnsupported = errors.New("onnx: unsupported graph")

// recognizer walks a graph from its input to its output, matching the
// stem, the residual blocks and the head.
type recognizer struct {
	m        *Model
	x        *graphIndex
	opset    int64
	input    ValueInfo
	stem     *convLayer
	pool     bool // ImageNet stem: max pool after the stem
	stemReLU bool // stem conv is followed by ReLU (always in v1/v1.5)
	v2       bool // the head starts with BN and ReLU: pre-activation blocks
	blocks   []*blockLayer
	final    *bnLayer // v2: BN before pooling
	head     headLayer
}

// blockLayer is one recognised residual block.
type blockLayer struct {
	preact *bnLayer     // v2: BN (+ReLU) on the block's input
	convs  []*convLayer // the residual branch, 2 (basic) or 3 (bottleneck)
	down   *convLayer   // projection shortcut or nil
	stride int
	add    *Node
}

// headLayer is global pooling, flattening and the fully connected layer.
type headLayer struct {
	poolKernel int // 0: GlobalAveragePool; k: AveragePool k x k over the whole map
	weight     []float32
	bias       []float32
	classes    int
	features   int
	output     string
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

// recognize matches the whole graph.
func (m *Model) recognize() (*recognizer, error) {
	op := m.Opset()
	if op < minRecognizeOpset || op > MaxOpset {
		return nil, unsupported("opset %d (supported: %d to %d)", op, minRecognizeOpset, MaxOpset)
	}
	x, err := newGraphIndex(&m.Graph)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	r := &recognizer{m: m, x: x, opset: op}
	if err := r.findInput(); err != nil {
		return nil, err
	}
	r.v2 = r.detectV2()
	v, err := r.matchStem()
	if err != nil {
		return nil, err
	}
	for !r.atHead(v) {
		if len(r.blocks) >= len(m.Graph.Nodes) {
			return nil, unsupported("graph does not end")
		}
		b, out, err := r.matchBlock(v)
		if err != nil {
			return nil, err
		}
		r.blocks = append(r.blocks, b)
		v = out
	}
	if err := r.matchHead(v); err != nil {
		return nil, err
	}
	if n := x.unplaced(); n != nil {
		return nil, unsupported("%v could not be placed in a ResNet", n)
	}
	return r, nil
}

// detectV2 looks at the value entering global pooling: a pre-activation
// network ends in BN and ReLU after its last Add, a v1 network in ReLU
// after the Add.
func (r *recognizer) detectV2() bool {
	for _, n := range r.x.g.Nodes {
		if !isPool(&n) || len(n.Inputs) == 0 {
			continue
		}
		p := r.producerOf(n.Inputs[0])
		if p == nil || p.OpType != "Relu" || len(p.Inputs) == 0 {
			return false
		}
		p = r.producerOf(p.Inputs[0])
		return p != nil && p.OpType == "BatchNormalization"
	}
	return false
}

// stemHasBN tells whether a BN after the stem conv n belongs to the stem.
// Only a pre-activation network is in doubt: there conv -> BN -> Relu is
// the stem's when max pooling or another BN (the first block's
// pre-activation) follows, and the first block's pre-activation otherwise.
func (r *recognizer) stemHasBN(n *Node) bool {
	if !r.v2 {
		return true
	}
	us := r.x.consumers(n.Outputs[0])
	if len(us) != 1 || r.x.node(us[0]).OpType != "BatchNormalization" {
		return true // nothing to decide
	}
	rs := r.x.consumers(r.x.node(us[0]).Outputs[0])
	if len(rs) != 1 || r.x.node(rs[0]).OpType != "Relu" {
		return true // matching reports what is wrong
	}
	for _, i := range r.x.consumers(r.x.node(rs[0]).Outputs[0]) {
		switch r.x.node(i).OpType {
		case "MaxPool", "BatchNormalization", "Pad":
			return true
		}
	}
	return false
}

// producerOf returns the node that produces v, or nil.
func (r *recognizer) producerOf(v string) *Node {
	i, ok := r.x.producer[r.x.resolve(v)]
	if !ok {
		return nil
	}
	return r.x.node(i)
}

// findInput picks the graph's single non-constant input.
func (r *recognizer) findInput() error {
	var ins []ValueInfo
	for _, in := range r.x.g.Inputs {
		if r.x.consts[in.Name] == nil {
			ins = append(ins, in)
		}
	}
	if len(ins) != 1 {
		return unsupported("graph has %d non-constant inputs, want 1", len(ins))
	}
	r.input = ins[0]
	if r.input.ElemType != Float {
		return unsupported("input %q has type %v, want FLOAT", r.input.Name, r.input.ElemType)
	}
	if r.input.HasShape && len(r.input.Shape) != 4 {
		return unsupported("input %q has rank %d, want 4 (NCHW)", r.input.Name, len(r.input.Shape))
	}
	if len(r.x.g.Outputs) != 1 {
		return unsupported("graph has %d outputs, want 1", len(r.x.g.Outputs))
	}
	return nil
}

// next returns the single consumer of v (after the node that made it),
// folding a Pad node into the node it feeds (see skipPad).
func (r *recognizer) next(v string, after *Node) (*Node, int, spatialPads, error) {
	n, i, err := r.x.only(v, after)
	if err != nil {
		return nil, 0, spatialPads{}, unsupported("%v", err)
	}
	return r.skipPad(n, i)
}

// skipPad returns n (index i) unchanged unless it is a Pad: then it places
// the Pad and returns its single consumer, a Conv or MaxPool, with the
// Pad's spatial pads.
func (r *recognizer) skipPad(n *Node, i int) (*Node, int, spatialPads, error) {
	var extra spatialPads
	if n.OpType != "Pad" {
		return n, i, extra, nil
	}
	extra, err := r.x.pad(n, r.opset)
	if err != nil {
		return nil, 0, extra, unsupported("%v", err)
	}
	if err := r.x.place(i); err != nil {
		return nil, 0, extra, unsupported("%v", err)
	}
	pn := n
	if n, i, err = r.x.only(n.Outputs[0], pn); err != nil {
		return nil, 0, extra, unsupported("%v", err)
	}
	if n.OpType != "Conv" && n.OpType != "MaxPool" {
		return nil, 0, extra, unsupported("%v feeds %v, want Conv or MaxPool", pn, n)
	}
	return n, i, extra, nil
}

// matchConv recognises node n (index i) as a Conv, followed by an optional
// BatchNormalization; it returns the layer and its output value.
func (r *recognizer) matchConv(n *Node, i int, extra spatialPads) (*convLayer, string, error) {
	return r.matchConvBN(n, i, extra, true)
}

// matchConvBN is matchConv; withBN false leaves a following BN alone.
func (r *recognizer) matchConvBN(n *Node, i int, extra spatialPads, withBN bool) (*convLayer, string, error) {
	if n.OpType != "Conv" {
		return nil, "", unsupported("%v where a Conv was expected", n)
	}
	c, err := r.x.conv(n, extra)
	if err != nil {
		return nil, "", unsupported("%v", err)
	}
	if err := r.x.place(i); err != nil {
		return nil, "", unsupported("%v", err)
	}
	out := n.Outputs[0]
	us := r.x.consumers(out)
	if withBN && len(us) == 1 && r.x.node(us[0]).OpType == "BatchNormalization" {
		bn := r.x.node(us[0])
		if c.bn, err = r.x.bn(bn); err != nil {
			return nil, "", unsupported("%v", err)
		}
		if c.bn.channels() != c.cout {
			return nil, "", unsupported("%v has %d channels after %v with %d", bn, c.bn.channels(), n, c.cout)
		}
		if err := r.x.place(us[0]); err != nil {
			return nil, "", unsupported("%v", err)
		}
		out = bn.Outputs[0]
	}
	return c, out, nil
}

// matchOp requires the single consumer of v to be op and places it.
func (r *recognizer) matchOp(v string, after *Node, op string) (*Node, error) {
	n, i, err := r.x.only(v, after)
	if err != nil {
		return nil, unsupported("%v", err)
	}
	if n.OpType != op {
		return nil, unsupported("%v follows %v where %s was expected", n, after, op)
	}
	if len(n.Inputs) != 1 && op == "Relu" {
		return nil, unsupported("%v: %d inputs", n, len(n.Inputs))
	}
	return n, r.x.place(i)
}

// matchStem recognises conv [BN] [Relu] [MaxPool] from the input.
func (r *recognizer) matchStem() (string, error) {
	in := &Node{Name: "graph input " + r.input.Name, OpType: "Input"}
	n, i, extra, err := r.next(r.input.Name, in)
	if err != nil {
		return "", err
	}
	c, v, err := r.matchConvBN(n, i, extra, r.stemHasBN(n))
	if err != nil {
		return "", err
	}
	r.stem = c
	switch {
	case c.k == 7 && c.stride == 2 && c.groups == 1:
		r.pool = true
	case c.k == 3 && c.stride == 1 && c.groups == 1:
	default:
		return "", unsupported("%v: a %dx%d stride-%d stem is neither the ImageNet (7x7/2) nor the CIFAR (3x3/1) one", c.node, c.k, c.k, c.stride)
	}
	last := c.node
	if c.bn != nil {
		last = c.bn.node
	}
	us := r.x.consumers(v)
	if len(us) == 1 && r.x.node(us[0]).OpType == "Relu" {
		if last, err = r.matchOp(v, last, "Relu"); err != nil {
			return "", err
		}
		v, r.stemReLU = last.Outputs[0], true
	} else if c.bn != nil {
		return "", unsupported("%v is not followed by Relu", c.bn.node)
	}
	if !r.pool {
		return v, nil
	}
	n, i, extra, err = r.next(v, last)
	if err != nil {
		return "", err
	}
	if n.OpType != "MaxPool" {
		return "", unsupported("%v follows the 7x7 stem where MaxPool was expected", n)
	}
	if extra != (spatialPads{}) && !r.stemReLU {
		return "", unsupported("%v: zero Pad before MaxPool needs a non-negative input", n)
	}
	if err := maxPool(n, extra); err != nil {
		return "", unsupported("%v", err)
	}
	return n.Outputs[0], r.x.place(i)
}
