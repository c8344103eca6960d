//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/arm64"
)

// qNEON is plain ASIMD: SMULL int8 products widened to int16, SADALP pairs
// into int32 (exact: an int8 product fits int16).
var qNEON = &QImpl{
	name: "neon", fp32: "neon", requires: "ASIMD",
	available: cpu.ARM64.HasASIMD,
	mr:        4, nr: 8, group: 4, aSigned: true,
	kernel: arm64.QgemmNEON, requant: arm64.QRequantNEON,
	direct: arm64.QgemmNEONDirect, directFlip: arm64.QgemmNEONDirectFlip,
}

// qNEONDot uses SDOT by element (Armv8.2 dot product: Cortex-A55/A76,
// Neoverse N1 and later, Apple M1).
var qNEONDot = &QImpl{
	name: "neon-sdot", fp32: "neon", requires: "ASIMD, ASIMDDP",
	available: cpu.ARM64.HasASIMD && cpu.ARM64.HasASIMDDP,
	mr:        12, nr: 8, group: 4, aSigned: true,
	kernel: arm64.QgemmNEONDot, requant: arm64.QRequantNEON,
	direct: arm64.QgemmNEONDotDirect, directFlip: arm64.QgemmNEONDotDirectFlip,
}

// qNEONMM uses USMMLA (Armv8.6 int8 matrix multiply: Neoverse V1/N2, Apple
// M2 and later), uint8 A natively.
var qNEONMM = &QImpl{
	name: "neon-i8mm", fp32: "neon", requires: "ASIMD, I8MM",
	available: cpu.ARM64.HasASIMD && cpu.ARM64.HasI8MM,
	mr:        8, nr: 8, group: 8,
	kernel: arm64.QgemmNEONMM, requant: arm64.QRequantNEON,
	direct: arm64.QgemmNEONMMDirect, directFlip: arm64.QgemmNEONMMDirectFlip,
}

func init() {
	qRegister(qNEON)
	qRegister(qNEONDot)
	qRegister(qNEONMM)
}
