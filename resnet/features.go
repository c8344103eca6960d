package resnet

import (
	"context"
	"fmt"
)

// FeatureLen is the length of one image's embedding: the globally pooled
// features that the fc layer reads (2048 for ResNet-50).
func (m *Model) FeatureLen() int {
	if st := m.gapStep(); st != nil {
		return st.c
	}
	return 0
}

// gapStep is the global average pool of the plan, or nil.
func (m *Model) gapStep() *step {
	for i := range m.steps {
		if m.steps[i].kind == opGAP {
			return &m.steps[i]
		}
	}
	return nil
}

// Embed is [Model.Infer] that also returns the embedding of each image:
// features receives batch x [Model.FeatureLen] values, the pooled features
// before the fc layer, and dst the logits as Infer writes them. Like Infer,
// it may be called from any number of goroutines and is waited for by
// Close.
func (m *Model) Embed(ctx context.Context, features, dst, src []float32, batch int) error {
	ws := m.idle.Get()
	defer m.idle.Put(ws)
	gap := m.gapStep()
	if gap == nil {
		return fmt.Errorf("%w: the model has no pooled features", ErrInput)
	}
	if batch < 1 || len(features) != batch*gap.c {
		return fmt.Errorf("%w: features has %d floats, batch %d x %d features needs %d",
			ErrInput, len(features), batch, gap.c, max(batch, 0)*gap.c)
	}
	if err := m.check(ws, dst, src, batch); err != nil {
		return err
	}
	nc := m.arch.Classes
	for i := 0; i < batch; i += m.maxBatch {
		n := min(m.maxBatch, batch-i)
		err := m.InferWith(ctx, ws, dst[i*nc:(i+n)*nc], src[i*m.inSize:(i+n)*m.inSize], n)
		if err != nil {
			return err
		}
		// The pool's output slot is read only by fc, which writes dst:
		// it still holds this pass's features.
		copy(features[i*gap.c:(i+n)*gap.c], ws.bufs[gap.out][:n*gap.c])
	}
	return nil
}
