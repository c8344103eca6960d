//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// avx2Wino are the AVX2 Winograd transforms of the avx2 and avx512 levels'
// tables. They use no FMA: multiply and add round separately, as on every
// level.
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

// avx512Wino are the AVX-512 Winograd transforms: 16 lanes at a time in
// ZMM registers, the AVX2 transform for a last 8, the same bits as both.
var avx512Wino = winoKernels{
	input: [winoVariants]func(*float32, int, *float32, int, int, int){
		winoF2: winoInput2AVX512, winoF4: winoInput4AVX512, winoF2S2: winoInput2S2AVX512, winoF3: winoInput3AVX512,
	},
	output: [winoVariants]func(*float32, int, int, *float32, int, *float32, int, int){
		winoF2: winoOutput2AVX512, winoF4: winoOutput4AVX512, winoF2S2: winoOutput2S2AVX512, winoF3: winoOutput3AVX512,
	},
}

// The AVX-512 transforms run the ZMM form over the lanes below the last
// multiple of 16 and the AVX2 form over the 8 after (n is a multiple of
// 8). The calls are direct, so that the table stays in the Go frame.

func winoInput4AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoInput4AVX512(dst, dstStride, src, rowStride, colStride, n16, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
	}
	if n > 0 {
		amd64.WinoInput4AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
	}
}

func winoOutput4AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoOutput4AVX512(dst, rowStride, colStride, src, srcStride, bias, n16, flags, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
		if bias != nil {
			bias = lane(bias, n16)
		}
	}
	if n > 0 {
		amd64.WinoOutput4AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
	}
}

func winoInput2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoInput2AVX512(dst, dstStride, src, rowStride, colStride, n16, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
	}
	if n > 0 {
		amd64.WinoInput2AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
	}
}

func winoOutput2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoOutput2AVX512(dst, rowStride, colStride, src, srcStride, bias, n16, flags, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
		if bias != nil {
			bias = lane(bias, n16)
		}
	}
	if n > 0 {
		amd64.WinoOutput2AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
	}
}

func winoInput2S2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoInput2S2AVX512(dst, dstStride, src, rowStride, colStride, n16, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
	}
	if n > 0 {
		amd64.WinoInput2S2AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
	}
}

func winoOutput2S2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoOutput2S2AVX512(dst, rowStride, colStride, src, srcStride, bias, n16, flags, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
		if bias != nil {
			bias = lane(bias, n16)
		}
	}
	if n > 0 {
		amd64.WinoOutput2S2AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
	}
}

func winoInput3AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoInput3AVX512(dst, dstStride, src, rowStride, colStride, n16, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
	}
	if n > 0 {
		amd64.WinoInput3AVX2(dst, dstStride, src, rowStride, colStride, n, &tbl[0])
	}
}

func winoOutput3AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int) {
	var tbl [amd64.WinoTableFloatsAVX512]float32
	if n16 := n &^ 15; n16 > 0 {
		amd64.WinoOutput3AVX512(dst, rowStride, colStride, src, srcStride, bias, n16, flags, &tbl[0])
		dst, src, n = lane(dst, n16), lane(src, n16), n-n16
		if bias != nil {
			bias = lane(bias, n16)
		}
	}
	if n > 0 {
		amd64.WinoOutput3AVX2(dst, rowStride, colStride, src, srcStride, bias, n, flags, &tbl[0])
	}
}

// lane returns p + i floats.
func lane(p *float32, i int) *float32 { return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)) }
