package quantize

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/onnx"
)

// target is a node to quantize: a Conv, Gemm or MatMul with a constant
// weight, a residual Add, or a Mul of two activations (an SE gate).
type target struct {
	node   int // index in Graph.Nodes
	op     string
	name   string
	inputs []string // activations quantized on the way in
	output string   // activation quantized on the way out ("" for none)
	weight string   // "" for Add
	axis   int      // the weight's output-channel axis
	bias   string   // "" when the bias stays float or is absent
}

// plan is what Quantize changes in a graph.
type plan struct {
	targets []target
	tensors []string // activations to calibrate, in first-use order
	inits   map[string]*onnx.Tensor
	kept    map[int]bool // nodes left in float on request: they read float inputs
}

// isFloatWeight reports whether name is a FLOAT initializer of rank r
// (any rank >= 3 when r is 0).
func (p *plan) isFloatWeight(name string, r int) bool {
	t := p.inits[name]
	if t == nil || t.DataType != onnx.Float {
		return false
	}
	if r == 0 {
		return len(t.Dims) >= 3
	}
	return len(t.Dims) == r
}

// newPlan picks the nodes to quantize and the activations to calibrate.
func newPlan(m *onnx.Model, o *Options) (*plan, error) {
	g := &m.Graph
	p := &plan{inits: map[string]*onnx.Tensor{}, kept: map[int]bool{}}
	for i := range g.Initializers {
		p.inits[g.Initializers[i].Name] = &g.Initializers[i]
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Domain != "" && n.Domain != "ai.onnx" {
			continue
		}
		if t, ok := p.target(n, i, o); ok {
			p.targets = append(p.targets, t)
		}
	}
	if err := p.keepFloat(g, o.KeepFloat); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, t := range p.targets {
		for _, s := range append(slices.Clone(t.inputs), t.output) {
			if s != "" && !seen[s] {
				seen[s] = true
				p.tensors = append(p.tensors, s)
			}
		}
	}
	if len(p.targets) == 0 {
		return nil, fmt.Errorf("quantize: no Conv, Gemm or MatMul with a constant float weight to quantize")
	}
	return p, nil
}

// target describes node n as a quantization target, if it is one.
func (p *plan) target(n *onnx.Node, i int, o *Options) (target, bool) {
	t := target{node: i, op: n.OpType, name: n.Name}
	if t.name == "" && len(n.Outputs) > 0 {
		t.name = n.Outputs[0]
	}
	in := func(k int) string {
		if k < len(n.Inputs) {
			return n.Inputs[k]
		}
		return ""
	}
	if len(n.Outputs) == 0 || in(0) == "" || p.inits[in(0)] != nil {
		return t, false
	}
	t.inputs = []string{in(0)}
	switch n.OpType {
	case "Conv":
		if !p.isFloatWeight(in(1), 0) {
			return t, false
		}
		t.weight, t.axis = in(1), 0
		if p.isFloatWeight(in(2), 1) {
			t.bias = in(2)
		}
	case "Gemm":
		if !p.isFloatWeight(in(1), 2) || attrF(n, "alpha", 1) != 1 {
			return t, false
		}
		t.weight, t.axis = in(1), 1
		if attrI(n, "transB", 0) != 0 {
			t.axis = 0
		}
		if c := p.inits[in(2)]; p.isFloatWeight(in(2), 1) && attrF(n, "beta", 1) == 1 &&
			c.Dims[0] == p.inits[t.weight].Dims[t.axis] {
			t.bias = in(2)
		}
	case "MatMul":
		if !p.isFloatWeight(in(1), 2) {
			return t, false
		}
		t.weight, t.axis = in(1), 1
	case "Add", "Mul":
		if n.OpType == "Add" && o.NoAdd || n.OpType == "Mul" && o.NoMul ||
			len(n.Inputs) != 2 || in(1) == "" || p.inits[in(1)] != nil {
			return t, false
		}
		t.inputs = append(t.inputs, in(1))
		t.output = n.Outputs[0]
	default:
		return t, false
	}
	return t, true
}

// method returns the range method for tensor name: Entropy applies to the
// inputs of Conv, Gemm and MatMul only; a tensor read only by Adds and
// Muls (a residual sum, a convolution output before an SE gate) takes
// MinMax, because clipping there loses the channels that carry the most
// magnitude (measured: a trained SE-ResNet keeps fp32's arg-max on 192 of
// 360 images with every tensor clipped by Entropy, 360 with this rule).
func (p *plan) method(name string, m Method) Method {
	if m != Entropy {
		return m
	}
	for _, t := range p.targets {
		if t.weight != "" && t.inputs[0] == name {
			return m
		}
	}
	return MinMax
}

// keepFloat removes the targets named in names (see Options.KeepFloat).
func (p *plan) keepFloat(g *onnx.Graph, names []string) error {
	drop := map[int]bool{}
	for _, name := range names {
		k := slices.IndexFunc(p.targets, func(t target) bool { return t.name == name })
		if k < 0 {
			if i := slices.IndexFunc(g.Nodes, func(n onnx.Node) bool { return n.Name == name }); i >= 0 {
				p.kept[i] = true // a node that is not quantized anyway
				continue
			}
			switch {
			case name == "first" && len(p.targets) > 0:
				k = slices.IndexFunc(p.targets, func(t target) bool { return t.weight != "" })
			case name == "last" && len(p.targets) > 0:
				k = lastIndex(p.targets, func(t target) bool { return t.weight != "" })
			}
		}
		if k < 0 {
			return fmt.Errorf("quantize: keep-float: no node called %q", name)
		}
		drop[k] = true
		p.kept[p.targets[k].node] = true
	}
	var keep []target
	for k, t := range p.targets {
		if !drop[k] {
			keep = append(keep, t)
		}
	}
	p.targets = keep
	return nil
}

func lastIndex[T any](s []T, f func(T) bool) int {
	for i := len(s) - 1; i >= 0; i-- {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

func attrF(n *onnx.Node, name string, def float32) float32 {
	if a := n.Attr(name); a != nil {
		return a.F
	}
	return def
}

func attrI(n *onnx.Node, name string, def int64) int64 {
	if a := n.Attr(name); a != nil {
		return a.I
	}
	return def
}
