//go:build !purego

#include "textflag.h"

// AVX2 elementwise kernels: the bodies of elementwise_amd64.h at YMM width.

#include "vec_ymm_amd64.h"
#include "elementwise_amd64.h"

// func ScaleShiftAVX2(dst, src, scale, shift *float32, c, rows, flags int)
// Requires: AVX, AVX2
TEXT ·ScaleShiftAVX2(SB), NOSPLIT, $0-56
	SCALESHIFTBODY

done:
	VZEROUPPER
	RET

// func AddAVX2(dst, a, b *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·AddAVX2(SB), NOSPLIT, $0-40
	ADDBODY

done:
	VZEROUPPER
	RET
