//go:build !purego

package amd64

// FMAPeakAVX2 runs n iterations of 24 independent 8-lane VFMADD231PS (384
// FLOP per iteration) and nothing else; it measures the CPU's FMA peak for
// benchmarks. Its reference loop:
//
//	var acc [12][8]float32
//	for it := 0; it < n; it++ {
//		for r := 0; r < 24; r++ {
//			for l := range 8 {
//				acc[r%12][l] = fma(0, 0, acc[r%12][l])
//			}
//		}
//	}
//
// The CPU must have AVX2 and FMA.
//
//go:noescape
func FMAPeakAVX2(n int)
