//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2Wino are the AVX2 Winograd transforms. They need AVX2 only (no FMA:
// multiply and add round separately, as on every level).
var avx2Wino = winoKernels{
	input: [winoVariants]func(*float32, int, *float32, int, int, int){
		winoF2: winoInput2AVX2, winoF4: winoInput4AVX2, winoF2S2: winoInput2S2AVX2, winoF3: winoInput3AVX2,
	},
	output: [winoVariants]func(*float32, int, int, *float32, int, *float32, int, int){
		winoF2: winoOutput2AVX2, winoF4: winoOutput4AVX2, winoF2S2: winoOutput2S2AVX2, winoF3: winoOutput3AVX2,
	},
}

// The AVX2 transforms keep the table between their row and column passes
// in these Go frames (the assembly has none), so the stack grows as Go's
// does; the table does not escape (the declarations are go:noescape).

func winoInput4AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoInput4AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoInput2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoInput2AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput4AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoOutput4AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoOutput2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoOutput2AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoInput2S2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoInput2S2AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput2S2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoOutput2S2AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoInput3AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoInput3AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput3AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloats]float32
	amd64.WinoOutput3AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
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
