package resnet

import (
	"context"
	"fmt"

	"github.com/gorn-ml/gorn/nn"
)

// Workspace holds the activations and scratch space of one inference at a
// time. Use one per goroutine: a Workspace is not safe for concurrent use.
// [Model.Infer] manages workspaces itself; [Model.NewWorkspace] and
// [Model.InferWith] are for callers who want to own them.
type Workspace struct {
	m    *Model
	slab []float32
	bufs [][]float32 // per slot, views of slab
}

// NewWorkspace allocates a workspace for m ([Model.WorkspaceBytes] bytes).
func (m *Model) NewWorkspace() *Workspace {
	ws := &Workspace{m: m, slab: make([]float32, m.slab), bufs: make([][]float32, len(m.slots))}
	for i, s := range m.slots {
		ws.bufs[i] = ws.slab[s.Off : s.Off+s.Size : s.Off+s.Size]
	}
	return ws
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
	nc := m.arch.Classes
	for i := 0; i < batch; i += m.maxBatch {
		n := min(m.maxBatch, batch-i)
		if err := m.pass(ctx, ws, dst[i*nc:(i+n)*nc], src[i*m.inSize:(i+n)*m.inSize], n, nil); err != nil {
			return err
		}
	}
	return nil
}

// check validates the arguments of an inference.
func (m *Model) check(ws *Workspace, dst, src []float32, batch int) error {
	if m.isClosed.Load() {
		return ErrClosed
	}
	if ws == nil || ws.m != m {
		return fmt.Errorf("%w: workspace is nil or belongs to another model", ErrInput)
	}
	if batch < 1 {
		return fmt.Errorf("%w: batch %d (want >= 1)", ErrInput, batch)
	}
	if batch > len(src) || len(src) != batch*m.inSize {
		return fmt.Errorf("%w: src has %d floats, batch %d x %d x %d x %d needs %d",
			ErrInput, len(src), batch, m.arch.InChannels, m.h, m.w, batch*m.inSize)
	}
	if len(dst) != batch*m.arch.Classes {
		return fmt.Errorf("%w: dst has %d floats, batch %d x %d classes needs %d",
			ErrInput, len(dst), batch, m.arch.Classes, batch*m.arch.Classes)
	}
	return nil
}

// pass runs the plan once on n <= maxBatch images. If prof is not nil, it
// receives each step's duration.
func (m *Model) pass(ctx context.Context, ws *Workspace, dst, src []float32, n int, prof func(i int, run func() error) error) error {
	if m.threads > 1 {
		// the workers poll between layers, for this pass only
		m.pool.Hold()
		defer m.pool.Release()
	}
	for i := range m.steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		st := &m.steps[i]
		var err error
		if prof != nil {
			err = prof(i, func() error { return m.exec(st, ws, dst, src, n) })
		} else {
			err = m.exec(st, ws, dst, src, n)
		}
		if err != nil {
			return fmt.Errorf("resnet: %s: %w", st.name, err)
		}
	}
	return nil
}

// exec runs one step on n images.
func (m *Model) exec(st *step, ws *Workspace, dst, src []float32, n int) error {
	var in, out, scratch []float32
	if st.in >= 0 {
		in = ws.bufs[st.in]
	}
	if st.out >= 0 {
		out = ws.bufs[st.out]
	}
	if st.scratch >= 0 {
		scratch = ws.bufs[st.scratch]
	}
	switch st.kind {
	case opInput:
		return nn.NCHWToNHWC(out, src, n, st.c, st.h, st.w)
	case opConv:
		return st.conv.Forward(out, in, n, st.h, st.w, st.ep, scratch, &m.kopt)
	case opMaxPool:
		return nn.MaxPool(out, in, n, st.h, st.w, st.c, nn.SquarePool(3, 2, 1), &m.kopt)
	case opAffine:
		size := n * st.h * st.w * st.c
		return nn.ScaleShift(out[:size], in[:size], st.c, st.scale, st.shift, true)
	case opGAP:
		return nn.GlobalAvgPool(out, in, n, st.h, st.w, st.c)
	case opFC:
		return st.fc.Forward(dst, in, n, nn.Epilogue{}, &m.kopt)
	}
	return fmt.Errorf("unknown step kind %d", st.kind)
}
