package resnet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// WeightSource supplies a network's weights by torchvision state-dict name
// (see the package overview), one tensor at a time. [NewFrom] compiles a
// model from one without ever holding a decoded copy of every weight: it
// asks for a layer's tensors, folds and packs them, and drops them before
// it asks for the next layer's.
//
// [Weights] is the in-memory source. A *safetensors.File is one too, and
// decodes each tensor from the memory-mapped file when it is asked for.
// Shapes are PyTorch's (see the package overview). A source is used by one
// goroutine at a time.
type WeightSource interface {
	// Keys lists the names of all the tensors the source holds, in any
	// order. Names ending in ".num_batches_tracked" (PyTorch's BatchNorm
	// counters) may be among them; they are ignored.
	Keys() []string
	// Shape returns the shape of the tensor called key, or false if the
	// source has no such tensor. It must be cheap: it reads no tensor
	// data. The caller does not modify the returned slice.
	Shape(key string) (shape []int, ok bool)
	// Float32s returns the values of the tensor called key, row-major, as
	// many as its shape calls for; an absent key or unreadable data is an
	// error. The caller only reads the slice, and keeps no reference to it
	// once the compile that asked for it returns, so a source may return
	// a fresh slice or memory it owns.
	Float32s(key string) ([]float32, error)
}

// Keys returns the map's keys in sorted order.
func (w Weights) Keys() []string {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Shape returns the shape of w[key] (not a copy) and whether it exists.
func (w Weights) Shape(key string) ([]int, bool) {
	t, ok := w[key]
	return t.Shape, ok
}

// Float32s returns the data of w[key] (not a copy), or an error wrapping
// [ErrWeights] for an absent key.
func (w Weights) Float32s(key string) ([]float32, error) {
	t, ok := w[key]
	if !ok {
		return nil, weightsErr("missing %s", key)
	}
	return t.Data, nil
}

// New compiles arch with weights (see the package overview for names and
// shapes). It checks every tensor first and names the key of the first
// one that is missing, unexpected or of the wrong shape. weights is not
// retained. opt may be nil. It is [NewFrom] with the map as the source:
// the caller's map, all of it decoded, stays in memory while the model is
// packed, so for weights in a file a file-backed source (a
// *safetensors.File) takes about half the peak memory.
func New(arch Arch, weights Weights, opt *Options) (*Model, error) {
	return newFrom(arch, weights, opt, weights.checkLengths)
}

// NewFrom compiles arch with the weights src supplies. Before it reads any
// tensor it checks every name and shape through src's Keys and Shape, and
// an error names the first key that is missing, unexpected (apart from
// num_batches_tracked counters) or of the wrong shape. Then it reads each
// tensor once, layer by layer in execution order, folds BatchNorm into it
// and packs it, so the memory it takes is the packed weights plus about one
// layer's temporaries, whatever src holds. src is not retained: a source
// backed by a file may be closed once NewFrom returns. opt may be nil.
func NewFrom(arch Arch, src WeightSource, opt *Options) (*Model, error) {
	return newFrom(arch, src, opt, nil)
}

// newFrom is NewFrom with an extra check run after the shape checks.
func newFrom(arch Arch, src WeightSource, opt *Options, extra func(*netDef) error) (*Model, error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, weightsErr("nil WeightSource")
	}
	n := arch.build()
	if err := n.check(src); err != nil {
		return nil, err
	}
	if extra != nil {
		if err := extra(n); err != nil {
			return nil, err
		}
	}
	return compile(n, src, opt)
}

// checkLengths checks that every tensor of the network in w has as many
// values as its shape calls for (the shapes have been checked).
func (w Weights) checkLengths(n *netDef) error {
	for _, s := range n.specs() {
		if t, ok := w[s.key]; ok && len(t.Data) != s.size() {
			return weightsErr("%s has %d values, its shape %v needs %d", s.key, len(t.Data), t.Shape, s.size())
		}
	}
	return nil
}

// check verifies, from shapes alone, that src holds the network's weights:
// no key the network does not use, every required tensor present with the
// right shape, every BatchNorm complete or absent, and a bias for every
// convolution whose BatchNorm is absent (fused by an exporter). Errors name
// the first offending key in execution order.
func (n *netDef) check(src WeightSource) error {
	if err := n.checkKeys(src); err != nil {
		return err
	}
	if err := checkConv(src, &n.stem); err != nil {
		return err
	}
	for i := range n.blocks {
		b := &n.blocks[i]
		if b.preact != "" {
			if err := checkBN(src, b.preact, b.convs[0].cin, true); err != nil {
				return err
			}
		}
		if b.down != nil {
			if err := checkConv(src, b.down); err != nil {
				return err
			}
		}
		for j := range b.convs {
			if err := checkConv(src, &b.convs[j]); err != nil {
				return err
			}
		}
	}
	if n.final != "" {
		if err := checkBN(src, n.final, n.features, true); err != nil {
			return err
		}
	}
	for _, s := range n.fcSpecs() {
		if err := checkShape(src, &s, true); err != nil {
			return err
		}
	}
	return nil
}

// fcSpecs are the fully connected layer's weight and bias.
func (n *netDef) fcSpecs() [2]spec {
	return [2]spec{{key: "fc.weight", shape: []int{n.classes, n.features}},
		{key: "fc.bias", shape: []int{n.classes}}}
}

// convSpecs are c's weight and bias.
func convSpecs(c *convDef) [2]spec {
	return [2]spec{{key: c.name + ".weight", shape: []int{c.cout, c.cin / c.groups, c.k, c.k}},
		{key: c.name + ".bias", shape: []int{c.cout}}}
}

// checkConv checks convolution c and the BatchNorm that follows it.
func checkConv(src WeightSource, c *convDef) error {
	s := convSpecs(c)
	if err := checkShape(src, &s[0], true); err != nil {
		return err
	}
	if err := checkShape(src, &s[1], false); err != nil {
		return err
	}
	if c.bn == "" {
		return nil
	}
	present, err := hasBN(src, c.bn)
	if err != nil {
		return err
	}
	if present {
		return checkBN(src, c.bn, c.cout, true)
	}
	if _, ok := src.Shape(s[1].key); !ok {
		return weightsErr("missing %s.weight (or %s, if BatchNorm was fused into %s)", c.bn, s[1].key, c.name)
	}
	return nil
}

// checkBN checks the four tensors of BatchNorm name over c channels.
func checkBN(src WeightSource, name string, c int, required bool) error {
	for _, suf := range bnSuffixes {
		s := spec{key: name + suf, shape: []int{c}}
		if err := checkShape(src, &s, required); err != nil {
			return err
		}
	}
	return nil
}

// checkShape checks the shape of tensor s in src; an absent tensor is an
// error if it is required.
func checkShape(src WeightSource, s *spec, required bool) error {
	shape, ok := src.Shape(s.key)
	switch {
	case !ok && required:
		return weightsErr("missing %s", s.key)
	case ok && !slices.Equal(shape, s.shape):
		return weightsErr("%s has shape %v, want %v", s.key, shape, s.shape)
	}
	return nil
}

// checkKeys verifies that src has no key the network does not use, apart
// from PyTorch's num_batches_tracked counters.
func (n *netDef) checkKeys(src WeightSource) error {
	specs := n.specs()
	known := make(map[string]bool, len(specs))
	for _, s := range specs {
		known[s.key] = true
	}
	var unknown []string
	for _, k := range src.Keys() {
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
func hasBN(src WeightSource, name string) (bool, error) {
	present := 0
	missing := ""
	for _, suf := range bnSuffixes {
		if _, ok := src.Shape(name + suf); ok {
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

// fetch reads tensor s from src and checks its length (a source may
// disagree with its own Shape, which has been checked).
func fetch(src WeightSource, s *spec) (Tensor, error) {
	data, err := src.Float32s(s.key)
	if errors.Is(err, ErrWeights) {
		return Tensor{}, err
	}
	if err != nil {
		return Tensor{}, fmt.Errorf("%w: %s: %w", ErrWeights, s.key, err)
	}
	if len(data) != s.size() {
		return Tensor{}, weightsErr("%s has %d values, its shape %v needs %d", s.key, len(data), s.shape, s.size())
	}
	return Tensor{Shape: s.shape, Data: data}, nil
}
