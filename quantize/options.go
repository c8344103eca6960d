package quantize

import (
	"fmt"
	"iter"

	"github.com/gorn-ml/gorn/onnx"
)

// Method is how an activation's range is chosen from the calibration data.
type Method int

const (
	// MinMax takes the smallest and largest value seen.
	MinMax Method = iota
	// Percentile clips both tails of a histogram (see the package doc).
	Percentile
	// Entropy clips at the threshold that minimizes the KL divergence
	// between the float and the quantized distributions, as TensorRT's
	// entropy calibrator does (see EntropyThreshold).
	Entropy
)

// String returns "minmax" or "percentile".
func (m Method) String() string {
	switch m {
	case MinMax:
		return "minmax"
	case Percentile:
		return "percentile"
	case Entropy:
		return "entropy"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod parses "minmax", "percentile" or "entropy".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "minmax":
		return MinMax, nil
	case "percentile":
		return Percentile, nil
	case "entropy":
		return Entropy, nil
	}
	return 0, fmt.Errorf("quantize: method %q: want minmax, percentile or entropy", s)
}

// Defaults of Options.
const (
	DefaultPercentile = 99.99
	DefaultBins       = 2048
)

// Options configure Quantize. The zero value (or nil) quantizes every
// Conv, Gemm and MatMul with constant weights and every Add and Mul of two
// activations, with MinMax ranges and uint8 activations.
type Options struct {
	// Method chooses the activation ranges.
	Method Method
	// Percentile is the share of values kept in each tail, in percent, for
	// the Percentile method; 0 means DefaultPercentile.
	Percentile float64
	// Bins is the histogram size for the Percentile and Entropy methods;
	// 0 means DefaultBins.
	Bins int
	// Activations is onnx.Uint8 (asymmetric, the default when zero) or
	// onnx.Int8 (symmetric).
	Activations onnx.DataType
	// KeepFloat names nodes left in float32. The names "first" and "last",
	// when no node has them, mean the first and the last node that would be
	// quantized (usually the stem convolution and the classifier). A name
	// that matches nothing is an error.
	KeepFloat []string
	// ReduceRange quantizes weights to 7 bits ([-63, 63]), as ONNX
	// Runtime's reduce_range option does. Without VNNI, ONNX Runtime's
	// x86 u8s8 kernels (VPMADDUBSW) saturate 16-bit sums of two uint8 x
	// int8 products: on the digits model on an AVX2-only CPU, full 8-bit
	// weights give logits 9 % off fp32 (rel L2) where 7-bit weights give
	// 1.5 %, and a trained SE-ResNet keeps fp32's arg-max on 40 of 360
	// images instead of 360. The file's own arithmetic is right either
	// way: a correct int8 engine needs no reduced range.
	ReduceRange bool
	// SkipError skips the error measurement: a third pass over the inputs
	// that runs the float model and the quantized one (simulated, see
	// Simulate) and fills Layer.Error and the Report's output error.
	SkipError bool
	// NoAdd leaves Add nodes in float (by default an Add of two activations,
	// a residual, gets its inputs and output quantized, as ONNX Runtime
	// does).
	NoAdd bool
	// NoMul leaves Mul nodes in float (by default a Mul of two
	// activations, e.g. the gate of a squeeze-excitation block, gets its
	// inputs and output quantized, as ONNX Runtime does; the convolution
	// before it then has a quantized output and can run in 8 bits).
	NoMul bool
	// Compile sets the input size for graphs with symbolic height and width
	// and the threads the calibration runs on.
	Compile onnx.CompileOptions
}

func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Percentile == 0 {
		r.Percentile = DefaultPercentile
	}
	if r.Bins == 0 {
		r.Bins = DefaultBins
	}
	if r.Activations == onnx.Undefined {
		r.Activations = onnx.Uint8
	}
	switch {
	case r.Method != MinMax && r.Method != Percentile && r.Method != Entropy:
		return r, fmt.Errorf("quantize: unknown method %d", r.Method)
	case !(r.Percentile > 50 && r.Percentile <= 100):
		return r, fmt.Errorf("quantize: percentile %g: want (50, 100]", r.Percentile)
	case r.Bins < 2 || r.Bins > 1<<20 || r.Method == Entropy && r.Bins < 2*EntropyLevels:
		return r, fmt.Errorf("quantize: %d bins: want 2 to %d", r.Bins, 1<<20)
	case r.Activations != onnx.Uint8 && r.Activations != onnx.Int8:
		return r, fmt.Errorf("quantize: activations %s: want UINT8 or INT8", r.Activations)
	}
	return r, nil
}

// Inputs returns a sequence over inputs, for Quantize.
func Inputs(inputs [][]float32) iter.Seq2[[]float32, error] {
	return func(yield func([]float32, error) bool) {
		for _, x := range inputs {
			if !yield(x, nil) {
				return
			}
		}
	}
}
