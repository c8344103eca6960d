package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

var winoAlgos = []ConvAlgo{AlgoWinograd2, AlgoWinograd4, AlgoWinograd3}

// winoTol is the error allowed for a convolution with k = 9*Cin terms of
// inputs and weights in [-1, 1): the float32 rounding of the sum (as for
// im2col), plus the rounding of the transforms, which grows with the tile:
// the largest coefficients of F(4x4, 3x3) (8 in Aᵀ, 5 in Bᵀ) multiply the
// rounding errors of the transformed values.
func winoTol(algo ConvAlgo, k int) float64 {
	switch algo {
	case AlgoWinograd4:
		return 2e-6 * float64(k+16)
	case AlgoWinograd3:
		return 1.5e-6 * float64(k+9)
	}
	return 1e-6 * float64(k+4)
}

// checkWinograd runs one 3x3 stride-1 case with algorithm algo at level im
// and compares it with refConv. It returns the largest error divided by
// the number of terms k.
func checkWinograd(t *testing.T, im *kernels.Impl, algo ConvAlgo, tc convCase, opt *kernels.Options, r *rand.Rand) float64 {
	t.Helper()
	k := 9 * tc.p.normalized().Cin
	worst := runConvCase(t, tc, opt, r, fmt.Sprint(algo, " ", tc), winoTol(algo, k), func(weights, bias []float32, _, _ int) *Conv {
		c, err := NewConvAlgo(im, tc.p, weights, bias, algo)
		if err != nil {
			t.Fatalf("%v: NewConvAlgo: %v", tc, err)
		}
		if c.Algo() != algo {
			t.Fatalf("%v: Algo() = %v, want %v", tc, c.Algo(), algo)
		}
		return c
	})
	return worst / float64(k)
}

// randomWinoCase draws a small 3x3 geometry for algo: odd sizes (partial
// tiles), paddings 0-2, channel counts that are not multiples of 8, some
// above the transforms' chunk of 64 channels; stride 1, or for
// AlgoWinograd2 stride 2 in half the cases.
func randomWinoCase(r *rand.Rand, algo ConvAlgo) convCase {
	stride := 1
	if algo == AlgoWinograd2 && r.IntN(2) == 0 {
		stride = 2
	}
	for {
		cin := 1 + r.IntN(24)
		if r.IntN(4) == 0 {
			cin = 60 + r.IntN(16)
		}
		cout := 1 + r.IntN(40)
		if r.IntN(4) == 0 {
			cout = 60 + r.IntN(16)
		}
		p := ConvParams{Cin: cin, Cout: cout, KH: 3, KW: 3, StrideH: stride, StrideW: stride,
			PadT: r.IntN(3), PadL: r.IntN(3), PadB: r.IntN(3), PadR: r.IntN(3)}
		tc := convCase{p: p, n: []int{1, 3}[r.IntN(2)], h: 1 + r.IntN(13*stride), w: 1 + r.IntN(13*stride), bias: r.IntN(2) == 0,
			ep: Epilogue{Residual: r.IntN(2) == 0, ReLU: r.IntN(2) == 0}}
		if _, _, err := p.OutSize(tc.h, tc.w); err == nil {
			return tc
		}
	}
}

func TestWinogradRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		for _, algo := range winoAlgos {
			t.Run("algo="+algo.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(11, uint64(algo)))
				cases := 150
				if testing.Short() {
					cases = 15
				}
				worst := 0.0
				for range cases {
					worst = max(worst, checkWinograd(t, im, algo, randomWinoCase(r, algo), nil, r))
				}
				t.Logf("largest error / k: %.3g", worst)
			})
		}
	})
}

// Small blocks on several threads: every block size and split.
func TestWinogradBlocksThreads(t *testing.T) {
	pool := kernels.NewPool(3)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		for _, algo := range winoAlgos {
			t.Run("algo="+algo.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(12, uint64(algo)))
				cases := 60
				if testing.Short() {
					cases = 8
				}
				withWinoBlocks(1, func() {
					for i := range cases {
						opt := &kernels.Options{Pool: pool, Threads: 1 + i%3}
						checkWinograd(t, im, algo, randomWinoCase(r, algo), opt, r)
					}
				})
			})
		}
	})
}

// withWinoBlocks runs f with Winograd blocks of rows tiles (at least; the
// micro-kernel's MR rounds them up), restoring the defaults afterwards.
func withWinoBlocks(rows int, f func()) {
	withValue(&winoBlockFloats, 1, func() { withValue(&winoMinRows, rows, f) })
}

// ResNet-sized channel counts at reduced spatial size, through the
// default blocks, on one and two threads.
func TestWinogradResNetShapes(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cases := []convCase{
		{p: SquareConv(64, 64, 3, 1, 1), n: 1, h: 22, w: 21, bias: true, ep: Epilogue{ReLU: true}},
		{p: SquareConv(128, 96, 3, 1, 1), n: 2, h: 9, w: 11, bias: true, ep: Epilogue{Residual: true, ReLU: true}},
		{p: SquareConv(256, 40, 3, 1, 0), n: 1, h: 7, w: 7, ep: Epilogue{Residual: true}},
		{p: SquareConv(128, 128, 3, 2, 1), n: 1, h: 23, w: 20, bias: true, ep: Epilogue{ReLU: true}},
		{p: SquareConv(64, 136, 3, 2, 1), n: 2, h: 14, w: 15, bias: true, ep: Epilogue{Residual: true, ReLU: true}},
	}
	if testing.Short() {
		cases = []convCase{
			{p: SquareConv(72, 64, 3, 1, 1), n: 1, h: 10, w: 9, bias: true, ep: Epilogue{Residual: true, ReLU: true}},
			{p: SquareConv(72, 64, 3, 2, 1), n: 1, h: 19, w: 17, bias: true, ep: Epilogue{Residual: true, ReLU: true}},
		}
	}
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(13, 14))
		for _, algo := range winoAlgos {
			for _, tc := range cases {
				if !algo.Applies(tc.p) {
					continue
				}
				for _, threads := range []int{1, 2} {
					e := checkWinograd(t, im, algo, tc, &kernels.Options{Pool: pool, Threads: threads}, r)
					t.Logf("%v %v threads=%d: largest error / k %.3g", algo, tc, threads, e)
				}
			}
		}
	})
}

// Results are bitwise identical for any thread count and block size.
func TestWinogradDeterministic(t *testing.T) {
	pool := kernels.NewPool(3)
	defer pool.Close()
	r := rand.New(rand.NewPCG(15, 16))
	n, h, w := 3, 13, 10
	weights := randSlice(r, 37*70*9)
	bias := randSlice(r, 37)
	src := randSlice(r, n*h*w*70)
	for _, tc := range []struct {
		algo   ConvAlgo
		stride int
	}{{AlgoWinograd2, 1}, {AlgoWinograd4, 1}, {AlgoWinograd3, 1}, {AlgoWinograd2, 2}} {
		algo, p := tc.algo, SquareConv(70, 37, 3, tc.stride, 1)
		oh, ow, _ := p.OutSize(h, w)
		run := func(threads, rows int) []float32 {
			var out []float32
			withWinoBlocks(rows, func() {
				c, err := NewConvAlgo(kernels.Active(), p, weights, bias, algo)
				if err != nil {
					t.Fatal(err)
				}
				out = make([]float32, n*oh*ow*37)
				opt := &kernels.Options{Pool: pool, Threads: threads}
				if err := c.Forward(out, src, n, h, w, Epilogue{ReLU: true}, nil, opt); err != nil {
					t.Fatal(err)
				}
			})
			return out
		}
		want := run(1, 1)
		withWinoBlocks(1000, func() { // whole mode on several threads, one block on one
			c, _ := NewConvAlgo(kernels.Active(), p, weights, bias, algo)
			if pl := c.winoPlan(n, oh, ow, 2); !pl.whole {
				t.Errorf("%v: rows=1000 threads=2: plan %+v is not whole", algo, pl)
			}
			if pl := c.winoPlan(n, oh, ow, 1); pl.whole || pl.blocks != 1 {
				t.Errorf("%v: rows=1000 threads=1: plan %+v is not one block", algo, pl)
			}
		})
		threadCounts, blockRows := []int{1, 2, 3}, []int{1, 7, 1000}
		if testing.Short() {
			threadCounts, blockRows = []int{2, 3}, []int{1, 1000}
		}
		for _, threads := range threadCounts {
			for _, rows := range blockRows {
				if got := run(threads, rows); !slices.Equal(got, want) {
					t.Fatalf("%v stride %d threads=%d rows=%d: output differs from threads=1 rows=1", algo, tc.stride, threads, rows)
				}
			}
		}
	}
}

// autoStride2 stands for what AlgoAuto chooses at stride 2: F(2x2, 3x3)
// where the level's transforms are vectorized, im2col elsewhere.
const autoStride2 ConvAlgo = -1

func TestWinogradSelection(t *testing.T) {
	for _, tc := range []struct {
		p    ConvParams
		algo ConvAlgo // with AlgoAuto
	}{
		{SquareConv(32, 32, 3, 1, 1), AlgoWinograd4},
		{SquareConv(128, 64, 3, 1, 1), AlgoWinograd4},
		{SquareConv(129, 64, 3, 1, 1), AlgoWinograd3},
		{SquareConv(32, 512, 3, 1, 1), AlgoWinograd2},
		{SquareConv(513, 32, 3, 1, 1), AlgoIm2col},
		{SquareConv(31, 64, 3, 1, 1), AlgoIm2col},
		{SquareConv(64, 31, 3, 1, 1), AlgoIm2col},
		{SquareConv(64, 64, 3, 2, 1), autoStride2},
		{SquareConv(512, 512, 3, 2, 1), AlgoIm2col}, // ResNet's 7x7 output
		{SquareConv(64, 64, 1, 1, 0), AlgoIm2col},
		{ConvParams{Cin: 64, Cout: 64, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilH: 2, DilW: 2}, AlgoIm2col},
		{ConvParams{Cin: 64, Cout: 64, KH: 3, KW: 3, StrideH: 1, StrideW: 1, Groups: 2}, AlgoIm2col},
	} {
		p := tc.p.normalized()
		weights := make([]float32, p.Cout*p.Cin/p.Groups*p.KH*p.KW)
		want := tc.algo
		if want == autoStride2 {
			want = AlgoIm2col
			if kernels.Active().WinogradVectorized() {
				want = AlgoWinograd2
			}
		}
		c, err := NewConvAlgo(kernels.Active(), tc.p, weights, nil, AlgoAuto)
		if err != nil {
			t.Fatal(err)
		}
		if c.Algo() != want {
			t.Errorf("%+v: auto chose %v, want %v", tc.p, c.Algo(), want)
		}
		for _, algo := range winoAlgos {
			_, err := NewConvAlgo(kernels.Active(), tc.p, weights, nil, algo)
			if algo.Applies(tc.p) != (err == nil) {
				t.Errorf("%+v: %v: error %v, Applies %v", tc.p, algo, err, algo.Applies(tc.p))
			}
			if err != nil && !errors.Is(err, ErrShape) {
				t.Errorf("%+v: %v: error %v does not wrap ErrShape", tc.p, algo, err)
			}
		}
	}
	if _, err := NewConvAlgo(kernels.Active(), SquareConv(4, 4, 3, 1, 1), make([]float32, 144), nil, ConvAlgo(9)); !errors.Is(err, ErrShape) {
		t.Errorf("unknown algorithm: error %v", err)
	}
}

// AutoAlgo with an input size: F4 needs 49 tiles of 4x4 and at most 256
// channels, F3 25 tiles of 3x3.
func TestAutoAlgoSize(t *testing.T) {
	for _, tc := range []struct {
		c, h int
		algo ConvAlgo
	}{
		{64, 56, AlgoWinograd4}, {128, 28, AlgoWinograd4}, {256, 28, AlgoWinograd4}, {256, 25, AlgoWinograd4},
		{256, 24, AlgoWinograd3}, {256, 14, AlgoWinograd3}, {256, 13, AlgoWinograd3}, {256, 12, AlgoWinograd2},
		{512, 28, AlgoWinograd3}, {512, 14, AlgoWinograd3}, {512, 7, AlgoWinograd2},
		{64, 7, AlgoWinograd2}, {1024, 7, AlgoIm2col}, {16, 56, AlgoIm2col},
	} {
		if got := AutoAlgo(SquareConv(tc.c, tc.c, 3, 1, 1), tc.h, tc.h); got != tc.algo {
			t.Errorf("%d channels, %dx%d: %v, want %v", tc.c, tc.h, tc.h, got, tc.algo)
		}
	}
	if got := AutoAlgo(SquareConv(64, 64, 3, 1, 1), 2, 2); got != AlgoWinograd2 { // 2x2 output
		t.Errorf("64 channels, 2x2: %v", got)
	}
	if got := AutoAlgo(SquareConv(64, 64, 3, 1, 0), 2, 2); got != AlgoWinograd4 { // too small: as unknown
		t.Errorf("64 channels, 2x2 without padding: %v", got)
	}
	// Stride 2: F(2x2, 3x3) from 49 output tiles of 2x2 (14x14 pixels).
	for _, tc := range []struct {
		cin, cout, h int
		algo         ConvAlgo
	}{
		{128, 128, 56, AlgoWinograd2}, {256, 256, 28, AlgoWinograd2}, {512, 512, 14, AlgoIm2col},
		{64, 128, 56, AlgoWinograd2}, {128, 256, 28, AlgoWinograd2}, {256, 512, 14, AlgoIm2col},
		{128, 128, 25, AlgoWinograd2}, {128, 128, 24, AlgoIm2col}, {128, 128, 0, AlgoWinograd2},
		{512, 512, 0, AlgoIm2col}, {16, 128, 56, AlgoIm2col},
	} {
		p := SquareConv(tc.cin, tc.cout, 3, 2, 1)
		if got := AutoAlgo(p, tc.h, tc.h); got != tc.algo {
			t.Errorf("stride 2, %d -> %d channels, %dx%d: %v, want %v", tc.cin, tc.cout, tc.h, tc.h, got, tc.algo)
		}
		if got := autoAlgo(kernels.Generic(), p, tc.h, tc.h); got != AlgoIm2col {
			t.Errorf("stride 2, %d -> %d channels, %dx%d, generic level: %v, want im2col", tc.cin, tc.cout, tc.h, tc.h, got)
		}
	}
}

// DefaultAlgo forces an algorithm where it applies, and im2col elsewhere.
func TestWinogradDefaultAlgo(t *testing.T) {
	defer func(a ConvAlgo) { DefaultAlgo = a }(DefaultAlgo)
	for _, algo := range []ConvAlgo{AlgoIm2col, AlgoWinograd2, AlgoWinograd4, AlgoWinograd3} {
		DefaultAlgo = algo
		c, err := NewConv(SquareConv(64, 64, 3, 1, 1), make([]float32, 64*64*9), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Algo() != algo {
			t.Errorf("DefaultAlgo %v: Algo() = %v", algo, c.Algo())
		}
		c, err = NewConv(SquareConv(64, 64, 3, 2, 1), make([]float32, 64*64*9), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := AlgoIm2col // F(4x4, 3x3) does not apply at stride 2
		if algo == AlgoWinograd2 {
			want = algo
		}
		if c.Algo() != want {
			t.Errorf("DefaultAlgo %v, stride 2: Algo() = %v, want %v", algo, c.Algo(), want)
		}
	}
}

func TestWinogradAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(19, 20))
	runs := 20
	if testing.Short() {
		runs = 3
	}
	for _, algo := range winoAlgos {
		c, err := NewConvAlgo(kernels.Active(), SquareConv(40, 40, 3, 1, 1), randSlice(r, 40*40*9), randSlice(r, 40), algo)
		if err != nil {
			t.Fatal(err)
		}
		n, h, w := 1, 30, 30
		if testing.Short() {
			h, w = 13, 14
		}
		src := randSlice(r, n*h*w*40)
		dst := make([]float32, n*h*w*40)
		for _, opt := range []*kernels.Options{nil, {Pool: pool}} {
			scratch := make([]float32, c.ScratchSize(n, h, w, opt))
			for _, s := range [][]float32{scratch, nil} {
				// A collection during the runs empties the sync.Pools (the
				// thread pool's and Forward's call records), and a caller
				// that parks while a worker finishes may resume on another
				// processor, whose sync.Pool slot is empty: either costs an
				// allocation now and then (often under qemu). A steady
				// allocation shows in every attempt: try up to three times.
				allocs := math.Inf(1)
				for try := 0; try < 3 && allocs != 0; try++ {
					runtime.GC()
					allocs = min(allocs, testing.AllocsPerRun(runs, func() {
						if err := c.Forward(dst, src, n, h, w, Epilogue{Residual: true}, s, opt); err != nil {
							t.Fatal(err)
						}
					}))
				}
				if allocs != 0 {
					t.Errorf("%v threads=%d scratch=%v: %v allocations per Forward", algo, threadsOf(opt), s != nil, allocs)
				}
			}
		}
	}
}

// Short scratch is an error, and nothing is written.
func TestWinogradShortScratch(t *testing.T) {
	c, err := NewConvAlgo(kernels.Active(), SquareConv(8, 8, 3, 1, 1), make([]float32, 8*8*9), nil, AlgoWinograd4)
	if err != nil {
		t.Fatal(err)
	}
	need := c.ScratchSize(1, 9, 9, nil)
	dst := newBuf(9 * 9 * 8)
	err = c.Forward(dst.s(), make([]float32, 9*9*8), 1, 9, 9, Epilogue{}, make([]float32, need-1), nil)
	if !errors.Is(err, ErrShape) {
		t.Errorf("short scratch: error %v", err)
	}
	for i, v := range dst.s() {
		if v == v {
			t.Fatalf("dst[%d] = %v was written", i, v)
		}
	}
}

// TestWinogradLayerAccuracy measures the error of each algorithm on the
// 3x3 layers of ResNet-50 at full size (stride 1 and 2), with inputs like a
// ReLU's outputs (uniform in [0, 1)) and He-scaled weights (uniform with
// the variance 2/(9*Cin)), against the float64 reference: the relative L2
// error of the whole output and the largest error relative to the
// output's RMS. F(4x4, 3x3) must stay within 1e-5 (rel L2), F(3x3, 3x3)
// within 5e-6, the others within 2e-6.
func TestWinogradLayerAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("float64 reference of full-size layers")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, l := range []struct{ c, h, stride int }{{64, 56, 1}, {128, 28, 1}, {256, 14, 1}, {512, 7, 1}, {128, 56, 2}, {256, 28, 2}} {
		p := SquareConv(l.c, l.c, 3, l.stride, 1)
		oh, ow, _ := p.OutSize(l.h, l.h)
		src := make([]float32, l.h*l.h*l.c)
		for i := range src {
			src[i] = r.Float32()
		}
		scale := float32(math.Sqrt(3 * 2 / float64(9*l.c))) // uniform [-s, s) has variance s²/3
		weights := randSlice(r, l.c*l.c*9)
		for i := range weights {
			weights[i] *= scale
		}
		ref, _, _ := refConv(p, src, 1, l.h, l.h, weights, nil) // NCHW; src is NCHW too
		nhwc := toNHWC(src, 1, l.c, l.h, l.h)
		var rms float64
		for _, v := range ref {
			rms += v * v
		}
		rms = math.Sqrt(rms / float64(len(ref)))
		for _, algo := range []ConvAlgo{AlgoIm2col, AlgoWinograd2, AlgoWinograd4, AlgoWinograd3} {
			if !algo.Applies(p) {
				continue
			}
			c, err := NewConvAlgo(kernels.Active(), p, weights, nil, algo)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, len(ref))
			if err := c.Forward(dst, nhwc, 1, l.h, l.h, Epilogue{}, nil, nil); err != nil {
				t.Fatal(err)
			}
			var num, worst float64
			for o := 0; o < l.c; o++ {
				for px := 0; px < oh*ow; px++ {
					e := float64(dst[px*l.c+o]) - ref[o*oh*ow+px]
					num += e * e
					worst = max(worst, math.Abs(e))
				}
			}
			rel := math.Sqrt(num/float64(len(ref))) / rms
			t.Logf("%dx%dx%d stride %d %-9v rel L2 %.2e, max %.2e x RMS", l.h, l.h, l.c, l.stride, algo, rel, worst/rms)
			bound := 2e-6
			switch algo {
			case AlgoWinograd4:
				bound = 1e-5
			case AlgoWinograd3:
				bound = 5e-6
			}
			if !(rel <= bound) {
				t.Errorf("%dx%dx%d %v: rel L2 %.3g > %g", l.h, l.h, l.c, algo, rel, bound)
			}
		}
	}
}
