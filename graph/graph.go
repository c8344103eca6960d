package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid reports a graph that breaks the IR's rules: a value produced
// twice, a cycle, a node whose inputs or attributes its operator does not
// accept, a shape that does not fit.
var ErrInvalid = errors.New("graph: invalid graph")

// ErrUnsupported reports an operator, attribute or data type outside what
// gorn runs. The message names the node, the operator and what is supported.
var ErrUnsupported = errors.New("graph: unsupported")

// Value is one tensor of the graph: a graph input, a constant, or the output
// of a node.
type Value struct {
	// ID is the value's index in the graph's value table; stable for the
	// value's life.
	ID int
	// Name is the value's name in the source model (unique in the graph).
	Name string
	// DType is the element type.
	DType DType
	// Shape is the static shape once known (after InferShapes; the inputs'
	// shapes are set when the graph is built). nil: not known yet. For
	// activations, dimension 0 is the batch and is 1 in the IR: the executor
	// runs a batch by scaling dimension 0.
	Shape []int
	// Const is the data of a constant value, nil for activations.
	Const *Tensor
	// Producer is the node that writes the value, nil for graph inputs and
	// constants.
	Producer *Node
	// Users are the nodes that read the value, each once per input slot
	// that names it, in graph order after Sort.
	Users []*Node
}

// IsConst reports whether v is a constant.
func (v *Value) IsConst() bool { return v != nil && v.Const != nil }

// String names the value for messages.
func (v *Value) String() string {
	if v == nil {
		return "<none>"
	}
	return fmt.Sprintf("%q", v.Name)
}

// Node is one operator application. Op is the ONNX operator name with
// ONNX's semantics (NCHW), attributes normalised to the newest operator
// version by the importer (see the package documentation), or one of the
// fused gorn operators (OpConv, OpScaleShift).
type Node struct {
	ID   int
	Name string
	Op   string
	// Inputs in the operator's order; a nil entry is an omitted optional
	// input.
	Inputs  []*Value
	Outputs []*Value
	Attrs   Attrs
	// Source names the source model's nodes this node stands for (the node
	// itself, or those a pass fused into it), for messages and gorn info.
	Source []string
}

// String names the node for messages: its name (or first output) and op.
func (n *Node) String() string {
	if n == nil {
		return "graph input"
	}
	name := n.Name
	if name == "" && len(n.Outputs) > 0 && n.Outputs[0] != nil {
		name = "-> " + n.Outputs[0].Name
	}
	return fmt.Sprintf("node %q (%s)", name, n.Op)
}

// Label names n for plans, profiles and logs: its name, else its first
// output's, else its operator.
func (n *Node) Label() string {
	if n.Name != "" {
		return n.Name
	}
	if len(n.Outputs) > 0 && n.Outputs[0] != nil {
		return n.Outputs[0].Name
	}
	return n.Op
}

// Input returns input i, or nil when it is absent.
func (n *Node) Input(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// Errorf returns an error wrapping ErrInvalid that names n.
func (n *Node) Errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %v: %s", ErrInvalid, n, fmt.Sprintf(format, args...))
}

// Unsupportedf returns an error wrapping ErrUnsupported that names n.
func (n *Node) Unsupportedf(format string, args ...any) error {
	return fmt.Errorf("%w: %v: %s", ErrUnsupported, n, fmt.Sprintf(format, args...))
}

// Graph is a model in the IR: values, nodes, the graph's inputs and
// outputs, and a log of what passes did. It is not safe for concurrent
// mutation.
type Graph struct {
	// Nodes in topological order once Sort has run (the builders keep it).
	Nodes   []*Node
	Inputs  []*Value
	Outputs []*Value
	values  []*Value
	names   map[string]*Value
	nextID  int
	log     []string
}

// New returns an empty graph.
func New() *Graph { return &Graph{names: map[string]*Value{}} }

// Values returns every value that is still referenced or a graph
// input/output, in creation order. The slice is fresh.
func (g *Graph) Values() []*Value {
	var out []*Value
	for _, v := range g.values {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// Value returns the value called name, or nil.
func (g *Graph) Value(name string) *Value { return g.names[name] }

func (g *Graph) newValue(name string, dt DType) (*Value, error) {
	if name == "" {
		name = fmt.Sprintf("gorn.%d", len(g.values))
	}
	if _, dup := g.names[name]; dup {
		return nil, fmt.Errorf("%w: value %q is defined twice", ErrInvalid, name)
	}
	v := &Value{ID: len(g.values), Name: name, DType: dt}
	g.values = append(g.values, v)
	g.names[name] = v
	return v, nil
}

// AddInput declares a graph input of the given type and shape (dimension 0
// the batch, written 1).
func (g *Graph) AddInput(name string, dt DType, shape []int) (*Value, error) {
	v, err := g.newValue(name, dt)
	if err != nil {
		return nil, err
	}
	v.Shape = slices.Clone(shape)
	g.Inputs = append(g.Inputs, v)
	return v, nil
}

// AddConst adds a constant value holding t.
func (g *Graph) AddConst(name string, t *Tensor) (*Value, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: constant %q without data", ErrInvalid, name)
	}
	v, err := g.newValue(name, t.DType)
	if err != nil {
		return nil, err
	}
	v.Const = t
	v.Shape = slices.Clone(t.Shape)
	return v, nil
}

// AddNode appends a node of operator op reading inputs (nil entries are
// omitted optional inputs) and writing new values named outputs. The
// outputs' types are Float32 until shape inference sets them.
func (g *Graph) AddNode(op, name string, inputs []*Value, outputs []string, attrs Attrs) (*Node, error) {
	n := &Node{ID: g.nextID, Name: name, Op: op, Inputs: inputs, Attrs: attrs}
	if name != "" {
		n.Source = []string{name}
	}
	for _, o := range outputs {
		v, err := g.newValue(o, Float32)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", n, err)
		}
		v.Producer = n
		n.Outputs = append(n.Outputs, v)
	}
	g.nextID++
	for _, in := range inputs {
		if in != nil {
			in.Users = append(in.Users, n)
		}
	}
	g.Nodes = append(g.Nodes, n)
	return n, nil
}

// SetInput makes input i of n read v instead of what it read, keeping the
// users lists right. i may be len(n.Inputs) to append an input.
func (g *Graph) SetInput(n *Node, i int, v *Value) {
	if i == len(n.Inputs) {
		n.Inputs = append(n.Inputs, nil)
	}
	if old := n.Inputs[i]; old != nil {
		old.Users = removeOne(old.Users, n)
	}
	n.Inputs[i] = v
	if v != nil {
		v.Users = append(v.Users, n)
	}
}

// ReplaceUses makes every reader of old (nodes and graph outputs) read nw.
func (g *Graph) ReplaceUses(old, nw *Value) {
	if old == nw {
		return
	}
	// A node is listed once per slot that reads old: rewrite each node's
	// inputs once (the first time it is met), so that a node with many
	// slots reading old costs linear, not quadratic, time.
	var prev *Node
	for _, u := range old.Users {
		if u == prev {
			continue
		}
		prev = u
		for i, in := range u.Inputs {
			if in == old {
				u.Inputs[i] = nw
				nw.Users = append(nw.Users, u)
			}
		}
	}
	old.Users = nil
	for i, o := range g.Outputs {
		if o == old {
			g.Outputs[i] = nw
		}
	}
}

// Remove deletes node n, which must have no users left on its outputs
// (graph outputs count as users). Its inputs lose n as a user. The node
// list is compacted by Compact, so removing many nodes stays linear.
func (g *Graph) Remove(n *Node) error {
	for _, o := range n.Outputs {
		if len(o.Users) > 0 || g.IsOutput(o) {
			return n.Errorf("removed while %s is still read", o)
		}
	}
	// Every slot's entry goes at once, each input value visited once: linear
	// even for a node with many slots reading one value.
	done := map[*Value]bool{}
	for _, in := range n.Inputs {
		if in != nil && !done[in] {
			done[in] = true
			in.Users = slices.DeleteFunc(in.Users, func(u *Node) bool { return u == n })
		}
	}
	for _, o := range n.Outputs {
		g.dropValue(o)
	}
	n.Op = "" // marks it removed until Compact
	return nil
}

// Compact drops removed nodes from the node list and unreferenced
// constants from the value table.
func (g *Graph) Compact() {
	g.Nodes = slices.DeleteFunc(g.Nodes, func(n *Node) bool { return n.Op == "" })
	outs := make(map[*Value]bool, len(g.Outputs))
	for _, o := range g.Outputs {
		outs[o] = true
	}
	for _, v := range g.values {
		if v != nil && v.Const != nil && len(v.Users) == 0 && !outs[v] {
			g.dropValue(v)
		}
	}
}

func (g *Graph) dropValue(v *Value) {
	if g.values[v.ID] == v {
		g.values[v.ID] = nil
		delete(g.names, v.Name)
	}
}

// IsOutput reports whether v is a graph output.
func (g *Graph) IsOutput(v *Value) bool { return slices.Contains(g.Outputs, v) }

// removeOne removes the first n from s.
func removeOne(s []*Node, n *Node) []*Node {
	if i := slices.Index(s, n); i >= 0 {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// Logf records what a pass did (gorn info -v prints the log).
func (g *Graph) Logf(format string, args ...any) {
	g.log = append(g.log, fmt.Sprintf(format, args...))
}

// Log returns the passes' records, oldest first.
func (g *Graph) Log() []string { return slices.Clone(g.log) }

// Sort orders Nodes topologically (Kahn's algorithm, stable: among ready
// nodes the earliest added first), puts every value's Users in that order,
// and fails on a cycle or an input that no
// node, constant or graph input defines. Linear in nodes plus edges.
func (g *Graph) Sort() error {
	g.Compact()
	pending := make(map[*Node]int, len(g.Nodes))
	for _, n := range g.Nodes {
		pending[n] = 0
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == nil {
				continue
			}
			if in.ID < 0 || in.ID >= len(g.values) || g.values[in.ID] != in {
				return n.Errorf("reads %s, which is not in the graph", in)
			}
			if in.Producer != nil {
				if _, ok := pending[in.Producer]; !ok {
					return n.Errorf("reads %s, whose producer is not in the graph", in)
				}
				pending[n]++
			}
		}
	}
	// Kahn's algorithm walks the users lists: rebuild them from the inputs
	// first, so that it does not depend on their being up to date.
	g.setUsers(g.Nodes)
	order := make([]*Node, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		if pending[n] == 0 {
			order = append(order, n)
		}
	}
	for i := 0; i < len(order); i++ {
		for _, o := range order[i].Outputs {
			for _, u := range o.Users {
				if pending[u]--; pending[u] == 0 {
					order = append(order, u)
				}
			}
		}
	}
	if len(order) != len(g.Nodes) {
		for _, n := range g.Nodes {
			if pending[n] > 0 {
				return n.Errorf("is part of a cycle")
			}
		}
	}
	g.Nodes = order
	g.setUsers(order) // users in graph order, as Value documents
	return nil
}

// setUsers rebuilds every value's users from the inputs of nodes, in that
// order.
func (g *Graph) setUsers(nodes []*Node) {
	for _, v := range g.values {
		if v != nil {
			v.Users = v.Users[:0]
		}
	}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			if in != nil {
				in.Users = append(in.Users, n)
			}
		}
	}
}

// OpHistogram returns "Op xN" entries for the nodes in the graph, most
// frequent first.
func (g *Graph) OpHistogram() []string {
	count := map[string]int{}
	for _, n := range g.Nodes {
		if n.Op != "" {
			count[n.Op]++
		}
	}
	ops := make([]string, 0, len(count))
	for op := range count {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	for i, op := range ops {
		ops[i] = fmt.Sprintf("%s x%d", op, count[op])
	}
	return ops
}
