package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQGemmSaturation is the worst case for 16-bit intermediate sums: A all
// 255 (or -128) against B all -128, all 127 and alternating, over a long k.
// VPMADDUBSW would add 255*127 + 255*127 = 64770 into a saturating int16;
// every level must give the exact sums.
func TestQGemmSaturation(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		m, n, k := 2*q.MR()+1, 2*q.NR()+1, 4099
		if testing.Short() {
			k = 1031
		}
		pats := [][2]int8{{-128, -128}, {127, 127}, {127, -128}, {-128, 127}, {-128, 0}}
		for _, aSigned := range []bool{false, true} {
			for shift := range 2 {
				c := &qCase{m: m, n: n, k: k, lda: k, ldc: n, aSigned: aSigned}
				c.a = make([]int64, m*k)
				for i := range c.a {
					c.a[i] = 255
					if aSigned {
						c.a[i] = -128
					}
				}
				c.bt = make([]int8, n*k)
				for j := 0; j < n; j++ { // column j: pattern j+shift, pairs along k
					for p := 0; p < k; p++ {
						c.bt[j*k+p] = pats[(j+shift)%len(pats)][p%2]
					}
				}
				c.ep.Scale = make([]float32, n)
				for j := range c.ep.Scale {
					c.ep.Scale[j] = 1.0 / 4096
				}
				checkQ(t, q, c, nil)
			}
		}
	})
}

// TestQGemmRoundHalfEven checks ties and saturation of the requantization:
// with A's values equal to its zero point the sums vanish, so the stored
// value is saturate(roundHalfToEven(Bias[j] * 0.5) + OutZero).
func TestQGemmRoundHalfEven(t *testing.T) {
	bias := []int32{-7, -5, -3, -1, 1, 3, 5, 7, 2, -2, 0, 1000, -1000, 9, 11, 13}
	// bias/2 = -3.5 -2.5 -1.5 -0.5 0.5 1.5 2.5 3.5 1 -1 0 500 -500 4.5 5.5 6.5
	wantU8 := []uint8{6, 8, 8, 10, 10, 12, 12, 14, 11, 9, 10, 255, 0, 14, 16, 16}
	wantS8 := []int8{6, 8, 8, 10, 10, 12, 12, 14, 11, 9, 10, 127, -128, 14, 16, 16}
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		n, k := len(bias), 5
		scale := make([]float32, n)
		for j := range scale {
			scale[j] = 0.5
		}
		a := []uint8{77, 77, 77, 77, 77}
		bt := make([]int8, n*k)
		for i := range bt {
			bt[i] = int8(i*29 - 100)
		}
		pb, err := q.PackQBTransposed(k, n, bt, k)
		if err != nil {
			t.Fatal(err)
		}
		ep := QEpilogue{AZero: 77, Bias: bias, Scale: scale, OutZero: 10}
		u8, s8 := make([]uint8, n), make([]int8, n)
		if err := QGemm(1, a, k, pb, u8, n, ep, nil); err != nil {
			t.Fatal(err)
		}
		if err := QGemm(1, a, k, pb, s8, n, ep, nil); err != nil {
			t.Fatal(err)
		}
		for j := range bias {
			if u8[j] != wantU8[j] || s8[j] != wantS8[j] {
				t.Errorf("bias %d: got %d/%d, want %d/%d", bias[j], u8[j], s8[j], wantU8[j], wantS8[j])
			}
		}
	})
}

// TestQGemmResidual adds a residual of another scale (uint8 and int8) and
// checks the bits against the documented float32 steps, and the value
// against the real-domain sum in float64 (within one step of rounding).
func TestQGemmResidual(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 3))
		for _, signedRes := range []bool{false, true} {
			c := newQCase(r, 2*q.MR()+1, q.NR()+3, 37, false)
			c.ep.ReLU = signedRes
			res := &QResidual{Ld: c.ldc, Zero: int32(r.IntN(100)), Scale: 0.37}
			c.res = make([]int64, (c.m-1)*c.ldc+c.n)
			if signedRes {
				res.S8, res.Zero = make([]int8, len(c.res)), -res.Zero
			} else {
				res.U8 = make([]uint8, len(c.res))
			}
			for i := range c.res {
				if signedRes {
					c.res[i] = int64(r.IntN(256) - 128)
					res.S8[i] = int8(c.res[i])
				} else {
					c.res[i] = int64(r.IntN(256))
					res.U8[i] = uint8(c.res[i])
				}
			}
			c.ep.Residual = res
			checkQ(t, q, c, nil)
			u8 := runQ[uint8](t, q, c, nil)
			for i := 0; i < c.m; i++ {
				for j := 0; j < c.n; j++ {
					x := float64(c.refAcc(i, j))*float64(c.ep.Scale[j]) +
						float64(c.res[i*c.ldc+j]-int64(res.Zero))*float64(res.Scale)
					if c.ep.ReLU {
						x = max(x, 0)
					}
					w := max(0, min(255, math.RoundToEven(x)+float64(c.ep.OutZero)))
					if d := math.Abs(float64(u8[i*c.ldc+j]) - w); d > 1 {
						t.Fatalf("C[%d][%d] = %d, real-domain value %v", i, j, u8[i*c.ldc+j], w)
					}
				}
			}
		}
	})
}

// TestQGemmThreadDeterminism checks that 1, 2, 3 and 8 threads store
// identical bits.
func TestQGemmThreadDeterminism(t *testing.T) {
	pool := NewPool(8)
	defer pool.Close()
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 4))
		shapes := [][3]int{{196, 256, 600}, {97, 300, 77}, {1, 1000, 512}}
		if testing.Short() {
			shapes = shapes[1:]
		}
		for _, s := range shapes {
			c := newQCase(r, s[0], s[1], s[2], false)
			c.ep.ReLU = true
			var first []uint8
			var firstF []float32
			for _, threads := range []int{1, 2, 3, 8} {
				opt := &Options{Pool: pool, Threads: threads}
				u8 := runQ[uint8](t, q, c, opt)
				f := runQ[float32](t, q, c, opt)
				if first == nil {
					first, firstF = u8, f
					continue
				}
				for i := range u8 {
					if u8[i] != first[i] || math.Float32bits(f[i]) != math.Float32bits(firstF[i]) {
						t.Fatalf("%v: %d threads differ from 1 at %d", c, threads, i)
					}
				}
			}
		}
	})
}

// TestQGemmZeroAllocs checks that calls in steady state allocate nothing,
// on one thread and on a pool.
func TestQGemmZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	pool := NewPool(2)
	defer pool.Close()
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 5))
		c := newQCase(r, 150, 100, 300, false)
		pb, err := q.PackQBTransposed(c.k, c.n, c.bt, c.k)
		if err != nil {
			t.Fatal(err)
		}
		a := make([]uint8, len(c.a))
		out := make([]uint8, (c.m-1)*c.ldc+c.n)
		for _, opt := range []*Options{nil, {Pool: pool}} {
			f := func() {
				if err := QGemm(c.m, a, c.lda, pb, out, c.ldc, c.ep, opt); err != nil {
					t.Fatal(err)
				}
			}
			f()
			if got := testing.AllocsPerRun(20, f); got != 0 {
				t.Errorf("opt %v: %v allocations per call", opt, got)
			}
		}
	})
}

// TestQGemmBadInput checks that inconsistent calls return ErrShape.
func TestQGemmBadInput(t *testing.T) {
	q := QGeneric()
	bt := make([]int8, 6*5)
	pb, err := q.PackQBTransposed(5, 6, bt, 5)
	if err != nil {
		t.Fatal(err)
	}
	a, c, f := make([]uint8, 4*5), make([]uint8, 4*6), make([]int32, 4*6)
	scale := make([]float32, 6)
	ok := QEpilogue{Scale: scale}
	nan := QEpilogue{Scale: []float32{1, 1, float32(math.NaN()), 1, 1, 1}}
	both := QEpilogue{Scale: scale, Residual: &QResidual{U8: c, S8: make([]int8, 24), Ld: 6}}
	shortRes := QEpilogue{Scale: scale, Residual: &QResidual{U8: c[:10], Ld: 6}}
	for name, err := range map[string]error{
		"nil B":          QGemm(4, a, 5, nil, c, 6, ok, nil),
		"short A":        QGemm(4, a[:19], 5, pb, c, 6, ok, nil),
		"short C":        QGemm(4, a, 5, pb, c[:23], 6, ok, nil),
		"ldc < n":        QGemm(4, a, 5, pb, c, 5, ok, nil),
		"negative m":     QGemm(-1, a, 5, pb, c, 6, ok, nil),
		"no scale":       QGemm(4, a, 5, pb, c, 6, QEpilogue{}, nil),
		"NaN scale":      QGemm(4, a, 5, pb, c, 6, nan, nil),
		"A zero point":   QGemm(4, a, 5, pb, c, 6, QEpilogue{Scale: scale, AZero: 256}, nil),
		"out zero point": QGemm(4, a, 5, pb, c, 6, QEpilogue{Scale: scale, OutZero: -1}, nil),
		"int32 + scale":  QGemm(4, a, 5, pb, f, 6, ok, nil),
		"short bias":     QGemm(4, a, 5, pb, f, 6, QEpilogue{Bias: make([]int32, 5)}, nil),
		"two residuals":  QGemm(4, a, 5, pb, c, 6, both, nil),
		"short residual": QGemm(4, a, 5, pb, c, 6, shortRes, nil),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", name, err)
		}
	}
	for name, err := range map[string]error{
		"k too large": func() error { _, err := q.PackQB(QMaxK+1, 1, make([]int8, QMaxK+1), 1); return err }(),
		"short B":     func() error { _, err := q.PackQB(5, 6, make([]int8, 29), 6); return err }(),
		"short Bt":    func() error { _, err := q.PackQBTransposed(5, 6, make([]int8, 29), 5); return err }(),
		"ldbt < k":    func() error { _, err := q.PackQBTransposed(5, 6, make([]int8, 30), 4); return err }(),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", name, err)
		}
	}
}

// TestQPackRowMajorMatchesTransposed packs the same B both ways.
func TestQPackRowMajorMatchesTransposed(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 6))
		c := newQCase(r, 9, 2*q.NR()+1, 3*q.Group()+2, true)
		b := make([]int8, c.k*(c.n+1))
		for p := 0; p < c.k; p++ {
			for j := 0; j < c.n; j++ {
				b[p*(c.n+1)+j] = c.bt[j*c.k+p]
			}
		}
		p1, err := q.PackQB(c.k, c.n, b, c.n+1)
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := q.PackQBTransposed(c.k, c.n, c.bt, c.k)
		for i := range p1.data {
			if p1.data[i] != p2.data[i] {
				t.Fatalf("packed byte %d differs", i)
			}
		}
		for j := 0; j < c.n; j++ {
			var s int32
			for p := 0; p < c.k; p++ {
				s += int32(c.bt[j*c.k+p])
			}
			if p1.ColSum(j) != s {
				t.Fatalf("column sum %d = %d, want %d", j, p1.ColSum(j), s)
			}
		}
	})
}

// sevenBit redraws c's weights in [-64, 63], as a quantizer with a reduced
// range writes them; such weights are pair-safe.
func sevenBit(r *rand.Rand, c *qCase) *qCase {
	for i := range c.bt {
		c.bt[i] = int8(r.IntN(128) - 64)
	}
	return c
}

// TestQGemmPairKernels drives the 16-bit pair kernels (where a level has
// them) at the edge of their condition: every k pair of B at the largest
// positive and negative parts allowed, against A at 255 and 0 in every
// arrangement, plus random 7-bit weights; and checks that a B one step past
// the condition is not given to them.
func TestQGemmPairKernels(t *testing.T) {
	pats := [][2]int8{{127, 1}, {1, 127}, {64, 64}, {-128, 0}, {0, -128}, {-64, -64}, {-128, 127}, {127, -128}, {100, 28}}
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 8))
		m, n, k := 2*q.MR()+1, 2*q.NR()+1, 64
		for _, apat := range [][2]int64{{255, 255}, {255, 0}, {0, 255}} {
			c := &qCase{m: m, n: n, k: k, lda: k, ldc: n}
			c.a = make([]int64, m*k)
			for i := range c.a {
				c.a[i] = apat[i%2]
			}
			c.bt = make([]int8, n*k)
			for j := 0; j < n; j++ {
				for p := 0; p < k; p++ {
					c.bt[j*k+p] = pats[(j+p/2)%len(pats)][p%2]
				}
			}
			c.ep.Scale = make([]float32, n)
			for j := range c.ep.Scale {
				c.ep.Scale[j] = 1.0 / 1024
			}
			pb, err := q.PackQBTransposed(k, n, c.bt, k)
			if err != nil {
				t.Fatal(err)
			}
			if q.pairs != nil && !pb.PairSafe() {
				t.Fatal("weights at the limit were not found pair-safe")
			}
			checkQ(t, q, c, nil)
			checkQ(t, q, sevenBit(r, newQCase(r, 3*q.MR()+2, 2*q.NR(), 96, false)), nil)
			c.bt[5*k+9] = 2 // with its neighbour 127 (pattern 0): one past the limit
			if pb, _ = q.PackQBTransposed(k, n, c.bt, k); pb.PairSafe() {
				t.Fatal("a pair past the limit was found pair-safe")
			}
			checkQ(t, q, c, nil)
		}
	})
}

// TestQGemmEmptyK checks k = 0: the sums are empty, so C is the epilogue
// of the bias alone.
func TestQGemmEmptyK(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 9))
		for _, n := range []int{1, q.NR(), 2*q.NR() + 1} {
			c := newQCase(r, q.MR()+2, n, 0, false)
			c.lda = 1
			checkQ(t, q, c, nil)
		}
	})
}

// TestQLevelTable checks the int8 level table: QFor picks an available
// level of the fp32 level's family (or generic), and QLookup refuses
// unknown and unavailable levels.
func TestQLevelTable(t *testing.T) {
	for _, im := range Impls() {
		q := QFor(im)
		if !q.Available() || (q != QGeneric() && q.FP32() != im.Name() && q.FP32() != "avx512") {
			t.Errorf("QFor(%s) = %v (fp32 %s, available %t)", im.Name(), q, q.FP32(), q.Available())
		}
	}
	if q := QActive(); !q.Available() {
		t.Errorf("QActive() = %v is not available", q)
	}
	if _, err := QLookup("no-such-level"); err == nil {
		t.Error("QLookup of an unknown level succeeded")
	}
	for _, q := range QImpls() {
		got, err := QLookup(q.Name())
		if q.Available() != (err == nil) || (err == nil && got != q) {
			t.Errorf("QLookup(%q) = %v, %v; available %t", q.Name(), got, err, q.Available())
		}
	}
}
