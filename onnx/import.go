package onnx

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
)

// Import limits and defaults (ImportOptions overrides the caps).
const (
	// DefaultImportSize is the height and width a 4-D input with symbolic
	// spatial dimensions gets when ImportOptions leaves them zero.
	DefaultImportSize = 224
	// DefaultMaxNodes bounds the nodes of an imported graph (Identity and
	// Constant nodes, which become aliases and constants, do not count).
	DefaultMaxNodes = 1 << 17
	// DefaultMaxEdges bounds the node inputs of an imported graph.
	DefaultMaxEdges = 1 << 20
	// maxInputDim bounds one dimension of a graph input and ImportOptions'
	// Height and Width.
	maxInputDim = 1 << 16
)

// ImportOptions controls Model.Import. The zero value (or nil) gives the
// defaults.
type ImportOptions struct {
	// Height and Width are the spatial size of 4-D (NCHW) graph inputs.
	// A symbolic height or width takes them (DefaultImportSize when zero);
	// a fixed one must equal them when they are set.
	Height, Width int
	// MaxNodes and MaxEdges bound the graph (DefaultMaxNodes and
	// DefaultMaxEdges when zero): a larger graph is refused.
	MaxNodes, MaxEdges int
}

func (o *ImportOptions) withDefaults() ImportOptions {
	var r ImportOptions
	if o != nil {
		r = *o
	}
	if r.MaxNodes <= 0 {
		r.MaxNodes = DefaultMaxNodes
	}
	if r.MaxEdges <= 0 {
		r.MaxEdges = DefaultMaxEdges
	}
	return r
}

// Import converts the model's graph into gorn's IR (package graph), with
// every operator in its opset-21 form (see the graph package
// documentation and the table in import_ops.go), nodes in topological
// order.
//
//   - Initializers and Constant nodes become constants. Floating-point
//     weights (FLOAT, FLOAT16, BFLOAT16, DOUBLE) become float32 constants
//     that load lazily: their data stays in the (mapped) model file until
//     the executor reads them, and each decode drops the file pages it
//     read, so compiling holds about one layer's weights at a time. Import
//     therefore needs the Model open until the graph's constants have been
//     read. Small integer tensors (shapes, axes) are decoded at once; INT32,
//     INT16, UINT16, UINT32 and BOOL become int64.
//   - Identity nodes are resolved away (in linear time) unless their output
//     is a graph output; Constant nodes are not nodes of the IR.
//   - Graph inputs: dimension 0 is the batch and is 1 in the IR, whether
//     the model declares it symbolic, 1 or a fixed N > 1 (the executor runs
//     any batch by scaling dimension 0). The height and width of a 4-D input
//     (dimensions 2 and 3; 1 and 2 when both are symbolic and dimension 3 is
//     fixed, the NHWC input tf2onnx writes) come from opts when symbolic.
//     Any other symbolic dimension is refused.
//     Inputs that name an initializer (old exporters list weights as inputs)
//     are constants.
//
// The model's default-domain opset must be MinOpset to MaxOpset. Errors
// wrap graph.ErrUnsupported (an operator, attribute, type or opset outside
// what gorn runs) or graph.ErrInvalid (duplicate initializers, a value
// produced twice, a name nothing defines, a cycle) and name the node.
func (m *Model) Import(opts *ImportOptions) (*graph.Graph, error) {
	im := &importer{m: m, opts: opts.withDefaults(), g: graph.New()}
	if err := im.run(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return im.g, nil
}

// importer holds the state of one Import.
type importer struct {
	m     *Model
	g     *graph.Graph
	opts  ImportOptions
	opset int64
	// inits are the initializers by name; consts the Constant nodes'
	// tensors by output name.
	inits  map[string]*Tensor
	consts map[string]*Tensor
	// alias maps the output of a removed Identity to its input (compressed
	// as resolve walks it).
	alias map[string]string
	// producer is the node writing each name; uses counts the reads of each
	// name (node inputs and graph outputs); outputs marks graph outputs.
	producer map[string]*Node
	uses     map[string]int
	outputs  map[string]bool
	// defined says what defines each name of the model (for messages
	// about names defined twice).
	defined map[string]definer
	// vals are the IR values made so far by name (inputs, node outputs,
	// constants).
	vals    map[string]*graph.Value
	ranks   map[string]int // declared ranks, made when first needed
	pending []pnode
	fresh   int
}

// ref is a node input before wiring: a name in the model, or a value the
// importer made (a constant from an attribute), or neither (absent).
type ref struct {
	name string
	v    *graph.Value
}

// pnode is a node of the IR before its inputs are wired.
type pnode struct {
	src   *Node
	op    string
	name  string
	ins   []ref
	outs  []string
	attrs graph.Attrs
}

func (im *importer) run() error {
	im.opset = im.m.Opset()
	if im.opset < MinOpset || im.opset > MaxOpset {
		return fmt.Errorf("%w: opset %d (supported: %d to %d)", graph.ErrUnsupported, im.opset, MinOpset, MaxOpset)
	}
	if h, w := im.opts.Height, im.opts.Width; h < 0 || w < 0 || h > maxInputDim || w > maxInputDim {
		return fmt.Errorf("%w: input size %dx%d (at most %d)", graph.ErrUnsupported, h, w, maxInputDim)
	}
	if err := im.index(); err != nil {
		return err
	}
	if err := im.addInputs(); err != nil {
		return err
	}
	for i := range im.m.Graph.Nodes {
		n := &im.m.Graph.Nodes[i]
		if n.OpType == "Constant" || im.aliased(n) {
			continue
		}
		if err := im.normalise(n); err != nil {
			return err
		}
	}
	if len(im.pending) > im.opts.MaxNodes {
		return fmt.Errorf("%w: %d nodes exceed the limit of %d", graph.ErrUnsupported, len(im.pending), im.opts.MaxNodes)
	}
	if err := im.build(); err != nil {
		return err
	}
	if err := im.addOutputs(); err != nil {
		return err
	}
	return im.g.Sort()
}

// aliased reports whether n is an Identity that resolve removes.
func (im *importer) aliased(n *Node) bool {
	return n.OpType == "Identity" && len(n.Outputs) == 1 && !im.outputs[n.Outputs[0]]
}

// build adds every pending node to the graph, then wires their inputs:
// values may be read before the node that writes them (Sort orders them).
func (im *importer) build() error {
	nodes := make([]*graph.Node, len(im.pending))
	for i := range im.pending {
		p := &im.pending[i]
		n, err := im.g.AddNode(p.op, p.name, make([]*graph.Value, len(p.ins)), p.outs, p.attrs)
		if err != nil {
			return err
		}
		if p.src != nil && p.src.Name != "" {
			n.Source = []string{p.src.Name}
		}
		for _, o := range n.Outputs {
			im.vals[o.Name] = o
		}
		nodes[i] = n
	}
	edges := 0
	for i := range im.pending {
		for j, r := range im.pending[i].ins {
			v := r.v
			if v == nil && r.name != "" {
				var err error
				if v, err = im.value(r.name, im.pending[i].src.String()); err != nil {
					return err
				}
			}
			if v == nil {
				continue
			}
			if edges++; edges > im.opts.MaxEdges {
				return fmt.Errorf("%w: more than %d node inputs", graph.ErrUnsupported, im.opts.MaxEdges)
			}
			im.g.SetInput(nodes[i], j, v)
		}
	}
	return nil
}

// value returns the IR value that name (read by reader, a node or a graph
// output) stands for, following Identity aliases and making constants on
// first use.
func (im *importer) value(name, reader string) (*graph.Value, error) {
	r, err := im.resolve(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", graph.ErrInvalid, reader, err)
	}
	if v := im.vals[r]; v != nil {
		return v, nil
	}
	t := im.inits[r]
	if t == nil {
		t = im.consts[r]
	}
	if t == nil {
		return nil, fmt.Errorf("%w: %s reads %q, which no node, initializer or graph input defines", graph.ErrInvalid, reader, name)
	}
	c, err := im.tensor(t)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: constant %q: %v", graph.ErrUnsupported, reader, r, err)
	}
	v, err := im.g.AddConst(r, c)
	if err != nil {
		return nil, err
	}
	im.vals[r] = v
	return v, nil
}

// resolve follows Identity aliases from name to the value they copy. Each
// walk compresses the path it took, so resolving every name of a graph is
// linear in the graph's size however long its Identity chains are.
func (im *importer) resolve(name string) (string, error) {
	cur, steps := name, 0
	for {
		next, ok := im.alias[cur]
		if !ok {
			break
		}
		if steps++; steps > len(im.alias) {
			return "", fmt.Errorf("Identity nodes form a cycle through %q", name)
		}
		cur = next
	}
	for p := name; p != cur; {
		next := im.alias[p]
		im.alias[p] = cur
		p = next
	}
	return cur, nil
}

// addOutputs declares the graph outputs.
func (im *importer) addOutputs() error {
	for _, o := range im.m.Graph.Outputs {
		v, err := im.value(o.Name, fmt.Sprintf("graph output %q", o.Name))
		if err != nil {
			return err
		}
		im.g.Outputs = append(im.g.Outputs, v)
	}
	if len(im.g.Outputs) == 0 {
		return fmt.Errorf("%w: the graph has no outputs", graph.ErrInvalid)
	}
	return nil
}

// freshName returns a value name made from base that no value of the model
// or of the graph has.
func (im *importer) freshName(base string) string {
	for {
		im.fresh++
		s := fmt.Sprintf("%s.gorn%d", base, im.fresh)
		if _, used := im.defined[s]; !used && im.g.Value(s) == nil {
			return s
		}
	}
}
