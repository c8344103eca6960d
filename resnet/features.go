package resnet

import "context"

// Embed is [Model.Infer] that also returns the embedding of each image:
// features receives batch x [Model.Features] values, the pooled features
// before the fc layer, and dst the logits as Infer writes them, both from
// one pass. Like Infer, it may be called from any number of goroutines and
// is waited for by Close.
func (m *Model) Embed(ctx context.Context, features, dst, src []float32, batch int) error {
	if err := m.checkSrc(src, batch); err != nil {
		return err
	}
	if err := checkOut("features", features, batch, m.features, "features"); err != nil {
		return err
	}
	if err := checkOut("dst", dst, batch, m.arch.Classes, "classes"); err != nil {
		return err
	}
	return m.outputs(ctx, dst, features, src, batch)
}
