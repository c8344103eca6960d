package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are ResNet-50's main GEMMs at batch 1 in NHWC orientation (m =
// output pixels, n = Cout, k = kh*kw*Cin): the 7x7 stem, the convolutions
// of each stage and the fc. internal/tools/resnetavg weights them by how
// often each occurs in the network.
var benchShapes = [][3]int{
	{12544, 64, 147}, {3136, 64, 64}, {3136, 64, 576}, {3136, 256, 64},
	{784, 128, 1152}, {784, 512, 128}, {196, 256, 2304}, {196, 1024, 256},
	{49, 512, 4608}, {49, 2048, 512}, {1, 1000, 2048},
	// the 1x1 reductions of blocks 2 on (lda = Cin)
	{3136, 64, 256}, {784, 128, 512}, {196, 256, 1024}, {49, 512, 2048},
}

// BenchmarkSgemm runs SgemmPacked with a bias+ReLU epilogue on every level
// this CPU has, on one and two threads. Compare levels with
// `benchstat -col /impl` and summarize with internal/tools/resnetavg.
func BenchmarkSgemm(b *testing.B) {
	pool := NewPool(2)
	defer pool.Close()
	for _, im := range Impls() {
		for _, s := range benchShapes {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("impl=%s/m=%d/n=%d/k=%d/threads=%d", im.Name(), s[0], s[1], s[2], threads)
				b.Run(name, func(b *testing.B) {
					if !im.Available() {
						b.Skipf("CPU lacks %s", im.Requires())
					}
					benchGemm(b, im, s[0], s[1], s[2], &Options{Pool: pool, Threads: threads})
				})
			}
		}
	}
}

func benchGemm(b *testing.B, im *Impl, m, n, k int, opt *Options) {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	a := randSlice(r, m*k)
	bias := randSlice(r, n)
	c := make([]float32, m*n)
	pb, err := im.PackB(k, n, randSlice(r, k*n), n)
	if err != nil {
		b.Fatal(err)
	}
	ep := Epilogue{Bias: bias, ReLU: true}
	if opt.Threads > 1 {
		// as in a network inference: the workers poll between calls
		opt.Pool.Hold()
		defer opt.Pool.Release()
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := SgemmPacked(m, a, k, pb, c, n, ep, opt); err != nil {
			b.Fatal(err)
		}
	}
	flops := 2 * float64(m) * float64(n) * float64(k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// peakProbe, set by an architecture's bench file, runs an FMA-only loop of
// the given number of iterations, flopsPerIter FLOP each.
var peakProbe struct {
	name         string
	flopsPerIter int
	run          func(iters int)
}

// BenchmarkFMAPeak measures this CPU's single-precision FMA throughput, the
// ceiling for the GEMM figures: one FMA-only loop of about 1 ms per thread,
// started through a Pool as a GEMM is, on one and two threads. The
// two-thread figure includes the time the pool takes to wake its second
// thread.
func BenchmarkFMAPeak(b *testing.B) {
	if peakProbe.run == nil {
		b.Skip("no FMA probe for this build")
	}
	const iters = 1 << 18
	pool := NewPool(2)
	defer pool.Close()
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("impl=%s/threads=%d", peakProbe.name, threads), func(b *testing.B) {
			job := &peakJob{iters: iters}
			b.ReportAllocs()
			for b.Loop() {
				pool.Run(threads, threads, job)
			}
			flops := float64(threads * iters * peakProbe.flopsPerIter)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// peakJob runs the FMA probe for iters iterations per task.
type peakJob struct{ iters int }

func (j *peakJob) Do(_, _ int) { peakProbe.run(j.iters) }

// BenchmarkKernel times one level's block kernel alone on data that stays in
// cache (blocks tiles of kc), the ceiling for the driver.
func BenchmarkKernel(b *testing.B) {
	for _, im := range Impls() {
		for _, kc := range []int{64, 256} {
			for _, blocks := range []int{1, 8} {
				name := fmt.Sprintf("impl=%s/kc=%d/blocks=%d", im.Name(), kc, blocks)
				b.Run(name, func(b *testing.B) {
					if !im.Available() {
						b.Skipf("CPU lacks %s", im.Requires())
					}
					benchKernel(b, im, kc, blocks)
				})
			}
		}
	}
}

func benchKernel(b *testing.B, im *Impl, kc, blocks int) {
	r := rand.New(rand.NewPCG(1, 2))
	rows := blocks * im.mr
	a := randSlice(r, rows*kc)
	bp := randSlice(r, kc*im.nr)
	c := make([]float32, rows*im.nr)
	bias := randSlice(r, im.nr)
	b.ReportAllocs()
	for b.Loop() {
		if im.strip != nil {
			im.strip(&a[0], kc, &bp[0], kc, &c[0], im.nr, &bias[0], flagReLU, rows, im.mr)
			continue
		}
		for t := 0; t < blocks; t++ {
			im.kernel(&a[t*im.mr*kc], kc, &bp[0], kc, &c[t*im.mr*im.nr], im.nr, &bias[0], flagReLU)
		}
	}
	flops := 2 * float64(rows*im.nr*kc)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
