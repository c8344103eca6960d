//go:build !purego

#include "textflag.h"

// AVX-512 elementwise kernels: the bodies of elementwise_amd64.h at ZMM
// width.

#include "vec_zmm_amd64.h"
#include "elementwise_amd64.h"

// func ScaleShiftAVX512(dst, src, scale, shift *float32, c, rows, flags int)
// Requires: AVX512F
TEXT ·ScaleShiftAVX512(SB), NOSPLIT, $0-56
	SCALESHIFTBODY

done:
	VZEROUPPER
	RET

// func AddAVX512(dst, a, b *float32, n, flags int)
// Requires: AVX512F
TEXT ·AddAVX512(SB), NOSPLIT, $0-40
	ADDBODY

done:
	VZEROUPPER
	RET
