package resnet

import (
	"errors"
	"fmt"
)

// Tensor is a dense float32 array in row-major order: Data holds
// Shape[0]*Shape[1]*... values.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Weights maps torchvision state-dict names (see the package overview) to
// tensors. [New] only reads them and keeps no reference, so the caller may
// drop or reuse them once New returns.
type Weights map[string]Tensor

// ErrWeights reports missing, unexpected or wrongly shaped weights.
var ErrWeights = errors.New("resnet: bad weights")

func weightsErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrWeights}, args...)...)
}

// paramKind says what a weight is, for validation and for [Random].
type paramKind int

const (
	convWeight paramKind = iota
	convBias
	bnWeight
	bnBias
	bnMean
	bnVar
	fcWeight
	fcBias
)

// bnSuffixes are a BatchNorm's keys, in the order of bnWeight..bnVar.
var bnSuffixes = [4]string{".weight", ".bias", ".running_mean", ".running_var"}

// spec is one weight the network can take.
type spec struct {
	key       string
	kind      paramKind
	shape     []int
	fanIn     int  // conv and fc weights: inputs per output
	trainable bool // counted by Params (conv biases are not: torchvision has none)
	damp      bool // a BN next to a block's last convolution (Random keeps it small)
}

func (s spec) size() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

// specs lists every weight of the network in execution order.
func (n *netDef) specs() []spec {
	var out []spec
	conv := func(c *convDef) {
		fan := c.cin / c.groups * c.k * c.k
		out = append(out,
			spec{key: c.name + ".weight", kind: convWeight, shape: []int{c.cout, c.cin / c.groups, c.k, c.k}, fanIn: fan, trainable: true},
			spec{key: c.name + ".bias", kind: convBias, shape: []int{c.cout}})
	}
	bn := func(name string, ch int, damp bool) {
		for i, suf := range bnSuffixes {
			out = append(out, spec{key: name + suf, kind: bnWeight + paramKind(i), shape: []int{ch}, trainable: i < 2, damp: damp})
		}
	}
	convBN := func(c *convDef, damp bool) {
		conv(c)
		if c.bn != "" {
			bn(c.bn, c.cout, damp)
		}
	}
	convBN(&n.stem, false)
	for i := range n.blocks {
		b := &n.blocks[i]
		last := len(b.convs) - 1
		if b.preact != "" {
			bn(b.preact, b.convs[0].cin, false)
		}
		if b.down != nil {
			convBN(b.down, false)
		}
		for j := range b.convs {
			// v1: the BN after the last conv; v2: the BN before it.
			convBN(&b.convs[j], j == last || (b.preact != "" && j == last-1))
		}
	}
	if n.final != "" {
		bn(n.final, n.features, false)
	}
	out = append(out,
		spec{key: "fc.weight", kind: fcWeight, shape: []int{n.classes, n.features}, fanIn: n.features, trainable: true},
		spec{key: "fc.bias", kind: fcBias, shape: []int{n.classes}, trainable: true})
	return out
}
