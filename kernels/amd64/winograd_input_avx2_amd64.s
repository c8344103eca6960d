//go:build !purego

#include "textflag.h"

// AVX2 Winograd input transforms: the shared bodies of
// winograd_input_amd64.h at YMM width.

#include "vec_ymm_amd64.h"
#include "winograd_input_amd64.h"

// func WinoInput4AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput4AVX2(SB), NOSPLIT, $0-56
	WINOINPUT4BODY

in4done:
	VZEROUPPER
	RET

// func WinoInput2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput2AVX2(SB), NOSPLIT, $0-56
	WINOINPUT2BODY

in2done:
	VZEROUPPER
	RET

// func WinoInput2S2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput2S2AVX2(SB), NOSPLIT, $0-56
	WINOINPUT2S2BODY

ins2done:
	VZEROUPPER
	RET

// func WinoInput3AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput3AVX2(SB), NOSPLIT, $0-56
	WINOINPUT3BODY

in3done:
	VZEROUPPER
	RET
