//go:build !purego

package arm64

// FMAPeakNEON runs n iterations of 24 independent 4-lane FMLA by element
// (192 FLOP per iteration) and nothing else; it measures the CPU's FMLA
// peak for benchmarks, with the instruction the GEMM kernel uses. Its
// reference loop:
//
//	var acc [24][4]float32
//	for it := 0; it < n; it++ {
//		for r := 0; r < 24; r++ {
//			for l := range 4 {
//				acc[r][l] = fma(0, 0, acc[r][l])
//			}
//		}
//	}
//
// The CPU must have ASIMD.
//
//go:noescape
func FMAPeakNEON(n int)
