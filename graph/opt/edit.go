package opt

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// edit collects one pass's changes and applies them in one linear sweep:
// aliases (every reader of a value reads another instead) and removed
// nodes. Passes may also retarget a producer to write another value
// (retarget) and change nodes in place; apply then rebuilds every users
// list from the node list, so no change costs a walk of a long users list.
type edit struct {
	g      *graph.Graph
	alias  map[*graph.Value]*graph.Value
	dead   map[*graph.Node]bool
	order  []*graph.Node // dead nodes in the order they were removed
	output map[*graph.Value]bool
	pos    map[*graph.Node]int // index in g.Nodes when the edit began
	suffix map[string]int      // last suffix name gave each base
}

func newEdit(g *graph.Graph) *edit {
	e := &edit{
		g:      g,
		alias:  map[*graph.Value]*graph.Value{},
		dead:   map[*graph.Node]bool{},
		output: make(map[*graph.Value]bool, len(g.Outputs)),
		pos:    make(map[*graph.Node]int, len(g.Nodes)),
	}
	for _, o := range g.Outputs {
		e.output[o] = true
	}
	for i, n := range g.Nodes {
		e.pos[n] = i
	}
	return e
}

// isOutput reports whether v is a graph output (in constant time).
func (e *edit) isOutput(v *graph.Value) bool { return e.output[v] }

// soleUser returns the only node that reads v, when v is read by exactly
// one input slot of one live node and is not a graph output.
func (e *edit) soleUser(v *graph.Value) *graph.Node {
	if v == nil || e.output[v] || len(v.Users) != 1 || e.dead[v.Users[0]] {
		return nil
	}
	return v.Users[0]
}

// find returns what v stands for after the aliases so far, compressing the
// path it walked.
func (e *edit) find(v *graph.Value) *graph.Value {
	r := v
	for {
		nx, ok := e.alias[r]
		if !ok {
			break
		}
		r = nx
	}
	for v != r {
		nx := e.alias[v]
		e.alias[v] = r
		v = nx
	}
	return r
}

// in returns input i of n as the aliases so far resolve it.
func (e *edit) in(n *graph.Node, i int) *graph.Value {
	v := n.Input(i)
	if v == nil {
		return nil
	}
	return e.find(v)
}

// kill marks n removed. drop lists the values that leave the graph with it
// (normally its outputs; a retargeted output that another node now writes
// must not be listed).
func (e *edit) kill(n *graph.Node, drop ...*graph.Value) {
	if e.dead[n] {
		return
	}
	e.dead[n] = true
	e.order = append(e.order, n)
	n.Outputs = drop
}

// retarget makes the producer of from write to instead, which takes from's
// place (its readers are aliased to it); from must then be dropped with
// the node that wrote to. Used when a removed or fused node's output is
// kept (a graph output's name, a value other nodes read).
func (e *edit) retarget(from, to *graph.Value) {
	p := from.Producer
	for i, o := range p.Outputs {
		if o == from {
			p.Outputs[i] = to
		}
	}
	to.Producer = p
	from.Producer = nil
	e.alias[from] = to
}

// apply resolves every input through the aliases, rebuilds the users
// lists from the live nodes, and removes the dead nodes with the values
// they drop. Linear in nodes, values and edges.
func (e *edit) apply() error {
	g := e.g
	live := g.Nodes[:0:0]
	live = slices.Grow(live, len(g.Nodes)-len(e.order))
	for _, n := range g.Nodes {
		if !e.dead[n] && n.Op != "" {
			live = append(live, n)
		}
	}
	for _, v := range g.Values() {
		v.Users = nil
	}
	for _, n := range live {
		for i, in := range n.Inputs {
			if in == nil {
				continue
			}
			in = e.find(in)
			n.Inputs[i] = in
			in.Users = append(in.Users, n)
		}
	}
	for _, o := range g.Outputs {
		if r := e.find(o); r != o {
			return fmt.Errorf("%w: graph output %s was aliased to %s", graph.ErrInvalid, o, r)
		}
	}
	// Graph.Remove looks each dropped value up in g.Outputs, a walk of the
	// list: with the outputs set aside (checked here against the set),
	// removing many nodes from a graph of many outputs stays linear.
	outs := g.Outputs
	g.Outputs = nil
	for _, n := range e.order {
		n.Inputs = nil
		for _, o := range n.Outputs {
			o.Producer = nil
			if e.output[o] {
				g.Outputs = outs
				return n.Errorf("removed while %s is a graph output", o)
			}
		}
		if err := g.Remove(n); err != nil {
			g.Outputs = outs
			return err
		}
	}
	g.Outputs = outs
	g.Compact()
	e.alias = map[*graph.Value]*graph.Value{}
	e.dead = map[*graph.Node]bool{}
	e.order = nil
	return nil
}

// name returns base, or base with a numeric suffix, that no value of the
// graph is called. Suffixes count on from the last one given for base, so
// many names from one base (a weight shared by many convs) stay linear.
func (e *edit) name(base string) string {
	if e.g.Value(base) == nil {
		return base
	}
	if e.suffix == nil {
		e.suffix = map[string]int{}
	}
	for i := e.suffix[base] + 1; ; i++ {
		s := fmt.Sprintf("%s.%d", base, i)
		if e.g.Value(s) == nil {
			e.suffix[base] = i
			return s
		}
	}
}

// sameShape reports whether a and b are known and equal.
func sameShape(a, b []int) bool {
	return a != nil && b != nil && slices.Equal(a, b)
}

// known reports whether v's type and shape are known: constants and graph
// inputs always, node outputs once shape inference has set their shape.
func known(v *graph.Value) bool {
	return v != nil && (v.Const != nil || v.Producer == nil || v.Shape != nil)
}

// static reports whether every dimension of s is known and non-negative.
func static(s []int) bool {
	if s == nil {
		return false
	}
	for _, d := range s {
		if d < 0 {
			return false
		}
	}
	return true
}
