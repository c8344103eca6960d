//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// archLevels are the amd64 levels, best first.
var archLevels = []*Impl{avx512, avx2}

// avx2 is the AVX2+FMA level: GEMM tiles of up to 6x16 in twelve YMM
// accumulators, a strip of rows per call, and the AVX2 forms of every
// other kernel.
var avx2 = &Impl{
	name:     "avx2",
	features: []feature{avx2Feature, fmaFeature},
	mr:       6, nr: 16,
	// K blocks of 512 (a 32 KiB panel on Zen 3): the kernel's B loads,
	// two lines per six cycles, stream from L2 at full speed, and the
	// ResNet-50 shapes with k >= 512 ran 3-10 % faster than with 256
	// (TestTune, interleaved rounds: 196/256/1024 90 vs 77-88,
	// 784/128/1152 87-90 vs 87, 196/512/1024 81-86 vs 82).
	panelsL1: 1,
	kernel:   avx2Kernel,
	strip:    amd64.SgemmStripAVX2,
	ew: elemKernels{
		maxWindows: amd64.MaxWindowsAVX2,
		avgWindows: amd64.AvgWindowsAVX2,
		scaleShift: amd64.ScaleShiftAVX2,
		add:        amd64.AddAVX2,
		gemv4:      amd64.SgemvPanels4AVX2,
	},
	wino:  avx2Wino,
	moves: moveKernels{copyRows: amd64.CopyRowsAVX2, scatter3: amd64.Scatter3},
}

// avx512 is the AVX-512F level, the default on CPUs that have AVX-512F
// (GODEBUG=cpu.avx512f=off selects avx2): GEMM tiles of up to 6x32 in
// twelve ZMM accumulators, and the ZMM forms of the elementwise, pooling,
// Winograd and im2col kernels (the AVX2 bodies at twice the width). It has
// no matrix-vector kernel of its own, and its Winograd transforms finish
// a last 8 lanes with the AVX2 ones, so it needs AVX2 and FMA too (every
// AVX-512F CPU has them; GODEBUG can mask them).
var avx512 = &Impl{
	name:     "avx512",
	features: []feature{{"AVX-512F", "avx512f", cpu.X86.HasAVX512F}, avx2Feature, fmaFeature},
	mr:       6, nr: 32,
	kernel: avx512Kernel,
	strip:  amd64.SgemmStripAVX512,
	ew: elemKernels{
		maxWindows: amd64.MaxWindowsAVX512,
		avgWindows: amd64.AvgWindowsAVX512,
		scaleShift: amd64.ScaleShiftAVX512,
		add:        amd64.AddAVX512,
	},
	wino:  avx512Wino,
	moves: moveKernels{copyRows: amd64.CopyRowsAVX512, scatter3: amd64.Scatter3},
}

// The AVX2 and FMA features, as x/sys/cpu reports them.
var (
	avx2Feature = feature{"AVX2", "avx2", cpu.X86.HasAVX2}
	fmaFeature  = feature{"FMA", "fma", cpu.X86.HasFMA}
)

// avx2Kernel is the microKernel form of the strip kernel: one 6x16 tile.
func avx2Kernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	amd64.SgemmStripAVX2(a, lda, b, kc, c, ldc, bias, flags, 6, 6)
}

// avx512Kernel is the microKernel form of the strip kernel: one 6x32 tile.
func avx512Kernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	amd64.SgemmStripAVX512(a, lda, b, kc, c, ldc, bias, flags, 6, 6)
}
