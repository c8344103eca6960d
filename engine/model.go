package engine

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/internal/memplan"
	"github.com/gorn-ml/gorn/kernels"
)

// Options tune a compiled [Model]. The zero value (or a nil *Options) runs
// one image per pass on every core at the best kernels level this CPU has.
type Options struct {
	// Threads is the number of threads one inference uses (the calling
	// goroutine included). 0 means runtime.GOMAXPROCS(0). With Pool set, it
	// caps how many of the pool's threads a call uses.
	Threads int
	// Pool, when not nil, is a worker pool shared with other models; Close
	// then leaves it running. Otherwise the model starts its own pool of
	// Threads threads (idle workers block) and Close stops it.
	Pool *kernels.Pool
	// MaxBatch is the largest number of images one pass runs; the workspace
	// is sized for it. 0 means 1.
	MaxBatch int
	// Level names the kernels level every operation is compiled for and runs
	// on ("avx2", "generic", ...; see kernels.Impls). "" means
	// kernels.Active().
	Level string
	// MaxWorkspaceBytes bounds the workspace (all activations and scratch
	// of a pass of MaxBatch images): a graph that needs more is refused at
	// Compile, before anything that size is allocated. 0 means 16 GiB.
	MaxWorkspaceBytes int64
	// MaxWork bounds the arithmetic of one image: the multiply-accumulates
	// of convolutions and linear layers plus the window reads of pooling. A
	// graph that needs more is refused at Compile (a hostile file must not
	// make an inference run for hours). 0 means no limit.
	MaxWork int64
}

// Errors returned by Compile and Infer.
var (
	// ErrInput reports an input or output of the wrong size, or a batch < 1.
	ErrInput = errors.New("engine: bad input")
	// ErrClosed reports a call on a closed model.
	ErrClosed = errors.New("engine: model closed")
)

// TensorInfo describes a graph input or output: its name and its NCHW
// (ONNX-order) shape for one image, dimension 0 being 1.
type TensorInfo struct {
	Name  string
	Shape []int
}

// Len is the number of floats of one image of the tensor.
func (t TensorInfo) Len() int {
	n := 1
	for _, d := range t.Shape[1:] {
		n *= d
	}
	return n
}

// Model is a compiled graph: packed weights and an execution plan. It is
// safe for concurrent use by any number of goroutines; each call runs on
// its own workspace.
type Model struct {
	im       *kernels.Impl
	threads  int
	maxBatch int
	pool     *kernels.Pool
	ownPool  bool
	kopt     kernels.Options
	steps    []step
	slots    []*memplan.Slot
	slab     int // floats of one workspace
	input    *tensor
	outputs  []*tensor
	weights  int // bytes of packed weights and constants
	idle     idle.List[Workspace]
	log      []string // what the graph's passes did
	views    []string // nodes planned as views, for the plan description

	// mu makes Close wait for calls in flight: Infer holds it for reading.
	mu     sync.RWMutex
	closed bool
}

// Input describes the graph input.
func (m *Model) Input() TensorInfo { return m.input.info() }

// InputLen is the number of floats of one input image.
func (m *Model) InputLen() int { return m.input.size }

// Outputs describes the graph outputs, in the graph's order.
func (m *Model) Outputs() []TensorInfo {
	out := make([]TensorInfo, len(m.outputs))
	for i, t := range m.outputs {
		out[i] = t.info()
	}
	return out
}

// OutputIndex returns the index of the output called name, or -1.
func (m *Model) OutputIndex(name string) int {
	return slices.IndexFunc(m.outputs, func(t *tensor) bool { return t.name == name })
}

// MaxBatch is the number of images one pass runs.
func (m *Model) MaxBatch() int { return m.maxBatch }

// Threads is the number of threads one inference uses.
func (m *Model) Threads() int { return m.threads }

// Level is the kernels level the model was compiled for and runs on.
func (m *Model) Level() *kernels.Impl { return m.im }

// WeightBytes is the memory the packed weights and constants take.
func (m *Model) WeightBytes() int { return m.weights }

// WorkspaceBytes is the memory one workspace takes: all activations and
// scratch space of a pass of MaxBatch images.
func (m *Model) WorkspaceBytes() int { return 4 * m.slab }

// Close waits for calls in flight, stops the model's worker pool (unless it
// was given in Options) and drops idle workspaces. Later calls return
// ErrClosed. It is safe to call more than once.
func (m *Model) Close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		if m.ownPool {
			m.pool.Close()
		}
	}
	m.mu.Unlock()
	m.idle.Clear()
}

// resolve applies the defaults and finds the level.
func (o *Options) resolve() (Options, *kernels.Impl, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Threads < 0 || r.MaxBatch < 0 || r.MaxWorkspaceBytes < 0 || r.MaxWork < 0 {
		return r, nil, fmt.Errorf("engine: negative Threads %d, MaxBatch %d, MaxWorkspaceBytes %d or MaxWork %d",
			r.Threads, r.MaxBatch, r.MaxWorkspaceBytes, r.MaxWork)
	}
	if r.MaxWorkspaceBytes == 0 || r.MaxWorkspaceBytes > 4*maxSlab {
		r.MaxWorkspaceBytes = 4 * maxSlab
	}
	if r.Threads == 0 {
		r.Threads = runtime.GOMAXPROCS(0)
	}
	if r.Pool != nil {
		r.Threads = min(r.Threads, r.Pool.Threads())
	}
	if r.MaxBatch == 0 {
		r.MaxBatch = 1
	}
	if r.MaxBatch > 1<<16 {
		return r, nil, fmt.Errorf("engine: MaxBatch %d is too large", r.MaxBatch)
	}
	im := kernels.Active()
	if r.Level != "" {
		var err error
		if im, err = kernels.Lookup(r.Level); err != nil {
			return r, nil, err
		}
	}
	return r, im, nil
}

// Slot is one buffer of the workspace plan: Size floats at offset Off of
// the slab, alive from step First to step Last.
type Slot struct {
	Size, Off   int
	First, Last int
}

// Slots lists the workspace plan's buffers.
func (m *Model) Slots() []Slot {
	out := make([]Slot, len(m.slots))
	for i, s := range m.slots {
		out[i] = Slot{Size: s.Size, Off: s.Off, First: s.First, Last: s.Last}
	}
	return out
}
