package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTune is the tuning aid used to choose the blocking and the kernels'
// prefetching on a shared machine. It does nothing unless GORN_TUNE is set.
// It times GEMMs by thread CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves
// out the time other processes hold the core, and interleaves the variants
// in rounds of short batches, so that the best batch of each variant is a
// fair comparison even when the machine is busy. Settings (environment):
//
//	GORN_TUNE=peak,gemm  what to time
//	IMPL=avx2            the level (default: the active one)
//	SHAPES=m/n/k,...     GEMM shapes (default: the ResNet-50 shapes)
//	KC=128,256  MC=...   blocking overrides to compare
//	GRID=r,c,r,c         task grids to compare (with THREADS > 1)
//	PACKA=0,1,-1         A-block copy: as packAFor says, forced on, off
//	THREADS=2            threads per GEMM (timed by the wall clock, or by
//	                     process CPU time with CLOCK=process)
//	ROUNDS=10 BATCHMS=5  rounds, and the length of one batch
//
// For example:
//
//	GORN_TUNE=gemm KC=192,256 SHAPES=49/512/4608 go test -run TestTune -v ./kernels/
func TestTune(t *testing.T) {
	sel := os.Getenv("GORN_TUNE")
	if sel == "" {
		t.Skip("set GORN_TUNE to run")
	}
	var cases []*tuneCase
	if strings.Contains(sel, "peak") && peakProbe.run != nil {
		cases = append(cases, &tuneCase{name: "fma peak", f: func() { peakProbe.run(1 << 12) },
			flops: float64(peakProbe.flopsPerIter << 12)})
	}
	if strings.Contains(sel, "gemm") {
		cases = append(cases, tuneGemmCases(t)...)
	}
	tuneRun(cases, tuneEnv("ROUNDS", []int{10})[0])
}

type tuneCase struct {
	name  string
	setup func() // applied before each batch
	f     func()
	flops float64
	n     int
	res   []float64
}

func tuneGemmCases(t *testing.T) []*tuneCase {
	im := Active()
	if name := os.Getenv("IMPL"); name != "" {
		var err error
		if im, err = Lookup(name); err != nil {
			t.Fatal(err)
		}
	}
	shapes := benchShapes
	if v := os.Getenv("SHAPES"); v != "" {
		shapes = nil
		for _, f := range strings.Split(v, ",") {
			var s [3]int
			if _, err := fmt.Sscanf(f, "%d/%d/%d", &s[0], &s[1], &s[2]); err != nil {
				t.Fatalf("SHAPES: %v", err)
			}
			shapes = append(shapes, s)
		}
	}
	var opt *Options
	if th := tuneEnv("THREADS", []int{1})[0]; th > 1 {
		opt = &Options{Pool: NewPool(th)}
		t.Cleanup(opt.Pool.Close)
	}
	kcs, mcs, grids := tuneEnv("KC", []int{0}), tuneEnv("MC", []int{0}), tuneEnv("GRID", []int{0, 0})
	packs := tuneEnv("PACKA", []int{0})
	var cases []*tuneCase
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 2))
		a, bias, c, bsrc := randSlice(r, m*k), randSlice(r, n), make([]float32, m*n), randSlice(r, k*n)
		ep := Epilogue{Bias: bias, ReLU: true}
		for _, kc := range kcs {
			blockingOverride.kc = kc
			pb, err := im.PackB(k, n, bsrc, n)
			blockingOverride.kc = 0
			if err != nil {
				t.Fatal(err)
			}
			for gi := 0; gi+1 < len(grids); gi += 2 {
				for _, mc := range mcs {
					for _, pa := range packs {
						o := blockingOverride
						o.mc, o.rows, o.cols = mc, grids[gi], grids[gi+1]
						cases = append(cases, &tuneCase{
							name:  fmt.Sprintf("%s %d/%d/%d kc=%d mc=%d grid=%dx%d packA=%d", im.Name(), m, n, k, pb.kc, mc, o.rows, o.cols, pa),
							setup: func() { blockingOverride, packAOverride = o, pa },
							f:     func() { _ = SgemmPacked(m, a, k, pb, c, n, ep, opt) },
							flops: 2 * float64(m) * float64(n) * float64(k),
						})
					}
				}
			}
		}
	}
	t.Cleanup(func() { blockingOverride, packAOverride = struct{ kc, mc, rows, cols int }{}, 0 })
	return cases
}

// tuneRun measures the cases interleaved, rounds times, and prints the
// best, third-quartile and median GFLOP/s of each.
func tuneRun(cases []*tuneCase, rounds int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	batch := float64(tuneEnv("BATCHMS", []int{5})[0]) / 1000
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		c.f()
		t0 := tuneClock()
		for c.n = 0; tuneClock()-t0 < batch; c.n++ {
			c.f()
		}
		c.n = max(c.n, 1)
	}
	for range rounds {
		for _, c := range cases {
			if c.setup != nil {
				c.setup()
			}
			c.f()
			t0 := tuneClock()
			for range c.n {
				c.f()
			}
			c.res = append(c.res, c.flops*float64(c.n)/(tuneClock()-t0)/1e9)
		}
	}
	for _, c := range cases {
		slices.Sort(c.res)
		fmt.Printf("%-50s best %6.1f  p75 %6.1f  med %6.1f GFLOP/s\n",
			c.name, c.res[len(c.res)-1], c.res[len(c.res)*3/4], c.res[len(c.res)/2])
	}
}

// tuneClock reads the clock TestTune times with, in seconds.
func tuneClock() float64 {
	clock := int32(unix.CLOCK_THREAD_CPUTIME_ID)
	switch {
	case os.Getenv("CLOCK") == "process":
		clock = unix.CLOCK_PROCESS_CPUTIME_ID
	case tuneEnv("THREADS", []int{1})[0] > 1:
		clock = unix.CLOCK_MONOTONIC
	}
	var ts unix.Timespec
	_ = unix.ClockGettime(clock, &ts)
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}

// tuneEnv parses a comma-separated list of integers from the environment.
func tuneEnv(name string, def []int) []int {
	var out []int
	for _, f := range strings.Split(os.Getenv(name), ",") {
		var v int
		if _, err := fmt.Sscanf(f, "%d", &v); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}
