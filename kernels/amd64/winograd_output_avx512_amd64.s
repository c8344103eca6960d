//go:build !purego

#include "textflag.h"

// AVX-512 Winograd output transforms: the shared bodies of
// winograd_output_amd64.h at ZMM width.

#include "vec_zmm_amd64.h"
#include "winograd_output_amd64.h"

// func WinoOutput4AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoOutput4AVX512(SB), NOSPLIT, $0-72
	WINOOUTPUT4BODY

out4done:
	VZEROUPPER
	RET

// func WinoOutput2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoOutput2AVX512(SB), NOSPLIT, $0-72
	WINOOUTPUT2BODY

out2done:
	VZEROUPPER
	RET

// func WinoOutput2S2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoOutput2S2AVX512(SB), NOSPLIT, $0-72
	WINOOUTPUT2S2BODY

outs2done:
	VZEROUPPER
	RET

// func WinoOutput3AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: AVX512F
TEXT ·WinoOutput3AVX512(SB), NOSPLIT, $0-72
	WINOOUTPUT3BODY

out3done:
	VZEROUPPER
	RET
