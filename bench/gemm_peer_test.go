package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"

	"github.com/gorn-ml/gorn/kernels"
)

// gemmShapes are ResNet-50's convolution GEMMs at batch 1 in NHWC
// orientation (m = output pixels, n = Cout, k = kh*kw*Cin) and the fc, as
// in kernels' BenchmarkSgemm.
var gemmShapes = [][3]int{
	{12544, 64, 147}, {3136, 64, 64}, {3136, 64, 576}, {3136, 256, 64},
	{784, 128, 1152}, {784, 512, 128}, {196, 256, 2304}, {196, 1024, 256},
	{49, 512, 4608}, {49, 2048, 512}, {1, 1000, 2048},
	{3136, 64, 256}, {784, 128, 512}, {196, 256, 1024}, {49, 512, 2048},
}

// BenchmarkSgemmPeers puts gorn's GEMM, at every level this CPU has, beside
// gonum's pure-Go Sgemm on the same shapes, one thread: C = A*B with A
// m x k and B k x n row-major. gorn packs B once (as a network packs its
// weights) and adds a bias and ReLU while storing; gonum runs the plain
// product. gonum splits large products over GOMAXPROCS goroutines, so the
// benchmark sets GOMAXPROCS to 1 while it runs.
//
//	cd bench && go test -run '^$' -bench SgemmPeers -count 10 . | tee peers.txt
//	benchstat -col /impl peers.txt
func BenchmarkSgemmPeers(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, s := range gemmShapes {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
		a, w, bias := randFloats(r, m*k), randFloats(r, k*n), randFloats(r, n)
		c := make([]float32, m*n)
		flops := 2 * float64(m) * float64(n) * float64(k)
		for _, im := range kernels.Impls() {
			b.Run(fmt.Sprintf("impl=%s/m=%d/n=%d/k=%d", im.Name(), m, n, k), func(b *testing.B) {
				if !im.Available() {
					b.Skipf("CPU lacks %s", im.Requires())
				}
				pb, err := im.PackB(k, n, w, n)
				if err != nil {
					b.Fatal(err)
				}
				ep := kernels.Epilogue{Bias: bias, ReLU: true}
				b.ReportAllocs()
				for b.Loop() {
					if err := kernels.SgemmPacked(m, a, k, pb, c, n, ep, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(fmt.Sprintf("impl=gonum/m=%d/n=%d/k=%d", m, n, k), func(b *testing.B) {
			var g gonumblas.Implementation
			b.ReportAllocs()
			for b.Loop() {
				g.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, w, n, 0, c, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
