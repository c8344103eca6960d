package resnet

import (
	"context"
	"github.com/gorn-ml/gorn/internal/leveltest"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// forEachLevel runs f for every kernels level compiled in, as a subtest
// named impl=NAME; levels this CPU cannot run are skipped.
func forEachLevel(t *testing.T, f func(t *testing.T, level string)) {
	t.Helper()
	for _, im := range kernels.Impls() {
		t.Run("impl="+im.Name(), func(t *testing.T) {
			leveltest.SkipUnavailable(t, im)
			f(t, im.Name())
		})
	}
}

// randInput returns n images of c x h x w values uniform in [-1, 1).
func randInput(seed uint64, n, c, h, w int) []float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	x := make([]float32, n*c*h*w)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// infer runs m on src and returns the logits.
func infer(t testing.TB, m *Model, src []float32, batch int) []float32 {
	t.Helper()
	dst := make([]float32, batch*m.Classes())
	if err := m.Infer(context.Background(), dst, src, batch); err != nil {
		t.Fatal(err)
	}
	return dst
}
