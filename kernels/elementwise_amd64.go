//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2Elem are the AVX2 pooling and elementwise kernels. They need AVX2
// only (no FMA: multiply and add round separately, as on every level).
var avx2Elem = elemKernels{
	maxWindows: amd64.MaxWindowsAVX2,
	avgWindows: amd64.AvgWindowsAVX2,
	scaleShift: amd64.ScaleShiftAVX2,
	add:        amd64.AddAVX2,
}

// The avx2 and avx512 levels run the AVX2 kernels (there are no AVX-512
// ones: these kernels are bound by memory, not by vector width). With
// GODEBUG=cpu.avx2=off both fall back to the generic ones. Only the avx2
// level (AVX2 and FMA, 16-wide panels) has the matrix-vector kernel.
func init() {
	if cpu.X86.HasAVX2 {
		avx512Elem := avx2Elem
		avx512.ew = &avx512Elem
		if avx2.available {
			avx2Elem.gemv4 = amd64.SgemvPanels4AVX2
		}
		avx2.ew = &avx2Elem
	}
}
