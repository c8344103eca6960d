package resnet

import (
	"context"
	"errors"
	"fmt"

	"github.com/gorn-ml/gorn/engine"
)

// Workspace holds the activations and scratch space of one inference at a
// time. Use one per goroutine: a Workspace is not safe for concurrent use.
// [Model.Infer] manages workspaces itself; [Model.NewWorkspace] and
// [Model.InferWith] are for callers who want to own them.
type Workspace struct {
	m  *Model
	ew *engine.Workspace
}

// NewWorkspace allocates a workspace for m ([Model.WorkspaceBytes] bytes).
func (m *Model) NewWorkspace() *Workspace {
	return &Workspace{m: m, ew: m.eng.NewWorkspace()}
}

// Infer computes the logits of batch images. src holds them in NCHW order,
// batch x channels x H x W float32 (see [Model.InputLen] and
// [Model.InputSize]), as PyTorch and ONNX models take them; dst receives
// batch x [Model.Classes] logits. Batches larger than [Options].MaxBatch run
// in several passes. The context is checked before every layer: a
// cancelled call returns ctx.Err() and leaves dst partly written.
//
// Infer may be called from any number of goroutines at once. Each call
// takes an idle workspace the model keeps, or allocates one when all are in
// use; the model keeps up to runtime.GOMAXPROCS (at New) idle workspaces, so
// with that many concurrent callers or fewer, a warm model makes no heap
// allocations.
func (m *Model) Infer(ctx context.Context, dst, src []float32, batch int) error {
	ws := m.idle.Get()
	err := m.InferWith(ctx, ws, dst, src, batch)
	m.idle.Put(ws)
	return err
}

// InferWith is [Model.Infer] on a workspace the caller provides (from
// m.NewWorkspace), which must not be in use by another call.
func (m *Model) InferWith(ctx context.Context, ws *Workspace, dst, src []float32, batch int) error {
	if err := m.check(ws, dst, src, batch); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.pass(ctx, ws, dst, src, batch, nil)
}

// check validates the arguments of an inference.
func (m *Model) check(ws *Workspace, dst, src []float32, batch int) error {
	if err := m.checkSrc(src, batch); err != nil {
		return err
	}
	if ws == nil || ws.m != m {
		return fmt.Errorf("%w: workspace is nil or belongs to another model", ErrInput)
	}
	return checkOut("dst", dst, batch, m.arch.Classes, "classes")
}

// checkSrc validates the model's state, the batch and the input.
func (m *Model) checkSrc(src []float32, batch int) error {
	if m.isClosed.Load() {
		return ErrClosed
	}
	if batch < 1 {
		return fmt.Errorf("%w: batch %d (want >= 1)", ErrInput, batch)
	}
	if batch > len(src) || len(src) != batch*m.inSize {
		return fmt.Errorf("%w: src has %d floats, batch %d x %d x %d x %d needs %d",
			ErrInput, len(src), batch, m.arch.InChannels, m.h, m.w, batch*m.inSize)
	}
	return nil
}

// pass runs the engine on n images (checked) into dst. If prof is not nil,
// it runs each step.
func (m *Model) pass(ctx context.Context, ws *Workspace, dst, src []float32, n int, prof func(i int, run func() error) error) error {
	d := [1][]float32{dst}
	err := m.eng.InferTraced(ctx, ws.ew, src, n, d[:], prof)
	if errors.Is(err, engine.ErrClosed) {
		return ErrClosed
	}
	return err
}

// InferFeatures computes the pooled features of batch images (the global
// average of the last block's output, which the fully connected layer
// reads): an embedding. src is as for [Model.Infer]; dst receives batch x
// [Model.Features] floats. Like Infer it is safe for concurrent use and
// makes no heap allocations once warm.
func (m *Model) InferFeatures(ctx context.Context, dst, src []float32, batch int) error {
	if err := m.checkSrc(src, batch); err != nil {
		return err
	}
	if err := checkOut("dst", dst, batch, m.features, "features"); err != nil {
		return err
	}
	return m.outputs(ctx, nil, dst, src, batch)
}

// checkOut checks that s holds batch x per floats.
func checkOut(name string, s []float32, batch, per int, unit string) error {
	if len(s) != batch*per {
		return fmt.Errorf("%w: %s has %d floats, batch %d x %d %s needs %d",
			ErrInput, name, len(s), batch, per, unit, batch*per)
	}
	return nil
}

// outputs runs batch images (checked) on an idle workspace, filling the
// logits and the pooled features where they are not nil.
func (m *Model) outputs(ctx context.Context, logits, features, src []float32, batch int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ws := m.idle.Get()
	d := [2][]float32{logits, features}
	err := m.eng.InferTraced(ctx, ws.ew, src, batch, d[:], nil)
	m.idle.Put(ws)
	if errors.Is(err, engine.ErrClosed) {
		return ErrClosed
	}
	return err
}
