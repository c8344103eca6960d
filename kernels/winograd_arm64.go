//go:build !purego

package kernels

import "github.com/gorn-ml/gorn/kernels/arm64"

// neonWino are the NEON Winograd transforms of the neon level's table, 4
// lanes at a time, the same bits as the generic ones (no FMLA).
var neonWino = winoKernels{
	input: [winoVariants]func(*float32, int, *float32, int, int, int){
		winoF2: winoInput2NEON, winoF4: winoInput4NEON, winoF2S2: winoInput2S2NEON, winoF3: winoInput3NEON,
	},
	output: [winoVariants]func(*float32, int, int, *float32, int, *float32, int, int){
		winoF2: winoOutput2NEON, winoF4: winoOutput4NEON, winoF2S2: winoOutput2S2NEON, winoF3: winoOutput3NEON,
	},
}

// The NEON transforms keep the table between their row and column passes
// in these Go frames (the assembly has none); it does not escape (the
// declarations are go:noescape).

func winoInput4NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoInput4NEON(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput4NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoOutput4NEON(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoInput2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoInput2NEON(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoOutput2NEON(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoInput2S2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoInput2S2NEON(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput2S2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoOutput2S2NEON(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}

func winoInput3NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoInput3NEON(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
}

func winoOutput3NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [arm64.WinoTableFloats]float32
	arm64.WinoOutput3NEON(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
}
