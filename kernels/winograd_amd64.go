//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2Wino are the AVX2 Winograd transforms. They need AVX2 only (no FMA:
// multiply and add round separately, as on every level).
var avx2Wino = winoKernels{
	input4:  amd64.WinoInput4AVX2,
	input2:  amd64.WinoInput2AVX2,
	output4: amd64.WinoOutput4AVX2,
	output2: amd64.WinoOutput2AVX2,
}

// wino returns the level's vector Winograd transforms, or nil for the
// generic ones: the avx2 and avx512 levels run the AVX2 transforms (these
// are bound by loads and stores, not by vector width) unless
// GODEBUG=cpu.avx2=off.
func (im *Impl) wino() *winoKernels {
	if (im == avx2 || im == avx512) && cpu.X86.HasAVX2 {
		return &avx2Wino
	}
	return nil
}
