package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkQGemm runs QGemm (uint8 A, uint8 C with bias, ReLU and
// requantization) on every 8-bit level this CPU has, on ResNet-50's GEMM
// shapes, one and two threads, with full-range (w=8bit) and 7-bit weights
// (w=7bit, which the AVX2 level runs with its VPMADDUBSW kernels),
// reporting GOP/s (2*m*n*k operations).
// Compare levels with `benchstat -col /impl`.
func BenchmarkQGemm(b *testing.B) {
	pool := NewPool(2)
	defer pool.Close()
	shapes := benchShapes
	if testing.Short() {
		shapes = [][3]int{{3136, 64, 576}, {196, 256, 2304}, {49, 2048, 512}}
	}
	for _, q := range QImpls() {
		for _, s := range shapes {
			for _, bits := range []int{8, 7} {
				for _, threads := range []int{1, 2} {
					name := fmt.Sprintf("impl=%s/w=%dbit/m=%d/n=%d/k=%d/threads=%d", q.Name(), bits, s[0], s[1], s[2], threads)
					b.Run(name, func(b *testing.B) {
						if !q.Available() {
							b.Skipf("CPU lacks %s", q.Requires())
						}
						benchQGemm(b, q, s[0], s[1], s[2], bits, &Options{Pool: pool, Threads: threads})
					})
				}
			}
		}
	}
}

func benchQGemm(b *testing.B, q *QImpl, m, n, k, bits int, opt *Options) {
	r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	c := newQCase(r, 1, n, k, false)
	if bits == 7 {
		sevenBit(r, c)
	}
	pb, err := q.PackQBTransposed(k, n, c.bt, k)
	if err != nil {
		b.Fatal(err)
	}
	a := make([]uint8, m*k)
	for i := range a {
		a[i] = uint8(r.IntN(256))
	}
	out := make([]uint8, m*n)
	c.ep.ReLU = true
	if opt.Threads > 1 {
		opt.Pool.Hold()
		defer opt.Pool.Release()
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := QGemm(m, a, k, pb, out, n, c.ep, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
}
