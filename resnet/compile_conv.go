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
	cv, err := nn.NewConvAlgo(b.im, p, weights, bias, convAlgo(p, oh, ow))
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

// convAlgo chooses the algorithm of a convolution of geometry p with an
// oh x ow output: nn.DefaultAlgo, except that where that would be Winograd
// F(4x4,3x3) (nn.AlgoAuto on a 3x3 stride-1 layer of 32 channels or more)
// on a map smaller than 14x14 (ResNet-50's last stage at 224x224) it takes
// F(2x2,3x3). F(4x4) packs the filters for each of 36 tile positions,
// F(2x2) for 16, im2col once (4x and 1.8x the im2col size): ResNet-50's
// packed weights take 201 MB with F(4x4) there and 159 MB with F(2x2).
// F(2x2) is also the faster there, its 2x2 tiles covering a 7x7 map with
// less waste than 4x4 ones: 2.7-3.1 ms against 3.0-3.7 ms per 7x7x512
// layer (one thread, Zen 3, shared machine; nn's own benchmark gave 1.25x
// and 1.1x over im2col).
func convAlgo(p nn.ConvParams, oh, ow int) nn.ConvAlgo {
	if nn.DefaultAlgo == nn.AlgoAuto && nn.WinogradApplies(p) && p.Cin >= 32 && p.Cout >= 32 && oh*ow < 14*14 {
		return nn.AlgoWinograd2
	}
	return nn.DefaultAlgo
}
