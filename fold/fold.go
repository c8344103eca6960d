package fold

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid reports inconsistent lengths or statistics that cannot be
// folded.
var ErrInvalid = errors.New("fold: invalid BatchNorm")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// BatchNorm holds an inference-mode BatchNorm of C channels: its learned
// scale and shift (PyTorch's weight and bias) and running statistics.
type BatchNorm struct {
	Gamma, Beta []float32 // weight and bias, C values each
	Mean, Var   []float32 // running mean and running variance, C values each
	Eps         float64   // added to the variance (PyTorch's default is 1e-5)
}

// Channels is the number of channels, len(Gamma).
func (bn *BatchNorm) Channels() int { return len(bn.Gamma) }

// Validate checks that the four slices have the same nonzero length, every
// value is finite, and var + eps > 0 for every channel.
func (bn *BatchNorm) Validate() error {
	c := len(bn.Gamma)
	if c == 0 || len(bn.Beta) != c || len(bn.Mean) != c || len(bn.Var) != c {
		return invalid("gamma, beta, mean and var have %d, %d, %d and %d values", c, len(bn.Beta), len(bn.Mean), len(bn.Var))
	}
	if math.IsNaN(bn.Eps) || math.IsInf(bn.Eps, 0) || bn.Eps < 0 {
		return invalid("eps = %v", bn.Eps)
	}
	for i := 0; i < c; i++ {
		for _, v := range [...]float32{bn.Gamma[i], bn.Beta[i], bn.Mean[i], bn.Var[i]} {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return invalid("channel %d has a non-finite statistic", i)
			}
		}
		if !(float64(bn.Var[i])+bn.Eps > 0) {
			return invalid("channel %d: var + eps = %v is not positive", i, float64(bn.Var[i])+bn.Eps)
		}
	}
	return nil
}

// scale returns s = gamma / sqrt(var + eps) per channel, in float64.
func (bn *BatchNorm) scale(i int) float64 {
	return float64(bn.Gamma[i]) / math.Sqrt(float64(bn.Var[i])+bn.Eps)
}

// Affine returns the per-channel scale and shift equivalent to bn:
// bn(x) = x*scale + shift, with scale = gamma/sqrt(var+eps) and
// shift = beta - mean*scale, each computed in float64 and rounded once.
func Affine(bn BatchNorm) (scale, shift []float32, err error) {
	if err := bn.Validate(); err != nil {
		return nil, nil, err
	}
	c := bn.Channels()
	scale = make([]float32, c)
	shift = make([]float32, c)
	for i := 0; i < c; i++ {
		s := bn.scale(i)
		scale[i] = float32(s)
		shift[i] = float32(float64(bn.Beta[i]) - float64(bn.Mean[i])*s)
	}
	return scale, shift, nil
}

// IntoConv folds bn into the convolution that precedes it. weights holds the
// convolution's filters output channel first (PyTorch's OIHW, or any layout
// in which each output channel's weights are len(weights)/C consecutive
// values); bias has C values or is nil (a convolution without bias). It
// returns new slices (the inputs are not modified): the folded weights
// w*s and the bias (bias - mean)*s + beta, with s = gamma/sqrt(var+eps).
func IntoConv(weights, bias []float32, bn BatchNorm) (newWeights, newBias []float32, err error) {
	if err := bn.Validate(); err != nil {
		return nil, nil, err
	}
	c := bn.Channels()
	if len(weights) == 0 || len(weights)%c != 0 {
		return nil, nil, invalid("%d weights are not %d output channels' filters", len(weights), c)
	}
	if bias != nil && len(bias) != c {
		return nil, nil, invalid("bias has %d values for %d channels", len(bias), c)
	}
	per := len(weights) / c
	newWeights = make([]float32, len(weights))
	newBias = make([]float32, c)
	for o := 0; o < c; o++ {
		s := bn.scale(o)
		for i, w := range weights[o*per : (o+1)*per] {
			v := float64(w) * s
			if math.Abs(v) > math.MaxFloat32 {
				return nil, nil, invalid("folded weight of channel %d overflows float32", o)
			}
			newWeights[o*per+i] = float32(v)
		}
		b := 0.0
		if bias != nil {
			b = float64(bias[o])
		}
		v := (b-float64(bn.Mean[o]))*s + float64(bn.Beta[o])
		if math.Abs(v) > math.MaxFloat32 {
			return nil, nil, invalid("folded bias of channel %d overflows float32", o)
		}
		newBias[o] = float32(v)
	}
	return newWeights, newBias, nil
}
