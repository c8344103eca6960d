package resnet

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/kernels"
)

// MaxThreads bounds Options.Threads: each thread is a goroutine of the
// model's pool, and more than this gain nothing on any machine.
const MaxThreads = 256

// Options tune a compiled [Model]. The zero value (or a nil *Options) runs
// 224x224 images one at a time on every core, at the best kernels level
// this CPU has.
type Options struct {
	// Threads is the number of threads one inference uses (the calling
	// goroutine included). 0 means runtime.GOMAXPROCS(0). Ignored when Pool
	// is set, except as a cap on how many of its threads a call uses.
	Threads int
	// Pool, when not nil, is a worker pool to share with other models; the
	// model then does not own it and Close leaves it running. Otherwise New
	// starts a pool of Threads threads, whose idle workers block (they never
	// spin), and Close stops it.
	Pool *kernels.Pool
	// MaxBatch is the largest number of images one pass runs; the workspace
	// is sized for it. Infer splits larger batches into passes of MaxBatch.
	// 0 means 1.
	MaxBatch int
	// Height and Width are the input image size in pixels. 0 means 224.
	Height, Width int
	// Level names the kernels level to pack the weights for and run on
	// ("avx2", "generic", ...; see kernels.Impls). "" means kernels.Active().
	Level string
}

// Model is a compiled network: folded, packed weights and an execution plan
// (an engine.Model running the network's graph). It is safe for concurrent
// use by any number of goroutines; each call runs on its own workspace.
type Model struct {
	arch     Arch // with defaults
	h, w     int
	maxBatch int
	threads  int
	impl     *kernels.Impl
	eng      *engine.Model
	slots    []engine.Slot        // the engine's workspace plan
	shapes   map[string]string    // node name -> LayerStat.Shape
	inSize   int                  // floats of one input image
	features int                  // pooled features per image
	idle     idle.List[Workspace] // workspaces not in use (see Infer)
	isClosed atomic.Bool
}

// Errors returned by Infer.
var (
	// ErrInput reports an input or output of the wrong size, or a batch < 1.
	ErrInput = errors.New("resnet: bad input")
	// ErrClosed reports a call on a closed model.
	ErrClosed = errors.New("resnet: model closed")
)

// NewRandom compiles arch with the weights [Random] would give for seed,
// making them one layer at a time, so the full set is never held: the
// model's memory is the packed weights and little more.
func NewRandom(arch Arch, seed uint64, opt *Options) (*Model, error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	n := arch.build()
	return compile(n, newGenerator(n, seed), opt)
}

// resolve checks o and applies the input size's defaults; package engine
// applies the others (threads, pool, batch) and finds the level, which
// resolve only checks exists, so that an unknown level fails first.
func (o *Options) resolve() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Threads", r.Threads}, {"MaxBatch", r.MaxBatch}, {"Height", r.Height}, {"Width", r.Width}} {
		if f.v < 0 {
			return r, fmt.Errorf("resnet: Options.%s = %d is negative", f.name, f.v)
		}
	}
	if r.Threads > MaxThreads {
		return r, fmt.Errorf("resnet: Options.Threads = %d exceeds %d", r.Threads, MaxThreads)
	}
	if r.Height == 0 {
		r.Height = 224
	}
	if r.Width == 0 {
		r.Width = 224
	}
	if r.MaxBatch > 1<<16 || r.Height > 1<<15 || r.Width > 1<<15 {
		return r, fmt.Errorf("resnet: MaxBatch %d or input size %dx%d is too large", r.MaxBatch, r.Height, r.Width)
	}
	if r.Level != "" {
		if _, err := kernels.Lookup(r.Level); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Arch returns the architecture, with defaults filled in.
func (m *Model) Arch() Arch { return m.arch.WithClasses(m.arch.Classes) }

// InputSize returns the image height and width the model takes.
func (m *Model) InputSize() (h, w int) { return m.h, m.w }

// InputLen is the number of floats of one input image: channels x H x W.
func (m *Model) InputLen() int { return m.inSize }

// Classes is the number of logits per image.
func (m *Model) Classes() int { return m.arch.Classes }

// Features is the number of pooled features per image: the input of the
// fully connected layer, which [Model.InferFeatures] returns.
func (m *Model) Features() int { return m.features }

// MaxBatch is the number of images one pass runs.
func (m *Model) MaxBatch() int { return m.maxBatch }

// Threads is the number of threads one inference uses.
func (m *Model) Threads() int { return m.threads }

// Level is the kernels level the model runs on.
func (m *Model) Level() *kernels.Impl { return m.impl }

// WeightBytes is the memory the packed weights and biases take.
func (m *Model) WeightBytes() int { return m.eng.WeightBytes() }

// WorkspaceBytes is the memory one workspace takes: all activations and
// scratch space of a pass of MaxBatch images.
func (m *Model) WorkspaceBytes() int { return m.eng.WorkspaceBytes() }

// Engine returns the compiled graph the model runs: its plan (Plan), its
// outputs (the logits, then the pooled features) and the calls that fill
// several outputs at once.
func (m *Model) Engine() *engine.Model { return m.eng }

// Close waits for calls in flight (Infer, InferWith and Profile alike: the
// executor holds them off while it closes), stops the model's worker pool
// (unless it was given in Options) and drops its idle workspaces. Calls
// after Close return ErrClosed. It is safe to call more than once.
func (m *Model) Close() {
	m.isClosed.Store(true)
	m.eng.Close()
	m.idle.Clear()
}
