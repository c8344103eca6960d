package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// edgeSizes are sizes around a tile dimension d.
func edgeSizes(d int) []int {
	s := []int{1, d - 1, d, d + 1, 2*d - 1, 2*d + 1, 3 * d}
	out := s[:0]
	for _, v := range s {
		if v >= 1 {
			out = append(out, v)
		}
	}
	return out
}

func TestSgemmEdges(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(1, uint64(im.mr)))
		kc := kcFor(im)
		ks := []int{1, 2, 3, 7, 16, 33, kc - 1, kc, kc + 1, 2*kc + 5}
		for _, m := range edgeSizes(im.mr) {
			for _, n := range edgeSizes(im.nr) {
				for _, k := range ks {
					if testing.Short() && k > kc+1 && m > im.mr {
						continue
					}
					runCase(t, im, r, gemmCase{m: m, n: n, k: k}, nil)
				}
			}
		}
	})
}

func TestSgemmStridesAndEpilogues(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(2, uint64(im.nr)))
		for _, acc := range []bool{false, true} {
			for _, bias := range []bool{false, true} {
				for _, relu := range []bool{false, true} {
					for _, trans := range []bool{false, true} {
						gc := gemmCase{
							m: 2*im.mr + 3, n: 3*im.nr - 5, k: kcFor(im) + 9,
							lda: 3, ldb: 5, ldc: 7,
							accumulate: acc, bias: bias, relu: relu, transposedPack: trans,
						}
						t.Run(gc.String(), func(t *testing.T) { runCase(t, im, r, gc, nil) })
					}
				}
			}
		}
	})
}

// resnetShapes are ResNet-50's convolution GEMMs at batch 1 in NHWC
// orientation (m = output pixels, n = Cout, k = kh*kw*Cin), and the fc.
var resnetShapes = [][3]int{
	{12544, 64, 147}, {3136, 64, 64}, {3136, 64, 576}, {3136, 256, 64},
	{784, 128, 1152}, {784, 512, 128}, {196, 256, 2304}, {196, 1024, 256},
	{49, 512, 4608}, {49, 2048, 512}, {1, 1000, 2048},
}

func TestSgemmResNetShapes(t *testing.T) {
	pool := NewPool(2)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(3, 3))
		for _, s := range resnetShapes {
			m := s[0]
			if testing.Short() || im == generic {
				m = min(m, 50) // the float64 reference is slow
			}
			gc := gemmCase{m: m, n: s[1], k: s[2], bias: true, relu: true, threads: 2}
			t.Run(gc.String(), func(t *testing.T) { runCase(t, im, r, gc, pool) })
		}
	})
}

func TestSgemmZeroSizes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(4, 4))
		for _, gc := range []gemmCase{
			{m: 0, n: 5, k: 3}, {m: 5, n: 0, k: 3},
			{m: 5, n: 7, k: 0}, {m: 5, n: 7, k: 0, accumulate: true, bias: true, relu: true},
		} {
			runCase(t, im, r, gc, nil)
		}
	})
}

// TestSgemmCopiedA runs GEMMs with A's blocks copied to scratch (forced on,
// and through the automatic rule with lda a multiple of 512) and checks
// them against the reference: several K blocks, partial panels and tiles,
// accumulation, several row blocks and two threads. The copy must give the
// same bits as reading A in place.
func TestSgemmCopiedA(t *testing.T) {
	pool := NewPool(2)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(7, uint64(im.nr)))
		kc := kcFor(im)
		cases := []gemmCase{
			{m: 2*im.mr + 1, n: 3*im.nr - 1, k: 2*kc + 3, lda: 5, accumulate: true, bias: true, relu: true},
			{m: im.mr - 1, n: im.nr + 1, k: kc - 1, lda: 1, threads: 2, bias: true},
			{m: 37, n: 2 * im.nr, k: 1024, lda: 0, threads: 2, relu: true}, // lda = 1024: copied by the rule
			{m: mcFor(im, kc) + im.mr + 1, n: im.nr + 3, k: 64, lda: 512 - 64, accumulate: true},
		}
		runCasesCopyingA(t, im, r, cases, pool, 1, 0)
		// bitwise equal to the in-place path
		m, n, k := 31, 3*im.nr+2, kc+7
		a := randSlice(r, m*1024)
		b := randSlice(r, k*n)
		pb, err := im.PackB(k, n, b, n)
		if err != nil {
			t.Fatal(err)
		}
		var got [2][]float32
		for i, force := range []int{-1, 1} {
			packAOverride = force
			got[i] = make([]float32, m*n)
			if err := SgemmPacked(m, a, 1024, pb, got[i], n, Epilogue{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		packAOverride = 0
		for i := range got[0] {
			if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) {
				t.Fatalf("element %d: in place %v, copied %v", i, got[0][i], got[1][i])
			}
		}
	})
}

// TestSgemmOverlappingRows runs GEMMs whose A rows overlap (lda < k, as a
// convolution's stacked patches are read in place), with the A copy forced
// on, off and by the rule, and checks them against the reference: several
// K blocks, partial panels and tiles, two threads, lda down to 1.
func TestSgemmOverlappingRows(t *testing.T) {
	pool := NewPool(2)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(8, uint64(im.nr)))
		kc := kcFor(im)
		cases := []gemmCase{
			{m: 2*im.mr + 1, n: im.nr + 3, k: kc + 5, lda: 1 - (kc + 5), bias: true, relu: true},
			{m: 37, n: 4 * im.nr, k: 147, lda: 42 - 147, threads: 2, bias: true, relu: true}, // the stem's stack
			{m: 50, n: 40, k: 2*kc + 9, lda: -1, accumulate: true},
			{m: im.mr + 1, n: 2*im.nr + 1, k: 1024, lda: 512 - 1024, threads: 2}, // lda = 512: copied by the rule
			{m: 1, n: 5, k: 9, lda: -8},
		}
		runCasesCopyingA(t, im, r, cases, pool, 0, 1, -1)
	})
}

// runCasesCopyingA runs each case with each packAOverride setting (1: A
// copied, -1: read in place, 0: as packAFor says), as subtests.
func runCasesCopyingA(t *testing.T, im *Impl, r *rand.Rand, cases []gemmCase, pool *Pool, forces ...int) {
	for _, force := range forces {
		for _, gc := range cases {
			t.Run(fmt.Sprintf("force=%d/%v", force, gc), func(t *testing.T) {
				packAOverride = force
				defer func() { packAOverride = 0 }()
				runCase(t, im, r, gc, pool)
			})
		}
	}
}
