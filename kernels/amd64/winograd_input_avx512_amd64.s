//go:build !purego

#include "textflag.h"

// AVX-512 Winograd input transforms: the shared bodies of
// winograd_input_amd64.h at ZMM width.

#include "vec_zmm_amd64.h"
#include "winograd_input_amd64.h"

// func WinoInput4AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoInput4AVX512(SB), NOSPLIT, $0-56
	WINOINPUT4BODY

in4done:
	VZEROUPPER
	RET

// func WinoInput2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoInput2AVX512(SB), NOSPLIT, $0-56
	WINOINPUT2BODY

in2done:
	VZEROUPPER
	RET

// func WinoInput2S2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoInput2S2AVX512(SB), NOSPLIT, $0-56
	WINOINPUT2S2BODY

ins2done:
	VZEROUPPER
	RET

// func WinoInput3AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoInput3AVX512(SB), NOSPLIT, $0-56
	WINOINPUT3BODY

in3done:
	VZEROUPPER
	RET
