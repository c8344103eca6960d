package nn

import (
	"github.com/gorn-ml/gorn/internal/leveltest"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// withValue runs f with *p set to v, restoring the old value afterwards:
// for the tuning variables that tests shrink to reach every mode.
func withValue[T any](p *T, v T, f func()) {
	saved := *p
	*p = v
	defer func() { *p = saved }()
	f()
}

// forEachImpl runs f on every kernels level, skipping those this CPU lacks.
func forEachImpl(t *testing.T, f func(t *testing.T, im *kernels.Impl)) {
	t.Helper()
	for _, im := range kernels.Impls() {
		t.Run("impl="+im.Name(), func(t *testing.T) {
			leveltest.SkipUnavailable(t, im)
			f(t, im)
		})
	}
}

const guard = 16 // NaN guard band on each side of a buffer

// buf is a buffer between two NaN guard bands.
type buf struct {
	all []float32
	n   int
}

func newBuf(n int) *buf {
	b := &buf{all: make([]float32, n+2*guard), n: n}
	for i := range b.all {
		b.all[i] = float32(math.NaN())
	}
	return b
}

// s is the buffer itself, with its capacity cut at its end.
func (b *buf) s() []float32 { return b.all[guard : guard+b.n : guard+b.n] }

// check fails if anything wrote into the guard bands.
func (b *buf) check(t *testing.T, name string) {
	t.Helper()
	for i, v := range b.all {
		if (i < guard || i >= guard+b.n) && v == v {
			t.Fatalf("%s: guard element %d (buffer %d long) was written: %v", name, i-guard, b.n, v)
		}
	}
}

// randSlice returns n values uniform in [-1, 1).
func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// fill sets s to values uniform in [-1, 1).
func fill(r *rand.Rand, s []float32) {
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
}
