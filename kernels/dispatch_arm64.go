//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/arm64"
)

// archLevels are the arm64 levels, best first.
var archLevels = []*Impl{neon}

// neon is the arm64 Advanced SIMD level: tiles of up to 5x16 in twenty
// 4-lane accumulators, FMLA by element on A rows read in place, a strip of
// rows per call. Every arm64 CPU has ASIMD; GODEBUG=cpu.asimd=off turns the
// level off (x/sys/cpu reads it).
var neon = &Impl{
	name:     "neon",
	features: []feature{{"ASIMD", "asimd", cpu.ARM64.HasASIMD}},
	mr:       5, nr: 16,
	kernel: neonKernel,
	strip:  arm64.SgemmStripNEON,
	ew: elemKernels{
		maxWindows: arm64.MaxWindowsNEON,
		avgWindows: arm64.AvgWindowsNEON,
		scaleShift: arm64.ScaleShiftNEON,
		add:        arm64.AddNEON,
		gemv4:      arm64.SgemvPanels4NEON,
	},
	wino:  neonWino,
	moves: moveKernels{copyRows: genericCopyRows, scatter3: genericScatter3},
}

// neonKernel is the microKernel form of the strip kernel: one 5x16 tile.
func neonKernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	arm64.SgemmStripNEON(a, lda, b, kc, c, ldc, bias, flags, 5, 5)
}

// Features of this arm64 CPU that later levels will dispatch on, recorded
// now so that tests and tools can report them: the dot-product
// instructions (SDOT/UDOT, for int8 convolutions) and the int8 matrix
// multiply (SMMLA). GODEBUG=cpu.asimddp=off and cpu.i8mm=off clear them.
var (
	hasASIMDDP = cpu.ARM64.HasASIMDDP
	hasI8MM    = cpu.ARM64.HasI8MM
)
