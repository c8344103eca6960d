package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStripKernel calls every level's strip kernel directly for strips of
// 1 to 2*MR+1 rows cut into tiles of every height 1..MR, checks each
// against the float64 reference inside NaN guard bands, and requires every
// tiling to give bitwise the same C: an element's value must not depend on
// the tile it falls in.
func TestStripKernel(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		if im.strip == nil {
			t.Skip("no strip kernel")
		}
		r := rand.New(rand.NewPCG(11, uint64(im.mr)))
		for _, kc := range []int{1, 3, 4, 7, 33} {
			for rows := 1; rows <= 2*im.mr+1; rows++ {
				for flags := 0; flags < 4; flags++ {
					stripCase(t, im, r, rows, kc, flags, flags&1 == 0)
				}
			}
		}
	})
}

func stripCase(t *testing.T, im *Impl, r *rand.Rand, rows, kc, flags int, withBias bool) {
	t.Helper()
	nr := im.nr
	lda, ldc := kc+1, nr+3
	a, aw := randMatrix(r, rows, kc, lda)
	b, bw := randMatrix(r, kc, nr, nr)
	c0, _ := randMatrix(r, rows, nr, ldc)
	for i := range c0 {
		if math.IsNaN(float64(c0[i])) {
			c0[i] = 42
		}
	}
	var bias []float32
	var bp *float32
	if withBias {
		bias, _ = randMatrix(r, 1, nr, nr)
		bp = &bias[0]
	}
	ep := Epilogue{Bias: bias, Accumulate: flags&flagAccumulate != 0, ReLU: flags&flagReLU != 0}
	want, mag := refGemm(rows, nr, kc, a, lda, b, nr, c0, ldc, ep)
	var first []float32
	for h := 1; h <= im.mr; h++ {
		c, cw := guarded(len(c0))
		copy(c, c0)
		im.strip(&a[0], lda, &b[0], kc, &c[0], ldc, bp, flags, rows, h)
		checkResult(t, rows, nr, kc, c, ldc, want, mag, c0)
		checkGuards(t, "C", cw)
		if first == nil {
			first = c
			continue
		}
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
				t.Fatalf("rows=%d kc=%d flags=%d: tiles of %d rows differ from tiles of 1 at %d", rows, kc, flags, h, i)
			}
		}
	}
	checkGuards(t, "A", aw)
	checkGuards(t, "B", bw)
}
