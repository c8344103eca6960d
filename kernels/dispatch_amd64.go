//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2 is the AVX2+FMA level: tiles of up to 6x16 in twelve YMM
// accumulators, a strip of rows per call.
var avx2 = &Impl{
	name: "avx2", requires: "AVX2, FMA",
	available: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
	mr:        6, nr: 16,
	kernel: avx2Kernel,
	strip:  amd64.SgemmStripAVX2,
}

// avx2Kernel is the microKernel form of the strip kernel: one 6x16 tile.
func avx2Kernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	amd64.SgemmStripAVX2(a, lda, b, kc, c, ldc, bias, flags, 6, 6)
}

func init() {
	register(avx2)
}
