package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// BenchmarkPool runs the pooling layers of the ResNet family at batch 1 and
// reports the rate at which they move data (input read plus output
// written), in GB/s.
func BenchmarkPool(b *testing.B) {
	type poolCase struct {
		name   string
		h, c   int
		p      nn.PoolParams
		avg    bool
		global bool
	}
	resnetD := nn.PoolParams{KH: 2, KW: 2, StrideH: 2, StrideW: 2, CeilMode: true}
	cases := []poolCase{
		{name: "max3x3s2_112x112x64", h: 112, c: 64, p: nn.SquarePool(3, 2, 1)},
		{name: "avg2x2s2_56x56x256", h: 56, c: 256, p: resnetD, avg: true},
		{name: "avg2x2s2_14x14x1024", h: 14, c: 1024, p: resnetD, avg: true},
		{name: "global_7x7x2048", h: 7, c: 2048, global: true},
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(1, 2))
	for _, threads := range []int{1, 2} {
		opt := &kernels.Options{Pool: pool, Threads: threads}
		for _, pc := range cases {
			oh, ow := 1, 1
			if !pc.global {
				var err error
				if oh, ow, err = pc.p.OutSize(pc.h, pc.h); err != nil {
					b.Fatal(err)
				}
			}
			src := randFloats(r, pc.h*pc.h*pc.c)
			dst := make([]float32, oh*ow*pc.c)
			bytes := 4 * float64(len(src)+len(dst))
			name := fmt.Sprintf("threads=%d/op=%s", threads, pc.name)
			if pc.global && threads > 1 {
				continue // single-threaded by design
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var err error
					switch {
					case pc.global:
						err = nn.GlobalAvgPool(dst, src, 1, pc.h, pc.h, pc.c)
					case pc.avg:
						err = nn.AvgPool(dst, src, 1, pc.h, pc.h, pc.c, pc.p, opt)
					default:
						err = nn.MaxPool(dst, src, 1, pc.h, pc.h, pc.c, pc.p, opt)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
