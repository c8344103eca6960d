package onnx

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
)

// index records what defines every name of the model, once: initializers,
// graph inputs, Constant and Identity outputs, node outputs. A name defined
// twice is an error naming both definitions.
func (im *importer) index() error {
	g := &im.m.Graph
	im.inits = make(map[string]*Tensor, len(g.Initializers))
	im.consts = map[string]*Tensor{}
	im.alias = map[string]string{}
	im.producer = make(map[string]*Node, len(g.Nodes))
	im.uses = make(map[string]int, len(g.Nodes))
	im.outputs = make(map[string]bool, len(g.Outputs))
	im.defined = make(map[string]definer, len(g.Nodes)+len(g.Initializers))
	im.vals = make(map[string]*graph.Value, len(g.Nodes))
	define := func(name string, by definer) error {
		if prev, dup := im.defined[name]; dup {
			return fmt.Errorf("%w: value %q is defined twice (%v and %v)", graph.ErrInvalid, name, prev, by)
		}
		im.defined[name] = by
		return nil
	}
	for i := range g.Initializers {
		t := &g.Initializers[i]
		if t.Name == "" {
			return fmt.Errorf("%w: initializer %d has no name", graph.ErrInvalid, i)
		}
		if err := define(t.Name, definer{what: "an initializer"}); err != nil {
			return err
		}
		im.inits[t.Name] = t
	}
	for _, in := range g.Inputs {
		if im.inits[in.Name] != nil {
			continue // an initializer listed as an input: a constant
		}
		if err := define(in.Name, definer{what: "a graph input"}); err != nil {
			return err
		}
	}
	for _, o := range g.Outputs {
		im.outputs[o.Name] = true
		im.uses[o.Name]++
	}
	for i := range g.Nodes {
		if err := im.indexNode(&g.Nodes[i], define); err != nil {
			return err
		}
	}
	return nil
}

// indexNode records the names node n defines and reads.
func (im *importer) indexNode(n *Node, define func(string, definer) error) error {
	if _, ms := msTable[n.OpType]; n.Domain != "" && n.Domain != "ai.onnx" && !(n.Domain == msDomain && ms) {
		return fmt.Errorf("%w: %v: operator domain %q (supported: the default ONNX domain, and com.microsoft for QLinearAdd, QLinearMul, QLinearSigmoid, QLinearGlobalAveragePool, QLinearConcat)", graph.ErrUnsupported, n, n.Domain)
	}
	if len(n.Outputs) == 0 || n.Outputs[0] == "" {
		return fmt.Errorf("%w: %v has no output", graph.ErrInvalid, n)
	}
	for _, in := range n.Inputs {
		if in != "" {
			im.uses[in]++
		}
	}
	for _, o := range n.Outputs {
		if o == "" {
			continue
		}
		if err := define(o, definer{node: n}); err != nil {
			return err
		}
		im.producer[o] = n
	}
	switch n.OpType {
	case "Constant":
		t, err := constantValue(n)
		if err != nil {
			return fmt.Errorf("%w: %v", graph.ErrUnsupported, err)
		}
		im.consts[n.Outputs[0]] = t
	case "Identity":
		if len(n.Inputs) != 1 || len(n.Outputs) != 1 || n.Inputs[0] == "" {
			return fmt.Errorf("%w: %v: want 1 input and 1 output", graph.ErrInvalid, n)
		}
		if !im.outputs[n.Outputs[0]] {
			im.alias[n.Outputs[0]] = n.Inputs[0]
		}
	}
	return nil
}

// definer is what defines a name: a node, or what says what.
type definer struct {
	node *Node
	what string
}

func (d definer) String() string {
	if d.node != nil {
		return d.node.String()
	}
	return d.what
}

// addInputs declares the graph inputs that are not initializers, with the
// shapes inputShape gives them.
func (im *importer) addInputs() error {
	for _, in := range im.m.Graph.Inputs {
		if im.inits[in.Name] != nil {
			continue
		}
		dt, err := inputType(in)
		if err != nil {
			return err
		}
		shape, err := im.inputShape(in)
		if err != nil {
			return err
		}
		v, err := im.g.AddInput(in.Name, dt, shape)
		if err != nil {
			return err
		}
		im.vals[in.Name] = v
	}
	if len(im.g.Inputs) == 0 {
		return fmt.Errorf("%w: the graph has no inputs besides its initializers", graph.ErrUnsupported)
	}
	return nil
}

func inputType(in ValueInfo) (graph.DType, error) {
	switch in.ElemType {
	case Float:
		return graph.Float32, nil
	case Int64:
		return graph.Int64, nil
	case Uint8:
		return graph.Uint8, nil
	case Int8:
		return graph.Int8, nil
	case Int32:
		return graph.Int32, nil
	}
	return 0, fmt.Errorf("%w: graph input %q has element type %v (supported: FLOAT, INT64, UINT8, INT8, INT32)",
		graph.ErrUnsupported, in.Name, in.ElemType)
}

// inputShape is the IR shape of a graph input: dimension 0 (the batch) is
// 1, a 4-D input's height and width come from the options where symbolic
// and must agree with them where fixed, and every other dimension must be
// fixed. Height and width are dimensions 2 and 3 (NCHW), or 1 and 2 when
// both are symbolic and dimension 3 is fixed (NHWC, as tf2onnx writes
// Keras models).
func (im *importer) inputShape(in ValueInfo) ([]int, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: graph input %q %v: %s", graph.ErrUnsupported, in.Name, dimsString(in.Shape), fmt.Sprintf(format, args...))
	}
	if !in.HasShape {
		return nil, bad("has no declared shape")
	}
	ds := in.Shape
	spatial := map[int]int{} // dimension -> 0 (height) or 1 (width)
	if len(ds) == 4 {
		spatial[2], spatial[3] = 0, 1
		if !ds[1].Known() && !ds[2].Known() && ds[3].Known() {
			spatial = map[int]int{1: 0, 2: 1}
		}
	}
	shape := make([]int, len(ds))
	want := [2]int{im.opts.Height, im.opts.Width}
	for i, d := range ds {
		k, sp := spatial[i]
		switch {
		case i == 0:
			shape[i] = 1 // the batch: the executor scales dimension 0
		case d.Known() && d.Value > maxInputDim:
			return nil, bad("dimension %d is %d (at most %d)", i, d.Value, maxInputDim)
		case d.Known() && sp && want[k] > 0 && int(d.Value) != want[k]:
			return nil, bad("has a fixed size, asked for %dx%d", want[0], want[1])
		case d.Known():
			shape[i] = int(d.Value)
		case sp && want[k] > 0:
			shape[i] = want[k]
		case sp:
			shape[i] = DefaultImportSize
		default:
			return nil, bad("dimension %d is symbolic: only the batch and a 4-D input's height and width may be", i)
		}
	}
	return shape, nil
}

// dimsString formats declared dimensions, e.g. [batch 3 224 224].
func dimsString(ds []Dim) string {
	s := "["
	for i, d := range ds {
		if i > 0 {
			s += " "
		}
		switch {
		case d.Param != "":
			s += d.Param
		case d.Known():
			s += fmt.Sprint(d.Value)
		default:
			s += "?"
		}
	}
	return s + "]"
}
