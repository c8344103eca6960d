//go:build !purego

#include "textflag.h"

// AVX-512 pooling window kernels: the bodies of pool_amd64.h at ZMM width.

#include "vec_zmm_amd64.h"
#include "pool_amd64.h"

// func MaxWindowsAVX512(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX512F
TEXT ·MaxWindowsAVX512(SB), NOSPLIT, $0-76
	MAXWINDOWSBODY
	VZEROUPPER
	RET

// func AvgWindowsAVX512(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX512F
TEXT ·AvgWindowsAVX512(SB), NOSPLIT, $0-76
	AVGWINDOWSBODY
	VZEROUPPER
	RET
