package resnet

import (
	"context"
	"errors"
	"fmt"

	"github.com/gorn-ml/gorn/engine"
)

// Embed is [Model.Infer] that also returns the embedding of each image:
// features receives batch x [Model.Features] values, the pooled features
// before the fc layer, and dst the logits as Infer writes them, both from
// one pass. Like Infer, it may be called from any number of goroutines and
// is waited for by Close.
func (m *Model) Embed(ctx context.Context, features, dst, src []float32, batch int) error {
	if err := m.checkSrc(src, batch); err != nil {
		return err
	}
	if len(features) != batch*m.features {
		return fmt.Errorf("%w: features has %d floats, batch %d x %d features needs %d",
			ErrInput, len(features), batch, m.features, batch*m.features)
	}
	if len(dst) != batch*m.arch.Classes {
		return fmt.Errorf("%w: dst has %d floats, batch %d x %d classes needs %d",
			ErrInput, len(dst), batch, m.arch.Classes, batch*m.arch.Classes)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ws := m.idle.Get()
	d := [2][]float32{dst, features}
	err := m.eng.InferTraced(ctx, ws.ew, src, batch, d[:], nil)
	m.idle.Put(ws)
	if errors.Is(err, engine.ErrClosed) {
		return ErrClosed
	}
	return err
}
