//go:build !purego

#include "textflag.h"

// AVX2 Winograd output transforms: the shared bodies of
// winograd_output_amd64.h at YMM width.

#include "vec_ymm_amd64.h"
#include "winograd_output_amd64.h"

// func WinoOutput4AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoOutput4AVX2(SB), NOSPLIT, $0-72
	WINOOUTPUT4BODY

out4done:
	VZEROUPPER
	RET

// func WinoOutput2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoOutput2AVX2(SB), NOSPLIT, $0-72
	WINOOUTPUT2BODY

out2done:
	VZEROUPPER
	RET

// func WinoOutput2S2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoOutput2S2AVX2(SB), NOSPLIT, $0-72
	WINOOUTPUT2S2BODY

outs2done:
	VZEROUPPER
	RET

// func WinoOutput3AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoOutput3AVX2(SB), NOSPLIT, $0-72
	WINOOUTPUT3BODY

out3done:
	VZEROUPPER
	RET
