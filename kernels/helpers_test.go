package kernels

import (
	"fmt"
	"github.com/gorn-ml/gorn/internal/leveltest"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// forEachImpl runs f for every level compiled in, as a subtest named
// impl=NAME; levels this CPU cannot run are reported as skipped.
func forEachImpl(t *testing.T, f func(t *testing.T, im *Impl)) {
	t.Helper()
	for _, im := range Impls() {
		t.Run("impl="+im.Name(), func(t *testing.T) {
			leveltest.SkipUnavailable(t, im)
			f(t, im)
		})
	}
}

// guard is the number of NaN elements placed before and after every buffer
// handed to the code under test; any read of them poisons the result and any
// write is caught by checkGuards.
const guard = 67

// guarded returns a buffer of n elements inside NaN guard bands, and the
// whole allocation for checkGuards.
func guarded(n int) (buf, whole []float32) {
	whole = make([]float32, n+2*guard)
	for i := range whole {
		whole[i] = float32(math.NaN())
	}
	return whole[guard : guard+n : guard+n], whole
}

func checkGuards(t *testing.T, name string, whole []float32) {
	t.Helper()
	n := len(whole) - 2*guard
	for i := 0; i < guard; i++ {
		if !math.IsNaN(float64(whole[i])) || !math.IsNaN(float64(whole[guard+n+i])) {
			t.Fatalf("%s: guard band overwritten", name)
		}
	}
}

// randMatrix fills a rows x cols matrix with row stride ld inside guards;
// the gaps between rows hold NaN, which must never be read.
func randMatrix(r *rand.Rand, rows, cols, ld int) (m, whole []float32) {
	size := 0
	if rows > 0 {
		size = (rows-1)*ld + cols
	}
	m, whole = guarded(size)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m[i*ld+j] = r.Float32()*2 - 1
		}
	}
	return m, whole
}

// refGemm is the float64 reference of C = epilogue(A*B); it also returns,
// per element, the sum of |terms| that bounds the rounding error.
func refGemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, g float64
			for p := 0; p < k; p++ {
				t := float64(a[i*lda+p]) * float64(b[p*ldb+j])
				s += t
				g += math.Abs(t)
			}
			if ep.Accumulate {
				s += float64(c[i*ldc+j])
				g += math.Abs(float64(c[i*ldc+j]))
			}
			if ep.Bias != nil {
				s += float64(ep.Bias[j])
				g += math.Abs(float64(ep.Bias[j]))
			}
			if ep.ReLU && !(s > 0) {
				s = 0
			}
			want[i*n+j], mag[i*n+j] = s, g
		}
	}
	return want, mag
}

// checkResult compares C with the reference: each element within
// (k+3) * 2^-23 * sum|terms|, a bound on float32 summation error that scales
// with k. Elements of C outside the m x n block (row gaps) must be untouched.
func checkResult(t *testing.T, m, n, k int, c []float32, ldc int, want, mag []float64, before []float32) {
	t.Helper()
	eps := float64(k+3) * math.Pow(2, -23)
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < ldc && i*ldc+j < len(c); j++ {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(before[i*ldc+j]) {
					t.Fatalf("C[%d][%d] outside the %dx%d result was written", i, j, m, n)
				}
				continue
			}
			w := want[i*n+j]
			if math.IsNaN(float64(got)) || math.Abs(float64(got)-w) > eps*mag[i*n+j]+1e-30 {
				if bad++; bad <= 5 {
					t.Errorf("m=%d n=%d k=%d: C[%d][%d] = %v, want %v (tol %.3g)", m, n, k, i, j, got, w, eps*mag[i*n+j])
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d wrong elements", bad)
	}
}

type gemmCase struct {
	m, n, k        int
	lda, ldb, ldc  int // extra beyond the row, added to k, n, n (lda < 0: rows of A overlap)
	ep             string
	threads        int
	accumulate     bool
	bias, relu     bool
	transposedPack bool
}

func (gc gemmCase) String() string {
	return fmt.Sprintf("m=%d/n=%d/k=%d/pad=%d,%d,%d/acc=%t/bias=%t/relu=%t/threads=%d/trans=%t",
		gc.m, gc.n, gc.k, gc.lda, gc.ldb, gc.ldc, gc.accumulate, gc.bias, gc.relu, gc.threads, gc.transposedPack)
}

// runCase runs one GEMM through a packed B on level im and checks it
// against the reference, with guard bands around every buffer.
func runCase(t *testing.T, im *Impl, r *rand.Rand, gc gemmCase, pool *Pool) {
	t.Helper()
	m, n, k := gc.m, gc.n, gc.k
	lda, ldb, ldc := k+gc.lda, n+gc.ldb, n+gc.ldc
	a, aw := randMatrix(r, m, k, lda)
	b, bw := randMatrix(r, k, n, ldb)
	c, cw := randMatrix(r, m, n, ldc)
	for i := range c { // the gaps between rows of C hold values that must survive
		if math.IsNaN(float64(c[i])) {
			c[i] = 42
		}
	}
	before := append([]float32(nil), c...)
	var ep Epilogue
	var biasWhole []float32
	if gc.bias {
		ep.Bias, biasWhole = randMatrix(r, 1, n, n)
	}
	ep.Accumulate, ep.ReLU = gc.accumulate, gc.relu
	want, mag := refGemm(m, n, k, a, lda, b, ldb, before, ldc, ep)

	var pb *PackedB
	var err error
	if gc.transposedPack {
		bt := make([]float32, n*max(k, 1))
		for p := 0; p < k; p++ {
			for j := 0; j < n; j++ {
				bt[j*max(k, 1)+p] = b[p*ldb+j]
			}
		}
		pb, err = im.PackBTransposed(k, n, bt, max(k, 1))
	} else {
		pb, err = im.PackB(k, n, b, ldb)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := SgemmPacked(m, a, lda, pb, c, ldc, ep, &Options{Pool: pool, Threads: gc.threads}); err != nil {
		t.Fatal(err)
	}
	checkResult(t, m, n, k, c, ldc, want, mag, before)
	checkGuards(t, "A", aw)
	checkGuards(t, "B", bw)
	checkGuards(t, "C", cw)
	if biasWhole != nil {
		checkGuards(t, "bias", biasWhole)
	}
}

// godebugOff reports whether GODEBUG turns off the CPU feature name (or
// all of them), as x/sys/cpu reads it.
func godebugOff(name string) bool {
	off := false
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		switch kv {
		case "cpu.all=off", "cpu." + name + "=off":
			off = true
		case "cpu.all=on", "cpu." + name + "=on":
			off = false
		}
	}
	return off
}
