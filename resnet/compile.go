package resnet

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/nn"
)

// compile builds the graph of n with weights from src and compiles it with
// package engine.
func compile(n *netDef, src WeightSource, opt *Options) (*Model, error) {
	o, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	b := &graphBuilder{n: n, src: src, g: graph.New(), shapes: map[string]string{}}
	if err := b.network(o.Height, o.Width); err != nil {
		return nil, err
	}
	eng, err := engine.Compile(b.g, &engine.Options{Threads: o.Threads, Pool: o.Pool, MaxBatch: o.MaxBatch, Level: o.Level})
	if err != nil {
		var werr error
		if errors.Is(err, ErrWeights) {
			werr = err
		} else {
			werr = fmt.Errorf("resnet: %w", err)
		}
		return nil, werr
	}
	m := &Model{arch: n.arch, h: o.Height, w: o.Width, maxBatch: eng.MaxBatch(), threads: eng.Threads(),
		impl: eng.Level(), features: n.features, inSize: n.arch.InChannels * o.Height * o.Width, eng: eng, slots: eng.Slots(), shapes: b.shapes}
	m.idle.Max, m.idle.New = runtime.GOMAXPROCS(0), m.NewWorkspace
	return m, nil
}

// graphBuilder turns a netDef into a graph.Graph whose constants load
// lazily from the source, BatchNorm folded, one layer at a time.
type graphBuilder struct {
	n      *netDef
	src    WeightSource
	g      *graph.Graph
	h, w   int               // the input size, for messages
	shapes map[string]string // node name -> the profile's shape description
}

func (b *graphBuilder) network(h, w int) error {
	n := b.n
	b.h, b.w = h, w
	x, err := b.g.AddInput("input", graph.Float32, []int{1, n.arch.InChannels, h, w})
	if err != nil {
		return err
	}
	b.shapes["input"] = fmt.Sprintf("%dx%dx%d -> %dx%dx%d", h, w, n.arch.InChannels, h, w, n.arch.InChannels)
	if x, err = b.conv(&n.stem, x, nil, true); err != nil {
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
		if x, err = b.affine(n.final, x); err != nil {
			return err
		}
	}
	return b.head(x)
}

// node adds a node whose output value is called name and has shape.
func (b *graphBuilder) node(op, name string, in []*graph.Value, shape []int, attrs graph.Attrs) (*graph.Value, error) {
	nd, err := b.g.AddNode(op, name, in, []string{name}, attrs)
	if err != nil {
		return nil, err
	}
	nd.Outputs[0].Shape = shape
	return nd.Outputs[0], nil
}

// block adds one residual block on x and returns its output.
func (b *graphBuilder) block(blk *blockDef, x *graph.Value) (*graph.Value, error) {
	var err error
	p := x // the branch's input
	if blk.preact != "" {
		if p, err = b.affine(blk.preact, x); err != nil {
			return nil, err
		}
	}
	sc := x
	if blk.down != nil {
		if sc, err = b.conv(blk.down, p, nil, false); err != nil {
			return nil, err
		}
	}
	t := p
	last := len(blk.convs) - 1
	for j := range blk.convs[:last] {
		if t, err = b.conv(&blk.convs[j], t, nil, true); err != nil {
			return nil, err
		}
	}
	// The last convolution adds the shortcut (in place where the engine
	// can); v1 applies ReLU to the sum, v2 leaves it as it is.
	return b.conv(&blk.convs[last], t, sc, blk.preact == "")
}

// maxPool adds the stem's 3x3 stride-2 max pool.
func (b *graphBuilder) maxPool(x *graph.Value) (*graph.Value, error) {
	h, w, c := x.Shape[2], x.Shape[3], x.Shape[1]
	oh, ow, err := nn.SquarePool(3, 2, 1).OutSize(h, w)
	if err != nil {
		return nil, fmt.Errorf("resnet: max pool on %dx%d input: %w", h, w, err)
	}
	b.shapes["maxpool"] = fmt.Sprintf("%dx%dx%d -> %dx%dx%d", h, w, c, oh, ow, c)
	return b.node("MaxPool", "maxpool", []*graph.Value{x}, []int{1, c, oh, ow}, graph.Attrs{
		"kernel_shape": graph.Is(3, 3), "strides": graph.Is(2, 2), "pads": graph.Is(1, 1, 1, 1)})
}

// head adds global pooling, the flattened features and the fully connected
// layer; the logits are the first output, the pooled features the second.
func (b *graphBuilder) head(x *graph.Value) error {
	n := b.n
	c := x.Shape[1]
	b.shapes["avgpool"] = fmt.Sprintf("%dx%dx%d -> %d", x.Shape[2], x.Shape[3], c, c)
	p, err := b.node("GlobalAveragePool", "avgpool", []*graph.Value{x}, []int{1, c, 1, 1}, nil)
	if err != nil {
		return err
	}
	f, err := b.node("Flatten", "features", []*graph.Value{p}, []int{1, c}, nil)
	if err != nil {
		return err
	}
	fs := n.fcSpecs()
	wt, err := b.g.AddConst(fs[0].key, graph.Lazy(fs[0].shape, b.fetcher(&fs[0])))
	if err != nil {
		return err
	}
	bias, err := b.g.AddConst(fs[1].key, graph.Lazy(fs[1].shape, b.fetcher(&fs[1])))
	if err != nil {
		return err
	}
	b.shapes["fc"] = fmt.Sprintf("%d -> %d", n.features, n.classes)
	y, err := b.node("Gemm", "fc", []*graph.Value{f, wt, bias}, []int{1, n.classes}, graph.Attrs{"transB": graph.I(1)})
	if err != nil {
		return err
	}
	b.g.Outputs = []*graph.Value{y, f}
	return nil
}

// fetcher returns a loader of tensor s.
func (b *graphBuilder) fetcher(s *spec) func() ([]float32, error) {
	return func() ([]float32, error) {
		t, err := fetch(b.src, s)
		return t.Data, err
	}
}

// pair loads two tensors that one computation makes (folded weights and
// bias, BatchNorm's scale and shift): the first loader computes both and
// keeps the second for the second loader, so each source tensor is read
// once when the engine loads them in order.
type pair struct {
	make   func() (a, b []float32, err error)
	second []float32
}

func (p *pair) first() ([]float32, error) {
	a, s, err := p.make()
	p.second = s
	return a, err
}

func (p *pair) last() ([]float32, error) {
	if s := p.second; s != nil {
		p.second = nil
		return s, nil
	}
	_, s, err := p.make()
	return s, err
}

// affine adds BatchNorm name and ReLU on x as a gorn.ScaleShift.
func (b *graphBuilder) affine(name string, x *graph.Value) (*graph.Value, error) {
	c := x.Shape[1]
	p := &pair{make: func() ([]float32, []float32, error) {
		bn, err := b.batchNorm(name, c)
		if err != nil {
			return nil, nil, err
		}
		scale, shift, err := fold.Affine(bn)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrWeights, name, err)
		}
		return scale, shift, nil
	}}
	sv, err := b.g.AddConst(name+".scale", graph.Lazy([]int{c}, p.first))
	if err != nil {
		return nil, err
	}
	hv, err := b.g.AddConst(name+".shift", graph.Lazy([]int{c}, p.last))
	if err != nil {
		return nil, err
	}
	b.shapes[name] = fmt.Sprintf("%dx%dx%d -> %dx%dx%d", x.Shape[2], x.Shape[3], c, x.Shape[2], x.Shape[3], c)
	return b.node(graph.OpScaleShift, name, []*graph.Value{x, sv, hv}, x.Shape, graph.Attrs{"activation": graph.S("relu")})
}
