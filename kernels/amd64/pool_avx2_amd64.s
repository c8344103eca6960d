//go:build !purego

#include "textflag.h"

// AVX2 pooling window kernels: the bodies of pool_amd64.h at YMM width.

#include "vec_ymm_amd64.h"
#include "pool_amd64.h"

// func MaxWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX, AVX2
TEXT ·MaxWindowsAVX2(SB), NOSPLIT, $0-76
	MAXWINDOWSBODY
	VZEROUPPER
	RET

// func AvgWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX, AVX2
TEXT ·AvgWindowsAVX2(SB), NOSPLIT, $0-76
	AVGWINDOWSBODY
	VZEROUPPER
	RET
