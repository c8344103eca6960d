package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// BenchmarkLayers times the small layers of a ResNet pass at batch 1 that
// are not convolutions or pools: the NCHW to NHWC input conversion, the
// scale-shift+ReLU of a v2 (pre-activation) block, and the fc layer. Data
// movers report GB/s (bytes read plus written); the fc layer reports
// GFLOP/s; all report ms per call.
func BenchmarkLayers(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	b.Run("op=input_3x224x224", func(b *testing.B) {
		src := randFloats(r, 3*224*224)
		dst := make([]float32, len(src))
		benchBytes(b, 8*len(src), func() error { return nn.NCHWToNHWC(dst, src, 1, 3, 224, 224) })
	})
	for _, s := range [][2]int{{56, 256}, {7, 2048}} {
		name := fmt.Sprintf("op=scaleshift_relu_%dx%dx%d", s[0], s[0], s[1])
		b.Run(name, func(b *testing.B) {
			x := randFloats(r, s[0]*s[0]*s[1])
			scale, shift := randFloats(r, s[1]), randFloats(r, s[1])
			src := append([]float32(nil), x...)
			benchBytes(b, 8*len(x), func() error { return nn.ScaleShift(x, src, s[1], scale, shift, true) })
		})
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	fc, err := nn.NewLinear(2048, 1000, randFloats(r, 2048*1000), randFloats(r, 1000))
	if err != nil {
		b.Fatal(err)
	}
	// In a network the fc weights (8 MB) have been pushed out of the
	// caches by the convolutions' 90 MB: cache=cold reads 64 MB of other
	// data before each timed call.
	flush := make([]float32, 16<<20)
	for _, cold := range []bool{false, true} {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("op=fc_2048x1000/cache=%s/threads=%d", map[bool]string{false: "warm", true: "cold"}[cold], threads)
			b.Run(name, func(b *testing.B) { benchFC(b, fc, flush, cold, &kernels.Options{Pool: pool, Threads: threads}) })
		}
	}
}

func benchFC(b *testing.B, fc *nn.Linear, flush []float32, cold bool, opt *kernels.Options) {
	r := rand.New(rand.NewPCG(5, 6))
	src, dst := randFloats(r, 2048), make([]float32, 1000)
	b.ReportAllocs()
	var sink float32
	for b.Loop() {
		if cold {
			b.StopTimer()
			for i := 0; i < len(flush); i += 16 {
				flush[i]++
				sink += flush[i]
			}
			b.StartTimer()
		}
		if err := fc.Forward(dst, src, 1, nn.Epilogue{}, opt); err != nil {
			b.Fatal(err)
		}
	}
	_ = sink
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(2*2048*1000/sec/1e9, "GFLOP/s")
	b.ReportMetric(sec*1e3, "ms")
}

// benchBytes runs f and reports its rate in GB/s for the given bytes moved
// per call, and ms per call.
func benchBytes(b *testing.B, bytes int, f func() error) {
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bytes)/sec/1e9, "GB/s")
	b.ReportMetric(sec*1e3, "ms")
}
