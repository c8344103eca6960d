//go:build !purego

#include "textflag.h"

// Eight columns of rows rows: v = acc + corr (int32), f = float32(v) *
// scale, plus float32(r - resZero) * resScale for a residual r (flags bit
// 2; int8 if bit 3, else uint8), ReLU as max(f, 0) (flags bit 0), clamped to +-1e9 (beyond that
// every result saturates anyway), rounded half to even by VCVTPS2DQ (the
// MXCSR default, as Go leaves it), + zero, saturated by the packs to uint8
// or (flags bit 1) int8. Every step rounds as the Go epilogue does, so the
// bits are the same.
//
// Y1 corr, Y2 scale, Y3 zero, Y4 the ReLU floor (0, or -1e9 for none),
// Y5 1e9, Y6 -1e9, Y9 resZero, Y10 resScale; R12 the residual row.
//
// func QRequantAVX2(acc *int32, accStride int, corr *int32, scale *float32, rows int, dst *byte, ldc int, zero int, flags int, res *byte, resLd int, resZero int, resScale float32)
// Requires: AVX2
TEXT ·QRequantAVX2(SB), NOSPLIT, $0-100
	MOVQ acc+0(FP), AX
	MOVQ accStride+8(FP), SI
	MOVQ corr+16(FP), R8
	MOVQ scale+24(FP), R9
	MOVQ rows+32(FP), CX
	MOVQ dst+40(FP), DI
	MOVQ ldc+48(FP), DX
	MOVQ flags+64(FP), R10
	VMOVDQU (R8), Y1
	VMOVUPS (R9), Y2
	MOVQ    zero+56(FP), R11
	VMOVD   R11, X3
	VPBROADCASTD X3, Y3
	MOVL    $0x4E6E6B28, R11 // 1e9
	VMOVD   R11, X5
	VBROADCASTSS X5, Y5
	MOVL    $0xCE6E6B28, R11 // -1e9
	VMOVD   R11, X6
	VBROADCASTSS X6, Y6
	MOVQ    res+72(FP), R12
	MOVQ    resLd+80(FP), R13
	MOVQ    resZero+88(FP), R11
	VMOVD   R11, X9
	VPBROADCASTD X9, Y9
	VBROADCASTSS resScale+96(FP), Y10
	VMOVAPS Y6, Y4
	TESTQ   $1, R10
	JZ      rows
	VXORPS  Y4, Y4, Y4

rows:
	TESTQ CX, CX
	JLE   done
	VMOVDQU   (AX), Y0
	VPADDD    Y1, Y0, Y0
	VCVTDQ2PS Y0, Y0
	VMULPS    Y2, Y0, Y0
	TESTQ     $4, R10
	JZ        relu
	TESTQ     $8, R10
	JNZ       ress8
	VPMOVZXBD (R12), Y8
	JMP       resadd

ress8:
	VPMOVSXBD (R12), Y8

resadd:
	VPSUBD    Y9, Y8, Y8
	VCVTDQ2PS Y8, Y8
	VMULPS    Y10, Y8, Y8
	VADDPS    Y8, Y0, Y0
	ADDQ      R13, R12

relu:
	VMAXPS    Y4, Y0, Y0
	VMINPS    Y5, Y0, Y0
	VMAXPS    Y6, Y0, Y0
	VCVTPS2DQ Y0, Y0
	VPADDD    Y3, Y0, Y0
	VEXTRACTI128 $1, Y0, X7
	VPACKSSDW X7, X0, X0
	TESTQ     $2, R10
	JNZ       signed
	VPACKUSWB X0, X0, X0
	JMP       store

signed:
	VPACKSSWB X0, X0, X0

store:
	MOVQ X0, (DI)
	LEAQ (AX)(SI*4), AX
	ADDQ DX, DI
	DECQ CX
	JMP  rows

done:
	VZEROUPPER
	RET
