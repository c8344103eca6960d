package onnx

import (
	"slices"
)

// isPool reports whether n is the global pooling of the head.
func isPool(n *Node) bool {
	return n.OpType == "GlobalAveragePool" || n.OpType == "AveragePool"
}

// preact returns the BN of a BatchNormalization -> Relu pair consuming v
// (v2's pre-activation), with the Relu and their indices, or nil.
func (r *recognizer) preact(v string) (bn, relu *Node, bi, ri int) {
	for _, i := range r.x.consumers(v) {
		n := r.x.node(i)
		if n.OpType != "BatchNormalization" {
			continue
		}
		us := r.x.consumers(n.Outputs[0])
		if len(us) == 1 && r.x.node(us[0]).OpType == "Relu" {
			return n, r.x.node(us[0]), i, us[0]
		}
	}
	return nil, nil, 0, 0
}

// atHead reports whether value v (a block output) goes to the head:
// straight to pooling (v1), or through BN and ReLU to pooling (v2).
func (r *recognizer) atHead(v string) bool {
	us := r.x.consumers(v)
	if len(us) != 1 {
		return false
	}
	if isPool(r.x.node(us[0])) {
		return true
	}
	_, relu, _, _ := r.preact(v)
	if relu == nil {
		return false
	}
	ps := r.x.consumers(relu.Outputs[0])
	return len(ps) == 1 && isPool(r.x.node(ps[0]))
}

// matchPreact places the BN -> Relu pair on v and returns its output.
func (r *recognizer) matchPreact(v string) (*bnLayer, string, error) {
	bnNode, relu, bi, ri := r.preact(v)
	bn, err := r.x.bn(bnNode)
	if err != nil {
		return nil, "", unsupported("%v", err)
	}
	if err := r.x.place(bi); err != nil {
		return nil, "", unsupported("%v", err)
	}
	if err := r.x.place(ri); err != nil {
		return nil, "", unsupported("%v", err)
	}
	return bn, relu.Outputs[0], nil
}

// chain is one path of a block from its start to the Add: convolutions
// (each with an optional BN) separated by ReLUs.
type chain struct {
	convs []*convLayer
	end   string // the value entering the Add
	add   *Node
	addI  int
}

// followChain walks from node n (index i) until it reaches an Add.
func (r *recognizer) followChain(n *Node, i int, extra spatialPads) (*chain, error) {
	ch := new(chain)
	for {
		c, v, err := r.matchConv(n, i, extra)
		if err != nil {
			return nil, err
		}
		ch.convs = append(ch.convs, c)
		last := c.node
		if c.bn != nil {
			last = c.bn.node
		}
		if len(ch.convs) > 3 {
			return nil, unsupported("%v: more than 3 convolutions in a residual branch", c.node)
		}
		nx, ni, err := r.x.only(v, last)
		if err != nil {
			return nil, unsupported("%v", err)
		}
		switch nx.OpType {
		case "Add":
			ch.end, ch.add, ch.addI = v, nx, ni
			return ch, nil
		case "Relu":
			if err := r.x.place(ni); err != nil {
				return nil, unsupported("%v", err)
			}
			if n, i, extra, err = r.next(nx.Outputs[0], nx); err != nil {
				return nil, err
			}
		default:
			return nil, unsupported("%v follows %v inside a residual block", nx, last)
		}
	}
}

// matchBlock recognises one residual block whose input is x, returning it
// and the block's output value.
func (r *recognizer) matchBlock(x string) (*blockLayer, string, error) {
	b := new(blockLayer)
	src := x // where the branch (and a projection) start
	if bn, _, _, _ := r.preact(x); bn != nil {
		var err error
		if b.preact, src, err = r.matchPreact(x); err != nil {
			return nil, "", err
		}
	}
	starts := r.x.consumers(src)
	var chains []*chain
	for _, i := range slices.Clone(starts) {
		n := r.x.node(i)
		if n.OpType == "Add" || r.x.placed[i] {
			continue
		}
		n, i, extra, err := r.skipPad(n, i)
		if err != nil {
			return nil, "", err
		}
		ch, err := r.followChain(n, i, extra)
		if err != nil {
			return nil, "", err
		}
		chains = append(chains, ch)
	}
	return r.assembleBlock(b, x, chains)
}

// assembleBlock checks the chains of a block meet in one Add and sorts them
// into residual branch and shortcut.
func (r *recognizer) assembleBlock(b *blockLayer, x string, chains []*chain) (*blockLayer, string, error) {
	if len(chains) == 0 || len(chains) > 2 {
		return nil, "", unsupported("value %q starts %d convolution paths, want 1 or 2", x, len(chains))
	}
	branch := chains[0]
	shortcut := x
	if len(chains) == 2 {
		if chains[1].add != branch.add {
			return nil, "", unsupported("%v and %v: the paths of a block do not meet in one Add", branch.add, chains[1].add)
		}
		if len(branch.convs) == 1 {
			branch, chains[1] = chains[1], branch
		}
		if len(chains[1].convs) != 1 {
			return nil, "", unsupported("%v: shortcut with %d convolutions", chains[1].convs[0].node, len(chains[1].convs))
		}
		b.down = chains[1].convs[0]
		shortcut = chains[1].end
	}
	add := branch.add
	ins := []string{r.x.resolve(add.Inputs[0]), ""}
	if len(add.Inputs) == 2 {
		ins[1] = r.x.resolve(add.Inputs[1])
	}
	want := []string{r.x.resolve(branch.end), r.x.resolve(shortcut)}
	if !(ins[0] == want[0] && ins[1] == want[1] || ins[0] == want[1] && ins[1] == want[0]) {
		return nil, "", unsupported("%v: inputs %v are not the block's branch and shortcut", add, add.Inputs)
	}
	if err := r.x.place(branch.addI); err != nil {
		return nil, "", unsupported("%v", err)
	}
	b.convs, b.add = branch.convs, add
	b.stride = 1
	for _, c := range b.convs {
		b.stride *= c.stride
	}
	if b.preact != nil {
		return b, add.Outputs[0], nil
	}
	relu, err := r.matchOp(add.Outputs[0], add, "Relu")
	if err != nil {
		return nil, "", err
	}
	return b, relu.Outputs[0], nil
}
