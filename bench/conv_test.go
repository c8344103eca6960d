package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// resnet50Conv is one distinct convolution shape of ResNet-50 (v1.5,
// torchvision) at 224x224, batch 1, and how many times the network runs it.
type resnet50Conv struct {
	name           string
	cin, cout      int
	k, stride, pad int
	h              int // input height = width
	count          int
}

var resnet50Convs = []resnet50Conv{
	{"stem_7x7s2", 3, 64, 7, 2, 3, 224, 1},
	{"l1_1x1_64-64", 64, 64, 1, 1, 0, 56, 1},
	{"l1_1x1_256-64", 256, 64, 1, 1, 0, 56, 2},
	{"l1_3x3_64", 64, 64, 3, 1, 1, 56, 3},
	{"l1_1x1_64-256", 64, 256, 1, 1, 0, 56, 4},
	{"l2_1x1_256-128", 256, 128, 1, 1, 0, 56, 1},
	{"l2_3x3s2_128", 128, 128, 3, 2, 1, 56, 1},
	{"l2_1x1_128-512", 128, 512, 1, 1, 0, 28, 4},
	{"l2_down_1x1s2_256-512", 256, 512, 1, 2, 0, 56, 1},
	{"l2_1x1_512-128", 512, 128, 1, 1, 0, 28, 3},
	{"l2_3x3_128", 128, 128, 3, 1, 1, 28, 3},
	{"l3_1x1_512-256", 512, 256, 1, 1, 0, 28, 1},
	{"l3_3x3s2_256", 256, 256, 3, 2, 1, 28, 1},
	{"l3_1x1_256-1024", 256, 1024, 1, 1, 0, 14, 6},
	{"l3_down_1x1s2_512-1024", 512, 1024, 1, 2, 0, 28, 1},
	{"l3_1x1_1024-256", 1024, 256, 1, 1, 0, 14, 5},
	{"l3_3x3_256", 256, 256, 3, 1, 1, 14, 5},
	{"l4_1x1_1024-512", 1024, 512, 1, 1, 0, 14, 1},
	{"l4_3x3s2_512", 512, 512, 3, 2, 1, 14, 1},
	{"l4_1x1_512-2048", 512, 2048, 1, 1, 0, 7, 3},
	{"l4_down_1x1s2_1024-2048", 1024, 2048, 1, 2, 0, 14, 1},
	{"l4_1x1_2048-512", 2048, 512, 1, 1, 0, 7, 2},
	{"l4_3x3_512", 512, 512, 3, 1, 1, 7, 2},
}

// convLayer is one benchmarked convolution with its buffers.
type convLayer struct {
	conv        *nn.Conv
	pb          *kernels.PackedB // the plain GEMM of the same shape
	src, dst, a []float32
	scratch     []float32
	h, m, k, n  int
	flops       float64
}

func newConvLayer(b *testing.B, im *kernels.Impl, l resnet50Conv, opt *kernels.Options) *convLayer {
	r := rand.New(rand.NewPCG(1, uint64(l.cin*l.cout)))
	p := nn.SquareConv(l.cin, l.cout, l.k, l.stride, l.pad)
	k := l.k * l.k * l.cin
	c, err := nn.NewConvFor(im, p, randFloats(r, l.cout*k), randFloats(r, l.cout))
	if err != nil {
		b.Fatal(err)
	}
	oh, ow, err := c.OutSize(l.h, l.h)
	if err != nil {
		b.Fatal(err)
	}
	m := oh * ow
	pb, err := im.PackB(k, l.cout, randFloats(r, k*l.cout), l.cout)
	if err != nil {
		b.Fatal(err)
	}
	return &convLayer{
		conv: c, pb: pb, h: l.h, m: m, k: k, n: l.cout,
		src: randFloats(r, l.h*l.h*l.cin), dst: make([]float32, m*l.cout),
		a: randFloats(r, m*k), scratch: make([]float32, c.ScratchSize(1, l.h, l.h, opt)),
		flops: 2 * float64(m) * float64(k) * float64(l.cout),
	}
}

func (c *convLayer) forward(b *testing.B, opt *kernels.Options) {
	ep := nn.Epilogue{ReLU: true}
	if err := c.conv.Forward(c.dst, c.src, 1, c.h, c.h, ep, c.scratch, opt); err != nil {
		b.Fatal(err)
	}
}

func (c *convLayer) gemm(b *testing.B, opt *kernels.Options) {
	ep := kernels.Epilogue{Bias: c.conv.Bias(), ReLU: true}
	if err := kernels.SgemmPacked(c.m, c.a, c.k, c.pb, c.dst, c.n, ep, opt); err != nil {
		b.Fatal(err)
	}
}

// timeLoop runs run as the benchmark's loop and reports GFLOP/s (flops per
// run) by the wall clock and, on one thread, by the thread's CPU clock.
func timeLoop(b *testing.B, opt *kernels.Options, flops float64, run func()) {
	b.ReportAllocs()
	cpu := startCPUClock(opt)
	for b.Loop() {
		run()
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	cpu.report(b, flops*float64(b.N))
}

// alternate runs first and second one after the other as the benchmark's
// loop, on one locked thread, and returns the time each took in all, by
// benchNow.
func alternate(b *testing.B, first, second func()) (t1, t2 time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		s0 := benchNow()
		first()
		s1 := benchNow()
		second()
		s2 := benchNow()
		t1 += s1 - s0
		t2 += s2 - s1
	}
	return t1, t2
}

// cpuClock times a single-threaded benchmark with the thread's CPU clock
// as well as the wall clock: on a machine shared with other work, the
// cpu-GFLOP/s metric leaves out the time spent waiting for a core.
type cpuClock struct {
	on    bool
	start time.Duration
}

// startCPUClock locks the benchmark goroutine to its thread when opt runs
// on one thread (the work then runs on the calling goroutine); report
// unlocks it.
func startCPUClock(opt *kernels.Options) cpuClock {
	if opt != nil && opt.Pool != nil && opt.Threads != 1 {
		return cpuClock{}
	}
	runtime.LockOSThread()
	t, ok := convThreadCPU()
	if !ok {
		runtime.UnlockOSThread()
		return cpuClock{}
	}
	return cpuClock{on: true, start: t}
}

func (c cpuClock) report(b *testing.B, flops float64) {
	if !c.on {
		return
	}
	t, _ := convThreadCPU()
	runtime.UnlockOSThread()
	b.ReportMetric(flops/(t-c.start).Seconds()/1e9, "cpu-GFLOP/s")
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// benchImpls returns the kernels levels the benchmarks run: every
// available one except the pure-Go one, unless it is the only one.
func benchImpls() []*kernels.Impl {
	var ims []*kernels.Impl
	for _, im := range kernels.Impls() {
		if im.Available() && (im != kernels.Generic() || kernels.Active() == im) {
			ims = append(ims, im)
		}
	}
	return ims
}

// benchLevels runs f for every level of benchImpls, on one and two threads.
func benchLevels(b *testing.B, f func(b *testing.B, im *kernels.Impl, opt *kernels.Options)) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, im := range benchImpls() {
		for _, threads := range []int{1, 2} {
			opt := &kernels.Options{Pool: pool, Threads: threads}
			b.Run(fmt.Sprintf("impl=%s/threads=%d", im.Name(), threads), func(b *testing.B) { f(b, im, opt) })
		}
	}
}

// BenchmarkConvResNet50 runs every distinct convolution of ResNet-50 at
// batch 1, im2col included (op=conv), next to the plain GEMM of the same
// m, n, k with A already in memory (op=gemm).
func BenchmarkConvResNet50(b *testing.B) {
	benchLevels(b, func(b *testing.B, im *kernels.Impl, opt *kernels.Options) {
		for _, l := range resnet50Convs {
			c := newConvLayer(b, im, l, opt)
			for _, op := range []string{"conv", "gemm"} {
				run := c.forward
				if op == "gemm" {
					run = c.gemm
				}
				b.Run(fmt.Sprintf("layer=%s/op=%s", l.name, op), func(b *testing.B) {
					timeLoop(b, opt, c.flops, func() { run(b, opt) })
				})
			}
		}
	})
}

// BenchmarkConvVsGemm times each ResNet-50 convolution that needs im2col
// (kxk or strided) and the plain GEMM of its shape alternately in one loop,
// one thread, and reports the convolution's rate as a percentage of the
// GEMM's (pct-of-gemm), so that the ratio holds on a machine whose speed
// drifts. Times come from the thread's CPU clock where there is one.
func BenchmarkConvVsGemm(b *testing.B) {
	for _, im := range benchImpls() {
		for _, l := range resnet50Convs {
			if l.k == 1 && l.stride == 1 {
				continue // the convolution is the GEMM
			}
			c := newConvLayer(b, im, l, nil)
			b.Run(fmt.Sprintf("impl=%s/layer=%s", im.Name(), l.name), func(b *testing.B) {
				tc, tg := alternate(b, func() { c.forward(b, nil) }, func() { c.gemm(b, nil) })
				b.ReportMetric(100*tg.Seconds()/tc.Seconds(), "pct-of-gemm")
				b.ReportMetric(c.flops*float64(b.N)/tc.Seconds()/1e9, "conv-GFLOP/s")
				b.ReportMetric(c.flops*float64(b.N)/tg.Seconds()/1e9, "gemm-GFLOP/s")
			})
		}
	}
}

// BenchmarkConvResNet50All runs the 53 convolutions of ResNet-50 (each
// distinct shape as many times as the network has it) and reports their
// combined rate: the network's convolution work without the rest.
func BenchmarkConvResNet50All(b *testing.B) {
	benchLevels(b, func(b *testing.B, im *kernels.Impl, opt *kernels.Options) {
		var layers []*convLayer
		var counts []int
		flops := 0.0
		for _, l := range resnet50Convs {
			c := newConvLayer(b, im, l, opt)
			layers = append(layers, c)
			counts = append(counts, l.count)
			flops += c.flops * float64(l.count)
		}
		b.ReportAllocs()
		cpu := startCPUClock(opt)
		for b.Loop() {
			for i, c := range layers {
				for range counts[i] {
					c.forward(b, opt)
				}
			}
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/img")
		cpu.report(b, flops*float64(b.N))
	})
}
