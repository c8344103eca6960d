//go:build !purego

#include "textflag.h"

// im2col's moves (see im2col_amd64.go): whole kernel rows in 32-byte
// loads and stores, and the stem's groups of three floats.

// func CopyRowsAVX2(dst *float32, ldd int, src *float32, step, n, count int)
// Requires: AVX
TEXT ·CopyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ  dst+0(FP), DI
	MOVQ  ldd+8(FP), R8
	SHLQ  $2, R8
	MOVQ  src+16(FP), SI
	MOVQ  step+24(FP), R9
	SHLQ  $2, R9
	MOVQ  n+32(FP), R10
	MOVQ  count+40(FP), CX
	TESTQ CX, CX
	JLE   done
	TESTQ R10, R10
	JLE   done

row:
	MOVQ DI, AX  // dst cursor
	MOVQ SI, BX  // src cursor
	MOVQ R10, DX // floats left in the row
	CMPQ DX, $32
	JLT  by8

by32:
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS 64(BX), Y2
	VMOVUPS 96(BX), Y3
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VMOVUPS Y2, 64(AX)
	VMOVUPS Y3, 96(AX)
	ADDQ    $128, BX
	ADDQ    $128, AX
	SUBQ    $32, DX
	CMPQ    DX, $32
	JGE     by32

by8:
	CMPQ DX, $8
	JLT  tail

loop8:
	VMOVUPS (BX), Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, BX
	ADDQ    $32, AX
	SUBQ    $8, DX
	CMPQ    DX, $8
	JGE     loop8

tail:
	// 0-7 floats left: with a row of at least 8, the last 8 floats of
	// the row again (the same values over the ones already stored)
	TESTQ DX, DX
	JZ    next
	CMPQ  R10, $8
	JLT   scalar
	VMOVUPS -32(BX)(DX*4), Y0
	VMOVUPS Y0, -32(AX)(DX*4)
	JMP     next

scalar:
	MOVL (BX), R11
	MOVL R11, (AX)
	ADDQ $4, BX
	ADDQ $4, AX
	DECQ DX
	JNZ  scalar

next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JNZ  row

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
