package resnet

import (
	"fmt"
	"runtime"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/internal/memplan"
	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// stepKind is the operation of one step of the plan.
type stepKind uint8

const (
	opInput   stepKind = iota // NCHW input -> NHWC
	opConv                    // convolution with fused bias, residual add, ReLU
	opMaxPool                 // 3x3 stride-2 max pool, padding 1
	opAffine                  // per-channel scale and shift, then ReLU (v2 pre-activation)
	opGAP                     // global average pool
	opFC                      // fully connected layer, writing the logits
)

var opNames = [...]string{"input", "conv", "maxpool", "scale-shift", "avgpool", "fc"}

// step is one operation of the plan. Activations are NHWC, n x h x w x c,
// in workspace slots.
type step struct {
	kind    stepKind
	name    string // layer name, e.g. "layer1.0.conv2"
	conv    *nn.Conv
	fc      *nn.Linear
	in, out int // slot indices; -1: the caller's src (opInput) or dst (opFC)
	scratch int // slot index, -1 if none
	h, w, c int // input height, width, channels
	oh, ow  int // output height and width
	ep      nn.Epilogue
	scale   []float32 // opAffine
	shift   []float32
	macs    int64 // multiply-accumulates per image
}

// builder turns a netDef into a Model's steps and slots.
type builder struct {
	m       *Model
	n       *netDef
	src     WeightSource
	im      *kernels.Impl
	garbage int // bytes of temporaries made since the last collection
}

// garbageLimit is how many bytes of temporaries (decoded and folded
// weights, the transposed copies the packers make) a build lets pile up
// before it collects them. Without it the collector's pacing lets a
// ResNet-50 build take twice the packed weights' memory, or more when the
// caller holds the source weights; with it the peak stays near source +
// packed weights. 8 MiB rather than 32 takes 13 MB off the peak RSS of a
// ResNet-50 loaded from a file (177.7 MB against 191.3 MB) at no
// measurable cost in build time (1.1-1.2 s either way).
const garbageLimit = 8 << 20

// temporary records n bytes of temporaries and collects them when enough
// have piled up. The heap of a build is mostly pointer-free float slices, so
// a collection costs about a millisecond.
func (b *builder) temporary(n int) {
	b.garbage += n
	if b.garbage > garbageLimit {
		runtime.GC()
		b.garbage = 0
	}
}

// fetch reads tensor s from the source, counting it as a temporary: a
// source that decodes a file makes a new slice per tensor, which is garbage
// once its layer is packed.
func (b *builder) fetch(s *spec) (Tensor, error) {
	t, err := fetch(b.src, s)
	if err != nil {
		return t, err
	}
	b.temporary(4 * len(t.Data))
	return t, nil
}

// compile builds a Model for n from src.
func compile(n *netDef, src WeightSource, opt *Options) (*Model, error) {
	o, im, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	m := &Model{arch: n.arch, h: o.Height, w: o.Width, maxBatch: o.MaxBatch,
		threads: o.Threads, impl: im, inSize: n.arch.InChannels * o.Height * o.Width}
	if o.Pool != nil {
		m.pool = o.Pool
	} else if o.Threads > 1 {
		m.pool, m.ownPool = kernels.NewPool(o.Threads), true
	}
	m.kopt = kernels.Options{Pool: m.pool, Threads: m.threads}
	m.idle.Max, m.idle.New = runtime.GOMAXPROCS(0), m.NewWorkspace
	b := &builder{m: m, n: n, src: src, im: im}
	if err := b.network(); err != nil {
		m.Close()
		return nil, err
	}
	m.slab = memplan.Layout(m.slots)
	return m, nil
}

// newSlot adds a slot of size floats that the next step writes first.
func (b *builder) newSlot(size int) int {
	i := len(b.m.slots)
	b.m.slots = append(b.m.slots, &memplan.Slot{Size: size, First: len(b.m.steps), Last: len(b.m.steps)})
	return i
}

// use marks slot i as used by the next step.
func (b *builder) use(i int) {
	if i >= 0 {
		b.m.slots[i].Last = len(b.m.steps)
	}
}

// act is an activation while the plan is built.
type actv struct {
	slot    int
	h, w, c int
}

func (b *builder) network() error {
	n, m := b.n, b.m
	x := actv{slot: b.newSlot(m.maxBatch * m.inSize), h: m.h, w: m.w, c: n.arch.InChannels}
	b.add(step{kind: opInput, name: "input", in: -1, out: x.slot, scratch: -1, h: x.h, w: x.w, c: x.c, oh: x.h, ow: x.w})
	x, err := b.conv(&n.stem, x, -1, true)
	if err != nil {
		return err
	}
	if n.stemPool {
		if x, err = b.maxPool(x); err != nil {
			return err
		}
	}
	for i := range n.blocks {
		if x, err = b.block(&n.blocks[i], x); err != nil {
			return err
		}
	}
	if n.final != "" {
		if x, err = b.affine(n.final, x, true); err != nil {
			return err
		}
	}
	return b.head(x)
}

// add appends st, marking its slots as used.
func (b *builder) add(st step) {
	b.use(st.in)
	b.use(st.out)
	b.use(st.scratch)
	b.m.steps = append(b.m.steps, st)
}

// block plans one residual block on x and returns its output.
func (b *builder) block(blk *blockDef, x actv) (actv, error) {
	var err error
	p := x // the branch's input
	if blk.preact != "" {
		// In a projection block x is not needed after its pre-activation,
		// which can then overwrite it.
		if p, err = b.affine(blk.preact, x, blk.down != nil); err != nil {
			return x, err
		}
	}
	sc := x
	if blk.down != nil {
		if sc, err = b.conv(blk.down, p, -1, false); err != nil {
			return x, err
		}
	}
	t := p
	last := len(blk.convs) - 1
	for j := range blk.convs[:last] {
		if t, err = b.conv(&blk.convs[j], t, -1, true); err != nil {
			return x, err
		}
	}
	// The last convolution adds into the shortcut's buffer in place; v1
	// applies ReLU to the sum there, v2 leaves the sum as it is.
	return b.conv(&blk.convs[last], t, sc.slot, blk.preact == "")
}

// maxPool plans the stem's 3x3 stride-2 max pool.
func (b *builder) maxPool(x actv) (actv, error) {
	oh, ow, err := nn.SquarePool(3, 2, 1).OutSize(x.h, x.w)
	if err != nil {
		return x, fmt.Errorf("resnet: max pool on %dx%d input: %w", x.h, x.w, err)
	}
	y := actv{slot: b.newSlot(b.m.maxBatch * oh * ow * x.c), h: oh, w: ow, c: x.c}
	b.add(step{kind: opMaxPool, name: "maxpool", in: x.slot, out: y.slot, scratch: -1,
		h: x.h, w: x.w, c: x.c, oh: oh, ow: ow})
	return y, nil
}

// affine plans BatchNorm name and ReLU on x, in place or into a new slot.
func (b *builder) affine(name string, x actv, inPlace bool) (actv, error) {
	bn, err := b.batchNorm(name, x.c)
	if err != nil {
		return x, err
	}
	scale, shift, err := fold.Affine(bn)
	if err != nil {
		return x, fmt.Errorf("%w: %s: %w", ErrWeights, name, err)
	}
	y := x
	if !inPlace {
		y.slot = b.newSlot(b.m.maxBatch * x.h * x.w * x.c)
	}
	b.add(step{kind: opAffine, name: name, in: x.slot, out: y.slot, scratch: -1,
		h: x.h, w: x.w, c: x.c, oh: x.h, ow: x.w, scale: scale, shift: shift})
	return y, nil
}

// head plans global pooling and the fully connected layer.
func (b *builder) head(x actv) error {
	n, m := b.n, b.m
	feat := b.newSlot(m.maxBatch * x.c)
	b.add(step{kind: opGAP, name: "avgpool", in: x.slot, out: feat, scratch: -1,
		h: x.h, w: x.w, c: x.c, oh: 1, ow: 1})
	fs := n.fcSpecs()
	wt, err := b.fetch(&fs[0])
	if err != nil {
		return err
	}
	bias, err := b.fetch(&fs[1])
	if err != nil {
		return err
	}
	fc, err := nn.NewLinearFor(b.im, n.features, n.classes, wt.Data, bias.Data)
	if err != nil {
		return fmt.Errorf("resnet: fc: %w", err)
	}
	m.weights += 4 * (n.features*n.classes + n.classes)
	b.add(step{kind: opFC, name: "fc", fc: fc, in: feat, out: -1, scratch: -1,
		h: 1, w: 1, c: n.features, oh: 1, ow: 1, macs: int64(n.features * n.classes)})
	return nil
}
