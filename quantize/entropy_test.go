package quantize

import (
	"context"
	"math"
	"testing"
)

// TestEntropyThreshold checks the KL threshold on hand-made histograms of
// 256 bins over [0, 256].
func TestEntropyThreshold(t *testing.T) {
	uniform := make([]int64, 256)
	for i := range uniform {
		uniform[i] = 100
	}
	// Uniform over every bin: at 256 bins each group of 2 merges two equal
	// bins, Q equals P, KL 0; any clip folds mass into one bin.
	if got := EntropyThreshold(uniform, 256, EntropyLevels); got != 256 {
		t.Errorf("uniform: %g, want 256", got)
	}
	// Uniform over the first 100 bins and one count far out at bin 250:
	// every candidate represents the non-empty bins exactly (groups spread
	// over their non-empty bins only), so nothing beats keeping all up to
	// the outlier's bin: 251. KL measures shape, not resolution.
	outlier := make([]int64, 256)
	for i := 0; i < 100; i++ {
		outlier[i] = 1000
	}
	outlier[250] = 1
	if got := EntropyThreshold(outlier, 256, EntropyLevels); got != 251 {
		t.Errorf("outlier: %g, want 251", got)
	}
	// A decaying distribution with the same outlier: merging neighbours
	// now loses shape, and the threshold must clip the outlier. Compared
	// with a naive reference written from the definition.
	decay := make([]int64, 256)
	for i := range decay {
		decay[i] = int64(math.Round(1e6 * math.Exp(-float64(i)/12)))
	}
	decay[250] += 3
	got, want := EntropyThreshold(decay, 256, EntropyLevels), naiveEntropy(decay, 256, EntropyLevels)
	if got != want || got >= 250 {
		t.Errorf("decay: %g, naive reference %g (want equal and below the outlier)", got, want)
	}
	// A ReLU output: half the mass exactly zero, the rest decaying. The
	// zero spike is counted as the next bin, so it does not pull the
	// threshold down: the same threshold as without the spike.
	relu := append([]int64(nil), decay...)
	relu[0] = 1e9
	if a, b := EntropyThreshold(relu, 256, 2*EntropyLevels), EntropyThreshold(decay, 256, 2*EntropyLevels); a != b || a != naiveEntropy(relu, 256, 2*EntropyLevels) {
		t.Errorf("zero spike: %g, without %g", a, b)
	}
	if got := EntropyThreshold(make([]int64, 256), 7, EntropyLevels); got != 7 {
		t.Errorf("empty: %g", got)
	}
	if got := EntropyThreshold([]int64{1, 2}, 7, EntropyLevels); got != 7 {
		t.Errorf("2 bins: %g", got)
	}
}

// TestTinyEntropy runs the Entropy method on the tiny model: it must
// produce a valid model whose ranges lie within MinMax's.
func TestTinyEntropy(t *testing.T) {
	q, rep, err := Quantize(context.Background(), tinyModel(t, true), Inputs(tinyInputs), &Options{Method: Entropy})
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, q)
	for _, l := range rep.Layers {
		if l.Min < l.SeenMin-1e-9 || l.Max > l.SeenMax+1e-9 || !(l.Max > 0) {
			t.Errorf("%s: range %g..%g outside seen %g..%g", l.Name, l.Min, l.Max, l.SeenMin, l.SeenMax)
		}
	}
	if _, _, err := Quantize(context.Background(), tinyModel(t, true), Inputs(tinyInputs), &Options{Method: Entropy, Bins: 200}); err == nil {
		t.Error("200 bins for Entropy: no error")
	}
}

// naiveEntropy is EntropyThreshold written from its definition, bin by
// bin, in a different order: candidates scanned upwards, the mass beyond
// summed afresh, groups found by search.
func naiveEntropy(hist []int64, hi float64, levels int) float64 {
	n := len(hist)
	h := make([]int64, n)
	copy(h, hist)
	h[0] = h[1]
	best, bestI := math.Inf(1), 0
	for i := levels; i <= n; i++ {
		p := make([]float64, i)
		for k := range p {
			p[k] = float64(h[k])
		}
		for k := i; k < n; k++ {
			p[i-1] += float64(h[k])
		}
		group := func(k int) int {
			for j := 0; j < levels; j++ {
				if j*i/levels <= k && k < (j+1)*i/levels {
					return j
				}
			}
			return -1
		}
		sum := make([]float64, levels)
		nz := make([]float64, levels)
		for k := 0; k < i; k++ {
			sum[group(k)] += float64(h[k])
			if h[k] != 0 {
				nz[group(k)]++
			}
		}
		q := make([]float64, i)
		var ps, qs float64
		for k := 0; k < i; k++ {
			if h[k] != 0 {
				q[k] = sum[group(k)] / nz[group(k)]
			} else if p[k] > 0 {
				q[k] = 1e-4
			}
			ps += p[k]
			qs += q[k]
		}
		kl := 0.0
		for k := 0; k < i; k++ {
			if p[k] > 0 {
				kl += p[k] / ps * math.Log(p[k]/ps/(q[k]/qs))
			}
		}
		if kl < best || kl == best && i < bestI {
			best, bestI = kl, i
		}
	}
	return float64(bestI) * hi / float64(n)
}
