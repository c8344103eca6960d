package resnet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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

// source supplies weights by key: a Weights map, or the generator behind
// [NewRandom].
type source interface {
	get(key string) (Tensor, bool)
}

func (w Weights) get(key string) (Tensor, bool) {
	t, ok := w[key]
	return t, ok
}

// checkTensor verifies a tensor's shape and length against its spec.
func checkTensor(s *spec, t Tensor) error {
	if !slices.Equal(t.Shape, s.shape) {
		return weightsErr("%s has shape %v, want %v", s.key, t.Shape, s.shape)
	}
	if len(t.Data) != s.size() {
		return weightsErr("%s has %d values, its shape %v needs %d", s.key, len(t.Data), t.Shape, s.size())
	}
	return nil
}

// checkKeys verifies that w has no key the network does not use (apart from
// PyTorch's num_batches_tracked counters), that every BN is complete or
// absent, and that a convolution whose BN is absent has a bias.
func (n *netDef) checkKeys(w Weights, specs []spec) error {
	known := make(map[string]bool, len(specs))
	for _, s := range specs {
		known[s.key] = true
	}
	var unknown []string
	for k := range w {
		if !known[k] && !strings.HasSuffix(k, ".num_batches_tracked") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		if len(unknown) > 3 {
			unknown = append(unknown[:3], "...")
		}
		return weightsErr("unexpected keys for %v: %s", n.arch, strings.Join(unknown, ", "))
	}
	return nil
}

// hasBN reports whether the BN called name is present in src: all four of
// its tensors, or none (an error names the first missing one).
func hasBN(src source, name string) (bool, error) {
	present := 0
	missing := ""
	for _, suf := range bnSuffixes {
		if _, ok := src.get(name + suf); ok {
			present++
		} else if missing == "" {
			missing = name + suf
		}
	}
	switch present {
	case 0:
		return false, nil
	case len(bnSuffixes):
		return true, nil
	}
	return false, weightsErr("missing %s", missing)
}

// tensor fetches a required tensor and checks its shape.
func tensor(src source, s *spec) (Tensor, error) {
	t, ok := src.get(s.key)
	if !ok {
		return Tensor{}, weightsErr("missing %s", s.key)
	}
	return t, checkTensor(s, t)
}
