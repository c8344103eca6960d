package onnx

import (
	"fmt"
)

// minRecognizeOpset is the oldest opset the ResNet recogniser accepts (up
// to MaxOpset). Within that range the operators it uses changed only in
// ways it handles (attribute versus input forms of Pad, training_mode of
// BatchNormalization, new types). Import accepts opsets from MinOpset.
const minRecognizeOpset = 9

// graphIndex is a read-only index of a graph for pattern matching: which
// values are constants, who produces and who consumes each value. Identity
// nodes are resolved away; Constant nodes become constants.
type graphIndex struct {
	g        *Graph
	consts   map[string]*Tensor
	producer map[string]int   // value -> node index
	users    map[string][]int // value -> consuming node indices (in order)
	alias    map[string]string
	placed   []bool // nodes accounted for by the recogniser
}

func newGraphIndex(g *Graph) (*graphIndex, error) {
	x := &graphIndex{
		g:        g,
		consts:   make(map[string]*Tensor, len(g.Initializers)),
		producer: make(map[string]int, len(g.Nodes)),
		users:    make(map[string][]int, len(g.Nodes)),
		alias:    map[string]string{},
		placed:   make([]bool, len(g.Nodes)),
	}
	for i := range g.Initializers {
		x.consts[g.Initializers[i].Name] = &g.Initializers[i]
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Domain != "" && n.Domain != "ai.onnx" {
			return nil, fmt.Errorf("%v: operator domain %q is not supported", n, n.Domain)
		}
		if len(n.Outputs) == 0 || n.Outputs[0] == "" {
			return nil, fmt.Errorf("%v: no output", n)
		}
		switch n.OpType {
		case "Identity":
			if len(n.Inputs) != 1 || len(n.Outputs) != 1 {
				return nil, fmt.Errorf("%v: want 1 input and 1 output", n)
			}
			x.alias[n.Outputs[0]] = n.Inputs[0]
			x.placed[i] = true
			continue
		case "Constant":
			t, err := constantValue(n)
			if err != nil {
				return nil, err
			}
			x.consts[n.Outputs[0]] = t
			x.placed[i] = true
			continue
		}
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if _, dup := x.producer[o]; dup {
				return nil, fmt.Errorf("%v: value %q is produced twice", n, o)
			}
			x.producer[o] = i
		}
	}
	for i := range g.Nodes {
		if x.placed[i] {
			continue
		}
		for _, in := range g.Nodes[i].Inputs {
			if in == "" {
				continue
			}
			// Nodes are visited in order, so i is already listed only
			// if it is the last entry: no quadratic search.
			r := x.resolve(in)
			if u := x.users[r]; len(u) == 0 || u[len(u)-1] != i {
				x.users[r] = append(u, i)
			}
		}
	}
	return x, nil
}

// resolve follows Identity aliases to the value's original name, and
// points every alias it passed straight at that name, so that resolving
// every name of a graph is linear however long its Identity chains are. A
// cycle of Identities (invalid ONNX) stops after len(alias) steps.
func (x *graphIndex) resolve(v string) string {
	r := v
	for range len(x.alias) + 1 {
		a, ok := x.alias[r]
		if !ok {
			break
		}
		r = a
	}
	for range len(x.alias) + 1 {
		a, ok := x.alias[v]
		if !ok || a == r {
			break
		}
		x.alias[v] = r
		v = a
	}
	return r
}

// constant returns the constant tensor behind value v, or nil.
func (x *graphIndex) constant(v string) *Tensor {
	return x.consts[x.resolve(v)]
}

// node returns the node at index i.
func (x *graphIndex) node(i int) *Node { return &x.g.Nodes[i] }

// consumers returns the non-constant consumers of value v.
func (x *graphIndex) consumers(v string) []int { return x.users[x.resolve(v)] }

// only returns the single consumer of v, or an error that names what
// follows v when there is not exactly one.
func (x *graphIndex) only(v string, after *Node) (*Node, int, error) {
	us := x.consumers(v)
	if len(us) != 1 {
		return nil, 0, fmt.Errorf("output of %v has %d consumers, want 1", after, len(us))
	}
	return x.node(us[0]), us[0], nil
}

// place marks node i as accounted for; it fails if it already was.
func (x *graphIndex) place(i int) error {
	if x.placed[i] {
		return fmt.Errorf("%v is used twice", x.node(i))
	}
	x.placed[i] = true
	return nil
}

// unplaced returns the first node the recogniser did not account for.
func (x *graphIndex) unplaced() *Node {
	for i, p := range x.placed {
		if !p {
			return x.node(i)
		}
	}
	return nil
}
