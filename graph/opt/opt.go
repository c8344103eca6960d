package opt

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
)

// Pass names, as Options.Disable takes them and the log prints them.
const (
	PassLowerConv      = "lower-conv"
	PassConstFold      = "const-fold"
	PassCleanup        = "cleanup"
	PassFusePad        = "fuse-pad"
	PassFuseBN         = "fuse-bn"
	PassFuseResidual   = "fuse-residual"
	PassFuseActivation = "fuse-activation"
	PassLowerQuant     = "lower-quant"
	PassFloatQDQ       = "float-qdq"
)

// Default limits of constant folding.
const (
	// DefaultMaxFoldElements bounds one folded tensor: 16 Mi elements, more
	// than any weight of a ResNet (ResNet-152's largest has 2.4 Mi).
	DefaultMaxFoldElements = 1 << 24
	// DefaultMaxFoldTotal bounds the elements of all tensors folded eagerly
	// in one graph.
	DefaultMaxFoldTotal = 1 << 26
	// DefaultLazyFoldElements: float32 folds larger than this whose shape is
	// known become lazy constants, computed when the executor loads them.
	DefaultLazyFoldElements = 1 << 12
)

// EvalFunc evaluates one node on constant inputs (nil entries are omitted
// optional inputs) and returns its outputs. graph/eval's Node is one.
type EvalFunc func(n *graph.Node, inputs []*graph.Tensor) ([]*graph.Tensor, error)

// Options configures Optimize and the passes. The zero value (or nil)
// runs every pass with the default limits.
type Options struct {
	// MaxFoldElements bounds the elements of one folded tensor; a node whose
	// result would be larger is an error (a hostile graph). 0: the default.
	MaxFoldElements int
	// MaxFoldTotal bounds the elements of all tensors folded eagerly.
	// 0: the default.
	MaxFoldTotal int
	// LazyFoldElements: a float32 fold with more elements and a known shape
	// becomes a lazy constant. 0: the default; negative: never lazy.
	LazyFoldElements int
	// Disable names passes Optimize skips (the Pass constants), for tests
	// and for comparing what each pass does.
	Disable map[string]bool
	// Eval evaluates a node for constant folding. nil: graph/eval's
	// evaluator, bounded by MaxFoldElements.
	Eval EvalFunc
}

func (o *Options) maxFold() int {
	if o == nil || o.MaxFoldElements <= 0 {
		return DefaultMaxFoldElements
	}
	return o.MaxFoldElements
}

func (o *Options) maxTotal() int {
	if o == nil || o.MaxFoldTotal <= 0 {
		return DefaultMaxFoldTotal
	}
	return o.MaxFoldTotal
}

func (o *Options) lazyFold() int {
	switch {
	case o == nil || o.LazyFoldElements == 0:
		return DefaultLazyFoldElements
	case o.LazyFoldElements < 0:
		return -1
	}
	return o.LazyFoldElements
}

func (o *Options) eval() EvalFunc {
	if o != nil && o.Eval != nil {
		return o.Eval
	}
	return defaultEval(o)
}

func (o *Options) disabled(pass string) bool { return o != nil && o.Disable[pass] }

// Pass is one rewrite of the graph.
type Pass struct {
	// Name is one of the Pass constants (what Options.Disable takes).
	Name string
	// Run rewrites g in place.
	Run func(g *graph.Graph, o *Options) error
}

// Pipeline returns the passes Optimize runs, in order.
func Pipeline() []Pass {
	return []Pass{
		{PassLowerQuant, LowerQuant},
		{PassConstFold, ConstFold},
		{PassFloatQDQ, FloatQDQ},
		{PassLowerConv, LowerConv},
		{PassCleanup, Cleanup},
		{PassFusePad, FusePad},
		{PassFuseBN, FuseBN},
		{PassFuseResidual, FuseResidual},
		{PassFuseActivation, FuseActivation},
		{PassCleanup, Cleanup},
	}
}

// Optimize runs the pipeline on g (see the package documentation), skipping
// the passes o disables. The graph inputs must have their shapes; the
// first pass, ConstFold, infers every other shape (graph.InferShapes, or
// that alone when const-fold is disabled), and after the last pass the
// shapes are inferred again, which checks what the passes made. On error
// g may be partly rewritten and must not be used.
func Optimize(g *graph.Graph, o *Options) error {
	if o.disabled(PassConstFold) {
		if err := graph.InferShapes(g); err != nil {
			return err
		}
	}
	for _, p := range Pipeline() {
		if o.disabled(p.Name) {
			continue
		}
		if err := p.Run(g, o); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		if err := g.Sort(); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	if err := graph.InferShapes(g); err != nil {
		return fmt.Errorf("after the passes: %w", err)
	}
	return nil
}
