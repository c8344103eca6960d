package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkElementwise runs the pooling and elementwise kernels on every
// level this CPU has, on ResNet-50's shapes at batch 1, one call per output
// row as package nn makes them, and reports GB/s (floats read once plus
// floats written). Compare levels with `benchstat -col /impl`.
func BenchmarkElementwise(b *testing.B) {
	type shape struct {
		op       string
		h, w, c  int // input
		k, s     int // window and stride (pools)
		oh, ow   int // output
		maxPool  bool
		avgPool  bool
		affine   bool
		residual bool
	}
	shapes := []shape{
		{op: "max3x3s2", h: 112, w: 112, c: 64, k: 3, s: 2, oh: 55, ow: 55, maxPool: true},
		{op: "avg2x2s2", h: 56, w: 56, c: 256, k: 2, s: 2, oh: 28, ow: 28, avgPool: true},
		{op: "gap7x7", h: 7, w: 7, c: 2048, k: 7, s: 1, oh: 1, ow: 1, avgPool: true},
		{op: "scaleshift_relu", h: 56, w: 56, c: 256, affine: true},
		{op: "add_relu", h: 56, w: 56, c: 256, residual: true},
	}
	r := rand.New(rand.NewPCG(8, 9))
	for _, im := range Impls() {
		for _, s := range shapes {
			name := fmt.Sprintf("impl=%s/op=%s/in=%dx%dx%d", im.Name(), s.op, s.h, s.w, s.c)
			b.Run(name, func(b *testing.B) {
				if !im.Available() {
					b.Skipf("CPU lacks %s", im.Requires())
				}
				src := randSlice(r, s.h*s.w*s.c)
				var run func() error
				bytes := 8 * len(src)
				switch {
				case s.maxPool || s.avgPool:
					dst := make([]float32, s.oh*s.ow*s.c)
					bytes = 4 * (len(src) + len(dst))
					g := Windows{C: s.c, N: s.ow, Step: s.s * s.c, KH: s.k, KW: s.k, LDH: s.w * s.c, LDW: s.c}
					run = func() error {
						for y := 0; y < s.oh; y++ {
							d, in := dst[y*s.ow*s.c:], src[y*s.s*s.w*s.c:]
							if s.maxPool {
								if err := im.MaxWindows(d, in, g); err != nil {
									return err
								}
							} else if err := im.AvgWindows(d, in, g, float32(s.k*s.k)); err != nil {
								return err
							}
						}
						return nil
					}
				case s.affine:
					scale, shift, dst := randSlice(r, s.c), randSlice(r, s.c), make([]float32, len(src))
					run = func() error { return im.ScaleShift(dst, src, s.c, scale, shift, true) }
				default:
					other, dst := randSlice(r, len(src)), make([]float32, len(src))
					bytes = 12 * len(src)
					run = func() error { return im.Add(dst, src, other, true) }
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
