package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemv compares the one-row product of ResNet's fc layer (k =
// 2048, n = 1000) through SgemvPacked and through SgemmPacked with m = 1,
// on every level, one thread. cache=cold writes 64 MB of other data before
// each timed call, as the convolutions before the fc layer do in a
// network; cache=warm repeats the call on cached weights.
func BenchmarkSgemv(b *testing.B) {
	const k, n = 2048, 1000
	r := rand.New(rand.NewPCG(10, 11))
	a, c := randSlice(r, k), make([]float32, n)
	flush := make([]float32, 16<<20)
	for _, im := range Impls() {
		for _, cold := range []bool{false, true} {
			for _, path := range []string{"gemm", "gemv"} {
				cache := map[bool]string{false: "warm", true: "cold"}[cold]
				b.Run(fmt.Sprintf("impl=%s/cache=%s/path=%s", im.Name(), cache, path), func(b *testing.B) {
					if !im.Available() {
						b.Skipf("CPU lacks %s", im.Requires())
					}
					pb, err := im.PackB(k, n, randSlice(r, k*n), n)
					if err != nil {
						b.Fatal(err)
					}
					ep := Epilogue{Bias: randSlice(r, n)}
					b.ReportAllocs()
					for b.Loop() {
						if cold {
							b.StopTimer()
							for i := 0; i < len(flush); i += 16 {
								flush[i]++
							}
							b.StartTimer()
						}
						if path == "gemv" {
							err = SgemvPacked(a, pb, c, ep)
						} else {
							err = SgemmPacked(1, a, k, pb, c, n, ep, nil)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(2*k*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
