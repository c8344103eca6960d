package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// withBlocks runs f with im2col blocks of rows rows (at least), restoring
// the defaults afterwards. Convs must be built inside f.
func withBlocks(rows int, f func()) {
	withValue(&blockFloats, 1, func() { withValue(&minBlockRows, rows, f) })
}

// Small blocks and several threads exercise the block tasks on shapes small
// enough for the reference.
func TestConvRandomBlocksThreads(t *testing.T) {
	pool := kernels.NewPool(3)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(3, 4))
		cases := 200
		if testing.Short() {
			cases = 40
		}
		withBlocks(1, func() {
			for i := range cases {
				opt := &kernels.Options{Pool: pool, Threads: 1 + i%3}
				checkConv(t, im, randomConvCase(r), opt, r)
			}
		})
	})
}

// Stacked convolutions (short tap rows) multiplied in place on their
// stacks, one output row per task, on one to three threads, and with the
// in-place path off (minStackedRun 1: always in place; 1 << 30: never);
// each against the reference.
func TestConvStackedInPlace(t *testing.T) {
	pool := kernels.NewPool(3)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(9, 10))
		cases := 150
		if testing.Short() {
			cases = 30
		}
		stem := convCase{p: SquareConv(3, 20, 7, 2, 3), n: 2, h: 41, w: 38, bias: true, ep: Epilogue{Residual: true, ReLU: true}}
		for _, run := range []int{1, 1 << 30} {
			withValue(&minStackedRun, run, func() {
				checkConv(t, im, stem, nil, r)
				for i := range cases {
					tc := randomConvCase(r)
					tc.p.Groups, tc.p.DilW = 1, 1
					tc.p.Cin = 1 + r.IntN(5)
					if _, _, err := tc.p.OutSize(tc.h, tc.w); err != nil {
						continue
					}
					checkConv(t, im, tc, &kernels.Options{Pool: pool, Threads: 1 + i%3}, r)
				}
			})
		}
	})
}

// ResNet-like shapes: wide channels, big enough for several default-size
// blocks, through every mode.
func TestConvResNetShapes(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	cases := []convCase{
		{p: SquareConv(64, 24, 3, 1, 1), n: 1, h: 30, w: 30, bias: true, ep: Epilogue{ReLU: true}},
		{p: SquareConv(3, 16, 7, 2, 3), n: 1, h: 64, w: 62, bias: true, ep: Epilogue{ReLU: true}},
		{p: SquareConv(32, 40, 1, 2, 0), n: 3, h: 17, w: 15, bias: true},
		{p: SquareConv(48, 36, 1, 1, 0), n: 2, h: 21, w: 19, bias: true, ep: Epilogue{Residual: true, ReLU: true}},
		{p: ConvParams{Cin: 64, Cout: 64, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1, Groups: 32}, n: 1, h: 20, w: 22, bias: true, ep: Epilogue{ReLU: true}},
		{p: ConvParams{Cin: 64, Cout: 128, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Groups: 2}, n: 1, h: 9, w: 9},
	}
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, tc := range cases {
			for _, threads := range []int{1, 2} {
				checkConv(t, im, tc, &kernels.Options{Pool: pool, Threads: threads}, r)
			}
		}
	})
}

// Results are bitwise identical for any thread count and block size.
func TestConvDeterministic(t *testing.T) {
	pool := kernels.NewPool(4)
	defer pool.Close()
	r := rand.New(rand.NewPCG(7, 8))
	p := SquareConv(40, 50, 3, 1, 1)
	n, h, w := 2, 23, 19
	weights := randSlice(r, 50*40*9)
	bias := randSlice(r, 50)
	src := randSlice(r, n*h*w*40)
	run := func(threads, rows int) []float32 {
		var out []float32
		withBlocks(rows, func() {
			c, err := NewConv(p, weights, bias)
			if err != nil {
				t.Fatal(err)
			}
			out = make([]float32, n*h*w*50)
			if err := c.Forward(out, src, n, h, w, Epilogue{ReLU: true}, nil, &kernels.Options{Pool: pool, Threads: threads}); err != nil {
				t.Fatal(err)
			}
		})
		return out
	}
	want := run(1, 1)
	threadCounts, blockRows := []int{1, 2, 3, 4}, []int{1, 7, 60, 1000}
	if testing.Short() {
		threadCounts, blockRows = []int{2, 3}, []int{7, 1000}
	}
	for _, threads := range threadCounts {
		for _, rows := range blockRows {
			if got := run(threads, rows); !slices.Equal(got, want) {
				t.Fatalf("threads=%d rows=%d: output differs from threads=1 rows=1", threads, rows)
			}
		}
	}
}

func TestConvErrors(t *testing.T) {
	good := SquareConv(4, 8, 3, 1, 1)
	w := make([]float32, 8*4*9)
	bad := []struct {
		name string
		p    ConvParams
	}{
		{"zero stride", ConvParams{Cin: 4, Cout: 8, KH: 3, KW: 3}},
		{"negative stride", SquareConv(4, 8, 3, -1, 1)},
		{"negative pad", SquareConv(4, 8, 3, 1, -1)},
		{"zero kernel", SquareConv(4, 8, 0, 1, 1)},
		{"zero channels", SquareConv(0, 8, 3, 1, 1)},
		{"groups not dividing", ConvParams{Cin: 4, Cout: 6, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Groups: 4}},
		{"negative dilation", ConvParams{Cin: 4, Cout: 8, KH: 1, KW: 1, StrideH: 1, StrideW: 1, DilH: -1}},
		{"huge", SquareConv(1<<30, 8, 3, 1, 1)},
	}
	for _, b := range bad {
		if _, err := NewConv(b.p, w, nil); !errors.Is(err, ErrShape) {
			t.Errorf("%s: NewConv error = %v, want ErrShape", b.name, err)
		}
		if _, _, err := b.p.OutSize(8, 8); !errors.Is(err, ErrShape) {
			t.Errorf("%s: OutSize error = %v, want ErrShape", b.name, err)
		}
	}
	if _, err := NewConv(good, w[:len(w)-1], nil); !errors.Is(err, ErrShape) {
		t.Errorf("short weights: %v", err)
	}
	if _, err := NewConv(good, append(w, 0), nil); !errors.Is(err, ErrShape) {
		t.Errorf("long weights (channel mismatch): %v", err)
	}
	if _, err := NewConv(good, w, make([]float32, 7)); !errors.Is(err, ErrShape) {
		t.Errorf("short bias: %v", err)
	}
	if _, err := NewConvFor(nil, good, w, nil); !errors.Is(err, ErrShape) {
		t.Errorf("nil level: %v", err)
	}
	c, err := NewConv(good, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	k5 := SquareConv(4, 8, 5, 1, 0)
	if _, _, err := k5.OutSize(4, 8); !errors.Is(err, ErrShape) {
		t.Errorf("kernel larger than padded input: %v", err)
	}
	dil := ConvParams{Cin: 1, Cout: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, DilH: 3, DilW: 3}
	if _, _, err := dil.OutSize(6, 6); !errors.Is(err, ErrShape) {
		t.Errorf("dilated kernel larger than input: %v", err)
	}
	n, h, wd := 2, 5, 6
	src := make([]float32, n*h*wd*4)
	dst := make([]float32, n*h*wd*8)
	calls := []struct {
		name     string
		dst, src []float32
		n, h, w  int
		scratch  []float32
	}{
		{"short src", dst, src[:len(src)-1], n, h, wd, nil},
		{"short dst", dst[:len(dst)-1], src, n, h, wd, nil},
		{"short scratch", dst, src, n, h, wd, make([]float32, 3)},
		{"negative batch", dst, src, -1, h, wd, nil},
		{"zero height", dst, src, n, 0, wd, nil},
		{"negative width", dst, src, n, h, -3, nil},
		{"huge", dst, src, math.MaxInt / 2, 1 << 20, 1 << 20, nil},
	}
	for _, x := range calls {
		before := slices.Clone(x.dst)
		if err := c.Forward(x.dst, x.src, x.n, x.h, x.w, Epilogue{}, x.scratch, nil); !errors.Is(err, ErrShape) {
			t.Errorf("%s: Forward error = %v, want ErrShape", x.name, err)
		}
		if !slices.Equal(before, x.dst) {
			t.Errorf("%s: dst modified by a failing call", x.name)
		}
	}
	if err := c.Forward(dst, src, 0, h, wd, Epilogue{}, nil, nil); err != nil {
		t.Errorf("batch 0: %v", err)
	}
}

func TestConvAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(9, 10))
	runs := 20
	if testing.Short() {
		runs = 3
	}
	for _, p := range []ConvParams{SquareConv(16, 16, 1, 1, 0), SquareConv(16, 16, 3, 1, 1), SquareConv(16, 16, 1, 2, 0),
		{Cin: 16, Cout: 16, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadT: 1, PadL: 1, PadB: 1, PadR: 1, Groups: 4}} {
		c, err := NewConv(p, randSlice(r, 16*16/p.normalized().Groups*p.KH*p.KW), randSlice(r, 16))
		if err != nil {
			t.Fatal(err)
		}
		n, h, w := 1, 40, 40
		src := randSlice(r, n*h*w*16)
		dst := make([]float32, n*h*w*16)
		for _, opt := range []*kernels.Options{nil, {Pool: pool}} {
			scratch := make([]float32, c.ScratchSize(n, h, w, opt))
			for _, s := range [][]float32{scratch, nil} {
				runtime.GC() // a collection during the runs empties the sync.Pools, which then allocate
				allocs := testing.AllocsPerRun(runs, func() {
					if err := c.Forward(dst, src, n, h, w, Epilogue{Residual: true}, s, opt); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%+v threads=%d scratch=%v: %v allocations per Forward", p, threadsOf(opt), s != nil, allocs)
				}
			}
		}
	}
}

// One Conv shared by goroutines that each call Forward, with pooled or own
// scratch and a shared thread pool, gives every caller the serial result.
func TestConvConcurrent(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(17, 18))
	p := SquareConv(12, 20, 3, 2, 1)
	c, err := NewConv(p, randSlice(r, 20*12*9), randSlice(r, 20))
	if err != nil {
		t.Fatal(err)
	}
	n, h, w := 1, 31, 29
	oh, ow, _ := c.OutSize(h, w)
	const callers = 6
	var srcs, want [callers][]float32
	for i := range callers {
		srcs[i] = randSlice(r, n*h*w*12)
		want[i] = make([]float32, n*oh*ow*20)
		if err := c.Forward(want[i], srcs[i], n, h, w, Epilogue{ReLU: true}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			got := make([]float32, len(want[i]))
			opt := &kernels.Options{Pool: pool}
			var scratch []float32
			if i%2 == 0 {
				scratch = make([]float32, c.ScratchSize(n, h, w, opt))
			}
			for range 5 {
				if err := c.Forward(got, srcs[i], n, h, w, Epilogue{ReLU: true}, scratch, opt); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(got, want[i]) {
					errs <- errors.New("concurrent result differs from the serial one")
					return
				}
			}
			errs <- nil
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
