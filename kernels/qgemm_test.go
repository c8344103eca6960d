package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forEachQImpl runs f for every 8-bit level compiled in, as a subtest named
// impl=NAME; levels this CPU cannot run are reported as skipped.
func forEachQImpl(t *testing.T, f func(t *testing.T, q *QImpl)) {
	t.Helper()
	for _, q := range QImpls() {
		t.Run("impl="+q.Name(), func(t *testing.T) {
			if q.broken {
				t.Fatalf("level has the CPU features it needs but failed its self-test")
			}
			if !q.Available() {
				t.Skipf("CPU lacks %s", q.Requires())
			}
			f(t, q)
		})
	}
}

// qCase is one 8-bit GEMM to check: A (m x k, stride lda) holds aVals as
// uint8 or int8, Bᵀ (n x k) int8, and C has stride ldc.
type qCase struct {
	m, n, k, lda, ldc int
	aSigned           bool
	a                 []int64 // A's values, row stride lda
	bt                []int8  // n x k
	ep                QEpilogue
	res               []int64 // residual values (m x n, stride ldc) when ep.Residual != nil
}

func (c *qCase) String() string {
	return fmt.Sprintf("m=%d n=%d k=%d lda=%d ldc=%d signedA=%t relu=%t", c.m, c.n, c.k, c.lda, c.ldc, c.aSigned, c.ep.ReLU)
}

// refAcc is the naive int64 reference of sum_p (A[i][p] - AZero) * B[p][j] + Bias[j].
func (c *qCase) refAcc(i, j int) int64 {
	var s int64
	for p := 0; p < c.k; p++ {
		s += (c.a[i*c.lda+p] - int64(c.ep.AZero)) * int64(c.bt[j*c.k+p])
	}
	if c.ep.Bias != nil {
		s += int64(c.ep.Bias[j])
	}
	return s
}

// refReal is the epilogue's real value before rounding, in float32 steps
// as QEpilogue documents them.
func (c *qCase) refReal(i, j int) float32 {
	f := float32(float32(c.refAcc(i, j)) * c.ep.Scale[j])
	if c.ep.Residual != nil {
		d := float32(c.res[i*c.ldc+j] - int64(c.ep.Residual.Zero))
		f += float32(d * c.ep.Residual.Scale)
	}
	if c.ep.ReLU && f < 0 {
		f = 0
	}
	return f
}

// refQuant rounds half to even and saturates, written out by hand.
func refQuant(f float32, zero int32, lo, hi int64) int64 {
	x := float64(f)
	fl := math.Floor(x)
	r := int64(fl)
	switch d := x - fl; {
	case d > 0.5:
		r++
	case d == 0.5 && r%2 != 0:
		r++
	}
	return max(lo, min(hi, r+int64(zero)))
}

// newQCase draws a random case; vals bounds the A and B values drawn.
func newQCase(r *rand.Rand, m, n, k int, aSigned bool) *qCase {
	c := &qCase{m: m, n: n, k: k, lda: k + 1 + r.IntN(3), ldc: n + r.IntN(3), aSigned: aSigned}
	c.a = make([]int64, max(0, (m-1)*c.lda+k))
	for i := range c.a {
		if aSigned {
			c.a[i] = int64(r.IntN(256)) - 128
		} else {
			c.a[i] = int64(r.IntN(256))
		}
	}
	c.bt = make([]int8, n*k)
	for i := range c.bt {
		c.bt[i] = int8(r.IntN(256) - 128)
	}
	if aSigned {
		c.ep.AZero = int32(r.IntN(256) - 128)
	} else {
		c.ep.AZero = int32(r.IntN(256))
	}
	c.ep.Bias = make([]int32, n)
	c.ep.Scale = make([]float32, n)
	for j := range c.ep.Bias {
		c.ep.Bias[j] = int32(r.IntN(20001) - 10000)
		c.ep.Scale[j] = float32(r.Float64()*2e-3 + 1e-5)
	}
	c.ep.OutZero = int32(r.IntN(50))
	return c
}

// run packs B for q and runs the case into C of element type T, inside
// guard bands of sentinel values that must survive.
func runQ[T QOut](t *testing.T, q *QImpl, c *qCase, opt *Options) []T {
	t.Helper()
	pb, err := q.PackQBTransposed(c.k, c.n, c.bt, max(c.k, 1))
	if err != nil {
		t.Fatal(err)
	}
	const g = 37
	size := max(0, (c.m-1)*c.ldc+c.n)
	whole := make([]T, size+2*g)
	for i := range whole {
		whole[i] = T(99)
	}
	out := whole[g : g+size : g+size]
	if c.aSigned {
		a := make([]int8, len(c.a)+g)
		for i, v := range c.a {
			a[i] = int8(v)
		}
		err = QGemm(c.m, a[:len(c.a)], c.lda, pb, out, c.ldc, c.ep, opt)
	} else {
		a := make([]uint8, len(c.a)+g)
		for i, v := range c.a {
			a[i] = uint8(v)
		}
		err = QGemm(c.m, a[:len(c.a)], c.lda, pb, out, c.ldc, c.ep, opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole {
		inside := i >= g && i < g+size && (i-g)%c.ldc < c.n
		if !inside && whole[i] != T(99) {
			t.Fatalf("%v: element %d outside C written", c, i-g)
		}
	}
	return out
}

// checkQ runs c on q with every output type and compares each element with
// the reference exactly.
func checkQ(t *testing.T, q *QImpl, c *qCase, opt *Options) {
	t.Helper()
	ep := c.ep
	c.ep.Scale, c.ep.Residual = nil, nil
	acc := runQ[int32](t, q, c, opt)
	c.ep = ep
	u8 := runQ[uint8](t, q, c, opt)
	s8 := runQ[int8](t, q, c, opt)
	f32 := runQ[float32](t, q, c, opt)
	bad := 0
	for i := 0; i < c.m; i++ {
		for j := 0; j < c.n; j++ {
			o := i*c.ldc + j
			w := c.refAcc(i, j)
			if c.ep.ReLU {
				w = max(w, 0)
			}
			f := c.refReal(i, j)
			wu, ws := refQuant(f, c.ep.OutZero, 0, 255), refQuant(f, c.ep.OutZero, -128, 127)
			if int64(acc[o]) != w || int64(u8[o]) != wu || int64(s8[o]) != ws ||
				math.Float32bits(f32[o]) != math.Float32bits(f) {
				if bad++; bad <= 5 {
					t.Errorf("%v: C[%d][%d] = %d/%d/%d/%v, want %d/%d/%d/%v", c, i, j,
						acc[o], u8[o], s8[o], f32[o], w, wu, ws, f)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d wrong elements", bad)
	}
}

// TestQGemmEdgeShapes runs every m, n in 1..2*tile+1 against k around the
// level's group, with odd strides, both A types and ReLU on and off.
func TestQGemmEdgeShapes(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 1))
		g := q.Group()
		ks := []int{1, g - 1, g, g + 1, 2*g + 3, 5*g + 1}
		if testing.Short() {
			ks = []int{1, g + 1, 2*g + 3}
		}
		for m := 1; m <= 2*q.MR()+1; m++ {
			for n := 1; n <= 2*q.NR()+1; n++ {
				for _, k := range ks {
					if k < 1 || (testing.Short() && (m+n+k)%3 != 0) {
						continue
					}
					c := newQCase(r, m, n, k, (m+n)%2 == 0)
					c.ep.ReLU = k%2 == 0
					if (m+n+k)%4 == 1 {
						sevenBit(r, c)
					}
					checkQ(t, q, c, nil)
				}
			}
		}
	})
}

// TestQGemmLarger runs shapes with many tiles, panels and row blocks.
func TestQGemmLarger(t *testing.T) {
	pool := NewPool(3)
	defer pool.Close()
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 2))
		shapes := [][3]int{{49, 70, 300}, {64, 64, 576}, {7, 130, 1153}, {200, 24, 27}}
		if testing.Short() {
			shapes = shapes[:2]
		}
		for _, s := range shapes {
			for _, signed := range []bool{false, true} {
				c := newQCase(r, s[0], s[1], s[2], signed)
				c.ep.ReLU = signed
				checkQ(t, q, c, &Options{Pool: pool})
				sevenBit(r, c)
				checkQ(t, q, c, &Options{Pool: pool})
			}
		}
	})
}
