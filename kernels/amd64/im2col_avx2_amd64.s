//go:build !purego

#include "textflag.h"

// AVX2 im2col moves: the row copy of im2col_amd64.h at YMM width, and the
// stem's groups of three floats.

#include "vec_ymm_amd64.h"
#include "im2col_amd64.h"

// func CopyRowsAVX2(dst *float32, ldd int, src *float32, step, n, count int)
// Requires: AVX
TEXT ·CopyRowsAVX2(SB), NOSPLIT, $0-48
	COPYROWSBODY

done:
	VZEROUPPER
	RET

// func Scatter3(dst *float32, stride int, src *float32, count int)
// Requires: (amd64 baseline)
TEXT ·Scatter3(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  stride+8(FP), R8
	SHLQ  $2, R8
	MOVQ  src+16(FP), SI
	MOVQ  count+24(FP), CX
	TESTQ CX, CX
	JLE   sdone

group:
	MOVQ (SI), AX
	MOVL 8(SI), DX
	MOVQ AX, (DI)
	MOVL DX, 8(DI)
	ADDQ $12, SI
	ADDQ R8, DI
	DECQ CX
	JNZ  group

sdone:
	RET
