package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMicroKernelContract calls every level's micro-kernel (and its strip
// kernel, when it has one) directly, for every kc from 1 to 9 (each k-loop
// remainder) and a few longer ones, every flag combination, with and
// without bias, and checks the microKernel contract element by element,
// special values included: a NaN product stays NaN, or becomes exactly +0
// under ReLU; infinities survive; a NaN already in C propagates.
func TestMicroKernelContract(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(10, uint64(im.mr*im.nr)))
		for _, kc := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 64} {
			for flags := 0; flags < 4; flags++ {
				for _, bias := range []bool{false, true} {
					for _, blocks := range []int{1, 2, 3} {
						if blocks > 1 && im.strip == nil {
							continue
						}
						microCase(t, im, r, kc, flags, bias, blocks)
					}
				}
			}
		}
	})
}

func microCase(t *testing.T, im *Impl, r *rand.Rand, kc, flags int, withBias bool, blocks int) {
	t.Helper()
	mr, nr := im.mr, im.nr
	rows := mr * blocks
	lda, ldc := kc+3, nr+5
	a, aw := randMatrix(r, rows, kc, lda) // NaN between rows: never read
	b, bw := randMatrix(r, kc, nr, nr)
	c, cw := randMatrix(r, rows, nr, ldc)
	for i := range c { // the gaps between rows of C must survive
		if math.IsNaN(float64(c[i])) {
			c[i] = 42
		}
	}
	// Specials: row 0 gets a NaN product, the last row an overflow to
	// +-Inf in every column, and one element of C a NaN of its own.
	a[r.IntN(kc)] = float32(math.NaN())
	a[(rows-1)*lda+r.IntN(kc)] = 3e38
	b0 := r.IntN(kc)
	for j := 0; j < nr; j++ {
		b[b0*nr+j] = 1e10 * float32(1-2*(j%2))
	}
	c[(rows/2)*ldc+r.IntN(nr)] = float32(math.NaN())
	var bias, biasWhole []float32
	if withBias {
		bias, biasWhole = randMatrix(r, 1, nr, nr)
	}
	ep := Epilogue{Bias: bias, Accumulate: flags&flagAccumulate != 0, ReLU: flags&flagReLU != 0}
	before := append([]float32(nil), c...)
	want, mag := refGemm(rows, nr, kc, a, lda, b, nr, before, ldc, ep)

	var bp *float32
	if withBias {
		bp = &bias[0]
	}
	if blocks == 1 {
		im.kernel(&a[0], lda, &b[0], kc, &c[0], ldc, bp, flags)
	} else {
		im.strip(&a[0], lda, &b[0], kc, &c[0], ldc, bp, flags, rows, mr)
	}
	checkSpecials(t, rows, nr, kc, c, ldc, want, mag, before, flags, blocks)
	checkGuards(t, "A", aw)
	checkGuards(t, "B", bw)
	checkGuards(t, "C", cw)
	if withBias {
		checkGuards(t, "bias", biasWhole)
	}
}

// checkSpecials compares C with the float64 reference: NaN must stay NaN
// (or be +0 under ReLU), infinities must match exactly, finite values within
// the summation bound, and the row gaps of C must be untouched.
func checkSpecials(t *testing.T, m, n, kc int, c []float32, ldc int, want, mag []float64, before []float32, flags, blocks int) {
	t.Helper()
	eps := float64(kc+3) * math.Pow(2, -23)
	for i := 0; i < m; i++ {
		for j := n; j < ldc && i*ldc+j < len(c); j++ {
			if math.Float32bits(c[i*ldc+j]) != math.Float32bits(before[i*ldc+j]) {
				t.Fatalf("kc=%d flags=%d blocks=%d: C[%d][%d] outside the tile was written", kc, flags, blocks, i, j)
			}
		}
		for j := 0; j < n; j++ {
			got, w := float64(c[i*ldc+j]), want[i*n+j]
			var ok bool
			switch {
			case flags&flagReLU != 0 && !(w > 0):
				ok = math.Float32bits(c[i*ldc+j]) == 0 // exactly +0
			case math.IsNaN(w):
				ok = math.IsNaN(got)
			case math.Abs(w) > math.MaxFloat32: // overflows float32
				ok = math.IsInf(got, int(math.Copysign(1, w)))
			default:
				ok = math.Abs(got-w) <= eps*mag[i*n+j]+1e-30
			}
			if !ok {
				t.Fatalf("kc=%d flags=%d blocks=%d: C[%d][%d] = %v, want %v", kc, flags, blocks, i, j, got, w)
			}
		}
	}
}
