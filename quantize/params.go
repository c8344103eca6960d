package quantize

import "math"

// Params are a per-tensor quantization's scale and zero point:
// real = (q - ZeroPoint) * Scale.
type Params struct {
	Scale     float32
	ZeroPoint int32
}

// ActivationParams returns the scale and zero point of an activation whose
// calibrated range is [lo, hi]. The range is first widened to include 0.
// signed selects int8 symmetric quantization (zero point 0, scale
// max(|lo|,|hi|)/127); otherwise uint8 asymmetric (scale (hi-lo)/255, zero
// point round(-lo/scale) clamped to [0, 255]). A zero or non-finite range
// gives scale 1 and zero point 0.
func ActivationParams(lo, hi float64, signed bool) Params {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) {
		return Params{Scale: 1}
	}
	lo, hi = min(lo, 0), max(hi, 0)
	if signed {
		s := max(-lo, hi) / 127
		return Params{Scale: scaleOrOne(s)}
	}
	s := scaleOrOne((hi - lo) / 255)
	zp := math.RoundToEven(-lo / float64(s))
	return Params{Scale: s, ZeroPoint: int32(min(max(zp, 0), 255))}
}

// scaleOrOne converts a scale to float32, replacing 0 and non-finite
// values (and scales that underflow float32) by 1.
func scaleOrOne(s float64) float32 {
	f := float32(s)
	if !(f > 0) || math.IsInf(float64(f), 0) {
		return 1
	}
	return f
}

// WeightScales returns the per-channel symmetric int8 scales of w, whose
// channel c holds the elements at index i with (i/inner)%channels == c
// (axis-major layout: inner is the product of the dimensions after the
// axis): scale[c] = max|w| over the channel / qmax, 1 for a channel of
// zeros. qmax is 127, or 63 for 7-bit weights (Options.ReduceRange).
func WeightScales(w []float32, channels, inner, qmax int) []float32 {
	amax := make([]float64, channels)
	for i, v := range w {
		c := (i / inner) % channels
		amax[c] = max(amax[c], math.Abs(float64(v)))
	}
	s := make([]float32, channels)
	for c, a := range amax {
		s[c] = scaleOrOne(a / float64(qmax))
	}
	return s
}

// QuantizeWeights returns w quantized per channel with scales (see
// WeightScales): round half to even of w/scale, clamped to [-qmax, qmax].
func QuantizeWeights(w []float32, scales []float32, inner, qmax int) []int8 {
	q := make([]int8, len(w))
	for i, v := range w {
		c := (i / inner) % len(scales)
		r := math.RoundToEven(float64(v) / float64(scales[c]))
		q[i] = int8(min(max(r, -float64(qmax)), float64(qmax)))
	}
	return q
}

// QuantizeBias returns the int32 bias b[c] / (xScale * wScales[c]),
// rounded half to even and clamped to the int32 range, and its scales.
func QuantizeBias(b []float32, xScale float32, wScales []float32) ([]int32, []float32) {
	q := make([]int32, len(b))
	s := make([]float32, len(b))
	for c, v := range b {
		s[c] = xScale * wScales[c]
		if s[c] == 0 {
			s[c] = 1
		}
		r := math.RoundToEven(float64(v) / float64(s[c]))
		q[c] = int32(min(max(r, math.MinInt32), math.MaxInt32))
	}
	return q, s
}

// PercentileRange returns the range that keeps the fraction p (0 < p <= 1)
// of a histogram's mass in each tail: counts has len(counts) equal bins
// over [lo, hi]. The low end is the left edge of the first bin whose
// cumulative share exceeds 1-p, the high end the right edge of the first
// bin whose cumulative share reaches p. An empty histogram gives [lo, hi].
func PercentileRange(counts []int64, lo, hi, p float64) (float64, float64) {
	var total int64
	for _, c := range counts {
		total += c
	}
	if total == 0 || len(counts) == 0 {
		return lo, hi
	}
	width := (hi - lo) / float64(len(counts))
	rlo, rhi := lo, hi
	foundLo := false
	var cum int64
	for i, c := range counts {
		cum += c
		share := float64(cum) / float64(total)
		if !foundLo && share > 1-p {
			rlo, foundLo = lo+float64(i)*width, true
		}
		if share >= p {
			rhi = lo + float64(i+1)*width
			break
		}
	}
	return rlo, rhi
}

// PercentileAbs returns t such that the fraction p of a histogram of |x|
// over [0, hi] lies below t: the right edge of the first bin whose
// cumulative share reaches p. An empty histogram gives hi.
func PercentileAbs(counts []int64, hi, p float64) float64 {
	_, t := PercentileRange(counts, 0, hi, p)
	return t
}
