package resnet

import (
	"fmt"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/nn"
)

// batchNorm fetches BatchNorm name of c channels.
func (b *builder) batchNorm(name string, c int) (fold.BatchNorm, error) {
	var t [len(bnSuffixes)]Tensor
	for i, suf := range bnSuffixes {
		s := spec{key: name + suf, shape: []int{c}}
		var err error
		if t[i], err = b.fetch(&s); err != nil {
			return fold.BatchNorm{}, err
		}
	}
	return fold.BatchNorm{Gamma: t[0].Data, Beta: t[1].Data, Mean: t[2].Data, Var: t[3].Data, Eps: b.n.arch.Eps}, nil
}

// convWeights fetches c's weights and bias with its BatchNorm folded in.
func (b *builder) convWeights(c *convDef) (weights, bias []float32, err error) {
	s := convSpecs(c)
	wt, err := b.fetch(&s[0])
	if err != nil {
		return nil, nil, err
	}
	weights = wt.Data
	if _, ok := b.src.Shape(s[1].key); ok {
		t, err := b.fetch(&s[1])
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

// conv plans convolution c on x. With into >= 0 the result is added to
// that slot in place (a residual connection) and the output is that slot.
func (b *builder) conv(c *convDef, x actv, into int, relu bool) (actv, error) {
	weights, bias, err := b.convWeights(c)
	if err != nil {
		return x, err
	}
	p := nn.SquareConv(c.cin, c.cout, c.k, c.stride, c.pad)
	p.Groups = c.groups
	oh, ow, err := p.OutSize(x.h, x.w)
	if err != nil {
		return x, fmt.Errorf("resnet: input %dx%d is too small: %s gets %dx%d: %w", b.m.h, b.m.w, c.name, x.h, x.w, err)
	}
	cv, err := nn.NewConvForInput(b.im, p, weights, bias, x.h, x.w)
	if err != nil {
		return x, fmt.Errorf("resnet: %s: %w", c.name, err)
	}
	y := actv{slot: into, h: oh, w: ow, c: c.cout}
	if into < 0 {
		y.slot = b.newSlot(b.m.maxBatch * oh * ow * c.cout)
	}
	// The scratch an im2col convolution needs is not monotonic in the batch
	// (small batches extract all of A at once), so take the largest.
	need := 0
	for n := 1; n <= b.m.maxBatch; n++ {
		need = max(need, cv.ScratchSize(n, x.h, x.w, &b.m.kopt))
	}
	scratch := -1
	if need > 0 {
		scratch = b.newSlot(need)
	}
	b.m.weights += cv.WeightBytes()
	b.temporary(2 * 4 * len(weights)) // the folded copy and nn's transposed one (b.fetch counted the tensors)
	b.add(step{kind: opConv, name: c.name, conv: cv, in: x.slot, out: y.slot, scratch: scratch,
		h: x.h, w: x.w, c: x.c, oh: oh, ow: ow, ep: nn.Epilogue{Residual: into >= 0, ReLU: relu},
		macs: int64(oh*ow*c.cout) * int64(c.cin/c.groups*c.k*c.k)})
	return y, nil
}
