package nn

import (
	"math"

	"github.com/gorn-ml/gorn/kernels"
)

// Linear is a fully connected layer, y = x Wᵀ + b, with packed weights. It
// is read-only after [NewLinear]: any number of goroutines may call Forward
// at once.
type Linear struct {
	in, out int
	packed  *kernels.PackedB
	bias    []float32
}

// NewLinear packs weights for the active kernels level. weight is PyTorch's
// layout, out x in (row o holds the weights of output o); bias has out
// values or is nil. Neither slice is retained.
func NewLinear(in, out int, weight, bias []float32) (*Linear, error) {
	return NewLinearFor(kernels.Active(), in, out, weight, bias)
}

// NewLinearFor is [NewLinear] for a given kernels level, which must be
// available on this CPU.
func NewLinearFor(im *kernels.Impl, in, out int, weight, bias []float32) (*Linear, error) {
	if in < 1 || out < 1 || in > 1<<28 || out > 1<<28 || in > min(1<<40, math.MaxInt)/out {
		return nil, shapeErr("linear %d -> %d", in, out)
	}
	if im == nil || !im.Available() {
		return nil, shapeErr("kernels level is nil or not available on this CPU")
	}
	if len(weight) != in*out {
		return nil, shapeErr("linear weight has %d elements, want %d x %d = %d", len(weight), out, in, in*out)
	}
	l := &Linear{in: in, out: out}
	if bias != nil {
		if len(bias) != out {
			return nil, shapeErr("linear bias has %d elements, want %d", len(bias), out)
		}
		l.bias = append([]float32(nil), bias...)
	}
	pb, err := im.PackBTransposed(in, out, weight, in)
	if err != nil {
		return nil, err
	}
	l.packed = pb
	return l, nil
}

// In is the number of input features.
func (l *Linear) In() int { return l.in }

// Out is the number of outputs.
func (l *Linear) Out() int { return l.out }

// Forward computes dst (batch x out) from src (batch x in), applying ep
// after the bias. opt selects the thread pool (nil: the calling goroutine
// only).
func (l *Linear) Forward(dst, src []float32, batch int, ep Epilogue, opt *kernels.Options) error {
	if batch < 0 || batch > 1<<30 {
		return shapeErr("linear batch %d", batch)
	}
	if err := checkLen("linear src", src, batch*l.in); err != nil {
		return err
	}
	if err := checkLen("linear dst", dst, batch*l.out); err != nil {
		return err
	}
	kep := kernels.Epilogue{Bias: l.bias, Accumulate: ep.Residual, ReLU: ep.ReLU}
	if batch == 1 {
		// One image: the matrix-vector path, the same bits as the GEMM (so
		// results do not depend on the batch size) but reading several
		// weight panels at once. For ResNet's fc (2048 -> 1000) on one Zen 3
		// core with the weights out of cache (as after the convolutions):
		// about 0.45-0.55 ms against 0.6-0.75 ms (BenchmarkSgemv). It runs on
		// one thread, as the GEMM does for so few FLOPs.
		return kernels.SgemvPacked(src[:l.in], l.packed, dst[:l.out], kep)
	}
	return kernels.SgemmPacked(batch, src, l.in, l.packed, dst, l.out, kep, opt)
}
