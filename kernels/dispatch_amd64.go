//go:build !purego

package kernels

import (
	"os"

	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2 is the AVX2+FMA level: tiles of up to 6x16 in twelve YMM
// accumulators, a strip of rows per call.
var avx2 = &Impl{
	name: "avx2", requires: "AVX2, FMA",
	available: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
	mr:        6, nr: 16,
	// K blocks of 512 (a 32 KiB panel on Zen 3): the kernel's B loads,
	// two lines per six cycles, stream from L2 at full speed, and the
	// ResNet-50 shapes with k >= 512 ran 3-10 % faster than with 256
	// (TestTune, interleaved rounds: 196/256/1024 90 vs 77-88,
	// 784/128/1152 87-90 vs 87, 196/512/1024 81-86 vs 82).
	panelsL1: 1,
	kernel:   avx2Kernel,
	strip:    amd64.SgemmStripAVX2,
}

// avx512 is the AVX-512F level: tiles of up to 6x32 in twelve ZMM
// accumulators. It has not yet been run on AVX-512 hardware (none was at
// hand; its encodings were checked with objdump), so it is available only
// when the CPU has AVX-512F and the environment sets GORN_AVX512=1; until
// it is verified there, avx2 stays the default on AVX-512 CPUs.
var avx512 = &Impl{
	name: "avx512", requires: "AVX-512F and GORN_AVX512=1 (not yet verified on hardware)",
	available: cpu.X86.HasAVX512F && os.Getenv("GORN_AVX512") == "1",
	mr:        6, nr: 32,
	kernel: avx512Kernel,
	strip:  amd64.SgemmStripAVX512,
}

// avx2Kernel is the microKernel form of the strip kernel: one 6x16 tile.
func avx2Kernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	amd64.SgemmStripAVX2(a, lda, b, kc, c, ldc, bias, flags, 6, 6)
}

// avx512Kernel is the microKernel form of the strip kernel: one 6x32 tile.
func avx512Kernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	amd64.SgemmStripAVX512(a, lda, b, kc, c, ldc, bias, flags, 6, 6)
}

func init() {
	register(avx2)
	register(avx512)
}
