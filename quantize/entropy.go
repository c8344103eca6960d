package quantize

import "math"

// EntropyLevels is the number of quantized levels the Entropy method
// compares a distribution of |x| with: one sign's half of int8, as
// TensorRT's calibrator does. A tensor that is never negative, quantized to
// uint8, uses all 256 levels (2*EntropyLevels).
const EntropyLevels = 128

// EntropyThreshold returns the clipping threshold t of a histogram of |x|
// (len(counts) equal bins over [0, hi]) that minimizes the Kullback-Leibler
// divergence between the distribution clipped at t and the same
// distribution quantized to levels levels, the method of TensorRT's
// entropy calibrator: for every candidate of i bins (levels to all), P is
// the first i bins with the mass beyond them added to the last, Q is the
// first i bins merged into levels groups and spread back uniformly over
// each group's non-empty bins; t is the right edge of the best candidate's
// last bin. Empty bins of Q where P has mass count as 1e-4 of a count, so
// the divergence stays finite. The first bin (the exact zeros of ReLU
// outputs, often most of the mass) is counted as the second is, as
// NVIDIA's pytorch-quantization does: a spike at zero would otherwise
// dominate the divergence and pull the threshold far down. A histogram
// with fewer than levels bins, or empty, gives hi.
func EntropyThreshold(counts []int64, hi float64, levels int) float64 {
	nb := len(counts)
	var total int64
	for _, c := range counts {
		total += c
	}
	if levels < 2 || nb < levels || total == 0 {
		return hi
	}
	counts = append([]int64(nil), counts...)
	counts[0] = counts[1]
	best, bestI := math.Inf(1), nb
	p := make([]float64, nb)
	q := make([]float64, nb)
	var beyond int64
	for i := nb; i >= levels; i-- {
		if i < nb {
			beyond += counts[i]
		}
		kl := klCandidate(counts[:i], beyond, levels, p[:i], q[:i])
		if kl <= best { // ties go to the smaller threshold, scanning down
			best, bestI = kl, i
		}
	}
	return float64(bestI) * hi / float64(nb)
}

// klCandidate is KL(P||Q) for the candidate of len(bins) bins (see
// EntropyThreshold); p and q are scratch of the same length.
func klCandidate(bins []int64, beyond int64, levels int, p, q []float64) float64 {
	n := len(bins)
	for k, c := range bins {
		p[k] = float64(c)
	}
	p[n-1] += float64(beyond)
	for j := 0; j < levels; j++ {
		start, stop := j*n/levels, (j+1)*n/levels
		var sum float64
		nonzero := 0
		for k := start; k < stop; k++ {
			sum += float64(bins[k])
			if bins[k] != 0 {
				nonzero++
			}
		}
		for k := start; k < stop; k++ {
			q[k] = 0
			if bins[k] != 0 {
				q[k] = sum / float64(nonzero)
			}
		}
	}
	var ps, qs float64
	for k := range p {
		if p[k] > 0 && q[k] == 0 {
			q[k] = 1e-4
		}
		ps += p[k]
		qs += q[k]
	}
	var kl float64
	for k := range p {
		if p[k] > 0 {
			pk, qk := p[k]/ps, q[k]/qs
			kl += pk * math.Log(pk/qk)
		}
	}
	return kl
}
