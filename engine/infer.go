package engine

import (
	"context"
	"fmt"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// op is one lowered operation. run computes it for n images on the
// workspace's buffers; it must not allocate.
type op interface {
	run(x *runCtx) error
}

// step is one operation of the plan with what describes it.
type step struct {
	op      op
	name    string // the node's name (or its output's)
	kind    string // the operator, e.g. "gorn.Conv"
	shape   string // input and output shapes, for profiles
	note    string // fused epilogue, in-place, view ... for the plan description
	macs    int64  // multiply-accumulates per image
	work    int64  // other work per image that Options.MaxWork counts (pool windows)
	reads   []*buffer
	writes  []*buffer
	scratch int // slot index + 1, 0 if none
}

// runCtx is what an op sees of a pass.
type runCtx struct {
	bufs    [][]float32
	n       int
	kopt    *kernels.Options
	im      *kernels.Impl
	src     []float32 // the caller's input (the input step)
	scratch []float32 // the step's scratch slot, or nil
}

// data returns the storage of t for the pass: a constant's data, or the
// first n images of its buffer.
func (x *runCtx) data(t *tensor) []float32 {
	if t.konst != nil {
		return t.konst
	}
	return x.bufs[t.buf.slot][:x.n*t.size]
}

// Workspace holds the activations and scratch space of one inference at a
// time. A Workspace is not safe for concurrent use. [Model.Infer] manages
// workspaces itself; [Model.NewWorkspace] and [Model.InferWith] are for
// callers who want to own them.
type Workspace struct {
	m    *Model
	slab []float32
	bufs [][]float32 // per slot, views of slab
	x    runCtx
}

// NewWorkspace allocates a workspace for m ([Model.WorkspaceBytes] bytes).
func (m *Model) NewWorkspace() *Workspace {
	ws := &Workspace{m: m, slab: make([]float32, m.slab), bufs: make([][]float32, len(m.slots))}
	for i, s := range m.slots {
		ws.bufs[i] = ws.slab[s.Off : s.Off+s.Size : s.Off+s.Size]
	}
	return ws
}

// Infer runs batch images and writes the first output to dst. src holds
// the images in NCHW order, batch x [Model.InputLen] floats; dst receives
// batch x Outputs()[0].Len() floats, in NCHW order. Batches larger than
// MaxBatch run in several passes. The context is checked before every
// operation: a cancelled call returns ctx.Err() and leaves dst partly
// written.
//
// Infer may be called from any number of goroutines at once. Each call
// takes an idle workspace the model keeps, or allocates one when all are in
// use; the model keeps up to runtime.GOMAXPROCS (at Compile) idle
// workspaces, so with that many concurrent callers or fewer, a warm model
// makes no heap allocations.
func (m *Model) Infer(ctx context.Context, dst, src []float32, batch int) error {
	d := [1][]float32{dst}
	return m.InferOutputs(ctx, src, batch, d[:])
}

// InferOutputs is [Model.Infer] for several outputs at once: dsts[i]
// receives output i (see [Model.Outputs]), batch x Outputs()[i].Len()
// floats in NCHW order; nil entries, and outputs past len(dsts), are not
// written. len(dsts) must not exceed the number of outputs.
func (m *Model) InferOutputs(ctx context.Context, src []float32, batch int, dsts [][]float32) error {
	ws := m.idle.Get()
	err := m.InferWith(ctx, ws, src, batch, dsts)
	m.idle.Put(ws)
	return err
}

// InferWith is [Model.InferOutputs] on a workspace the caller provides
// (from m.NewWorkspace), which must not be in use by another call.
func (m *Model) InferWith(ctx context.Context, ws *Workspace, src []float32, batch int, dsts [][]float32) error {
	return m.InferTraced(ctx, ws, src, batch, dsts, nil)
}

// StepFunc runs one step of a pass: it must call run once and return its
// error (or an error of its own). step indexes the plan's steps, as
// [Model.Profile] lists them.
type StepFunc func(step int, run func() error) error

// InferTraced is [Model.InferWith] with every step run through each, for
// timing or tracing (nil: the steps run directly).
func (m *Model) InferTraced(ctx context.Context, ws *Workspace, src []float32, batch int, dsts [][]float32, each StepFunc) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(ws, src, batch, dsts); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	in := m.input.size
	for i := 0; i < batch; i += m.maxBatch {
		n := min(m.maxBatch, batch-i)
		if err := m.pass(ctx, ws, src[i*in:(i+n)*in], n, each); err != nil {
			return err
		}
		for k, d := range dsts {
			if d == nil {
				continue
			}
			o := m.outputs[k]
			if err := m.emit(ws, o, d[i*o.size:(i+n)*o.size], n); err != nil {
				return fmt.Errorf("engine: output %q: %w", o.name, err)
			}
		}
	}
	return nil
}

// check validates the arguments of an inference.
func (m *Model) check(ws *Workspace, src []float32, batch int, dsts [][]float32) error {
	if m.closed {
		return ErrClosed
	}
	if ws == nil || ws.m != m {
		return fmt.Errorf("%w: workspace is nil or belongs to another model", ErrInput)
	}
	if batch < 1 || batch > len(src) {
		return fmt.Errorf("%w: batch %d for %d input floats", ErrInput, batch, len(src))
	}
	if len(src) != batch*m.input.size {
		return fmt.Errorf("%w: src has %d floats, batch %d x %v needs %d",
			ErrInput, len(src), batch, m.input.shape[1:], batch*m.input.size)
	}
	if len(dsts) > len(m.outputs) {
		return fmt.Errorf("%w: %d destinations for %d outputs", ErrInput, len(dsts), len(m.outputs))
	}
	for k, d := range dsts {
		if o := m.outputs[k]; d != nil && len(d) != batch*o.size {
			return fmt.Errorf("%w: dst for output %q has %d floats, batch %d x %v needs %d",
				ErrInput, o.name, len(d), batch, o.shape[1:], batch*o.size)
		}
	}
	return nil
}

// pass runs the plan once on n <= maxBatch images. If prof is not nil, it
// runs each step.
func (m *Model) pass(ctx context.Context, ws *Workspace, src []float32, n int, prof StepFunc) error {
	if m.threads > 1 {
		// the workers poll between operations, for this pass only
		m.pool.Hold()
		defer m.pool.Release()
	}
	x := &ws.x
	x.bufs, x.n, x.kopt, x.im, x.src = ws.bufs, n, &m.kopt, m.im, src
	defer func() { x.src = nil }()
	for i := range m.steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		st := &m.steps[i]
		x.scratch = nil
		if st.scratch > 0 {
			x.scratch = ws.bufs[st.scratch-1]
		}
		var err error
		if prof != nil {
			err = prof(i, func() error { return st.op.run(x) })
		} else {
			err = st.op.run(x)
		}
		if err != nil {
			return fmt.Errorf("engine: %s (%s): %w", st.name, st.kind, err)
		}
	}
	return nil
}

// emit writes output o of n images to dst in NCHW order.
func (m *Model) emit(ws *Workspace, o *tensor, dst []float32, n int) error {
	ws.x.n = n
	s := ws.x.data(o)
	if o.plain() {
		copy(dst, s)
		return nil
	}
	return nn.NHWCToNCHW(dst, s, n, o.shape[1], o.shape[2], o.shape[3])
}
