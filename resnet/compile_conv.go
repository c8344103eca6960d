package resnet

import (
	"fmt"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// batchNorm fetches BatchNorm name of c channels.
func (b *graphBuilder) batchNorm(name string, c int) (fold.BatchNorm, error) {
	var t [len(bnSuffixes)]Tensor
	for i, suf := range bnSuffixes {
		s := spec{key: name + suf, shape: []int{c}}
		var err error
		if t[i], err = fetch(b.src, &s); err != nil {
			return fold.BatchNorm{}, err
		}
	}
	return fold.BatchNorm{Gamma: t[0].Data, Beta: t[1].Data, Mean: t[2].Data, Var: t[3].Data, Eps: b.n.arch.Eps}, nil
}

// convWeights fetches c's weights and bias with its BatchNorm folded in.
func (b *graphBuilder) convWeights(c *convDef) (weights, bias []float32, err error) {
	s := convSpecs(c)
	wt, err := fetch(b.src, &s[0])
	if err != nil {
		return nil, nil, err
	}
	weights = wt.Data
	if _, ok := b.src.Shape(s[1].key); ok {
		t, err := fetch(b.src, &s[1])
		if err != nil {
			return nil, nil, err
		}
		bias = t.Data
	}
	if c.bn == "" {
		return weights, bias, nil
	}
	present, err := hasBN(b.src, c.bn)
	if err != nil {
		return nil, nil, err
	}
	if !present {
		if bias == nil {
			return nil, nil, weightsErr("missing %s.weight (or %s, if BatchNorm was fused into %s)", c.bn, s[1].key, c.name)
		}
		return weights, bias, nil // fused by the exporter
	}
	bn, err := b.batchNorm(c.bn, c.cout)
	if err != nil {
		return nil, nil, err
	}
	weights, bias, err = fold.IntoConv(weights, bias, bn)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrWeights, c.bn, err)
	}
	return weights, bias, nil
}

// hasBias reports whether c has a bias once its BatchNorm is folded.
func (b *graphBuilder) hasBias(c *convDef) (bool, error) {
	if _, ok := b.src.Shape(c.name + ".bias"); ok {
		return true, nil
	}
	if c.bn == "" {
		return false, nil
	}
	return hasBN(b.src, c.bn)
}

// conv adds convolution c on x as a gorn.Conv whose weights load (and
// fold) when the engine packs them; res, if not nil, is added to the
// result (the residual connection).
func (b *graphBuilder) conv(c *convDef, x, res *graph.Value, relu bool) (*graph.Value, error) {
	h, w := x.Shape[2], x.Shape[3]
	p := nn.SquareConv(c.cin, c.cout, c.k, c.stride, c.pad)
	p.Groups = c.groups
	oh, ow, err := p.OutSize(h, w)
	if err != nil {
		return nil, fmt.Errorf("resnet: input %dx%d is too small: %s gets %dx%d: %w", b.h, b.w, c.name, h, w, err)
	}
	s := convSpecs(c)
	pr := &pair{make: func() ([]float32, []float32, error) { return b.convWeights(c) }}
	wt, err := b.g.AddConst(s[0].key, graph.Lazy(s[0].shape, pr.first))
	if err != nil {
		return nil, err
	}
	var bias *graph.Value
	if ok, err := b.hasBias(c); err != nil {
		return nil, err
	} else if ok {
		if bias, err = b.g.AddConst(c.name+".folded_bias", graph.Lazy(s[1].shape, pr.last)); err != nil {
			return nil, err
		}
	}
	at := graph.Attrs{"kernel_shape": graph.Is(int64(c.k), int64(c.k)), "strides": graph.Is(int64(c.stride), int64(c.stride)),
		"pads": graph.Is(int64(c.pad), int64(c.pad), int64(c.pad), int64(c.pad)), "group": graph.I(int64(c.groups))}
	if relu {
		at["activation"] = graph.S("relu")
	}
	d := fmt.Sprintf("%dx%dx%d -> %dx%dx%d %dx%d/%d", h, w, c.cin, oh, ow, c.cout, c.k, c.k, c.stride)
	if c.groups > 1 {
		d += fmt.Sprintf(" g%d", c.groups)
	}
	b.shapes[c.name] = d
	return b.node(graph.OpConv, c.name, []*graph.Value{x, wt, bias, res}, []int{1, c.cout, oh, ow}, at)
}
