//go:build !purego

#include "textflag.h"
#include "int8_arm64.h"

// Eight columns of rows rows, as the Go epilogue computes them and to the
// same bits: v = acc + corr (int32), f = float32(v) * scale, plus
// float32(r - resZero) * resScale for a residual r (flags bit 2; int8 if
// bit 3, else uint8), ReLU as max(f, 0) (flags bit 0), clamped to +-1e9
// (beyond that every result saturates anyway), FCVTNS (nearest, ties to
// even), + zero, saturated by SQXTN/SQXTUN to uint8 or (flags bit 1) int8.
//
// V1-V2 corr, V3-V4 scale, V5 zero, V6 resZero, V7 resScale, V8 1e9,
// V9 -1e9, V10 the ReLU floor (0, or -1e9 for none); V16-V19 work.
//
// func QRequantNEON(acc *int32, accStride int, corr *int32, scale *float32, rows int, dst *byte, ldc int, zero int, flags int, res *byte, resLd int, resZero int, resScale float32)
// Requires: ASIMD
TEXT ·QRequantNEON(SB), NOSPLIT, $0-100
	MOVD  acc+0(FP), R0
	MOVD  accStride+8(FP), R1
	LSL   $2, R1, R1
	MOVD  corr+16(FP), R2
	MOVD  scale+24(FP), R3
	MOVD  rows+32(FP), R4
	MOVD  dst+40(FP), R5
	MOVD  ldc+48(FP), R6
	MOVD  zero+56(FP), R7
	MOVD  flags+64(FP), R8
	MOVD  res+72(FP), R9
	MOVD  resLd+80(FP), R10
	MOVD  resZero+88(FP), R11
	MOVWU resScale+96(FP), R12
	VLD1  (R2), [V1.S4, V2.S4]
	VLD1  (R3), [V3.S4, V4.S4]
	VDUP  R7, V5.S4
	VDUP  R11, V6.S4
	VDUP  R12, V7.S4
	MOVW  $0x4E6E6B28, R12 // 1e9
	VDUP  R12, V8.S4
	MOVW  $0xCE6E6B28, R12 // -1e9
	VDUP  R12, V9.S4
	VMOV  V9.B16, V10.B16
	TBZ   $0, R8, loop
	VEOR  V10.B16, V10.B16, V10.B16

loop:
	CMP  $0, R4
	BLE  done
	VLD1 (R0), [V16.S4, V17.S4]
	ADD  R1, R0, R0
	VADD V1.S4, V16.S4, V16.S4
	VADD V2.S4, V17.S4, V17.S4
	SCVTF_4S(16, 16)
	SCVTF_4S(17, 17)
	FMUL_V4S(16, 16, 3)
	FMUL_V4S(17, 17, 4)
	TBZ  $2, R8, relu
	VLD1 (R9), [V18.B8]
	ADD  R10, R9, R9
	TBNZ $3, R8, ress8
	UXTL_8H(18, 18)
	B    reswide

ress8:
	SXTL_8H(18, 18)

reswide:
	SXTL2_4S(19, 18)
	SXTL_4S(18, 18)
	VSUB V6.S4, V18.S4, V18.S4
	VSUB V6.S4, V19.S4, V19.S4
	SCVTF_4S(18, 18)
	SCVTF_4S(19, 19)
	FMUL_V4S(18, 18, 7)
	FMUL_V4S(19, 19, 7)
	FADD_V4S(16, 16, 18)
	FADD_V4S(17, 17, 19)

relu:
	FMAX_V4S(16, 16, 10)
	FMAX_V4S(17, 17, 10)
	FMIN_V4S(16, 16, 8)
	FMIN_V4S(17, 17, 8)
	FMAX_V4S(16, 16, 9)
	FMAX_V4S(17, 17, 9)
	FCVTNS_4S(16, 16)
	FCVTNS_4S(17, 17)
	VADD V5.S4, V16.S4, V16.S4
	VADD V5.S4, V17.S4, V17.S4
	SQXTN_4H(16, 16)
	SQXTN2_8H(16, 17)
	TBNZ $1, R8, outs8
	SQXTUN_8B(16, 16)
	B    store

outs8:
	SQXTN_8B(16, 16)

store:
	VST1 [V16.B8], (R5)
	ADD  R6, R5, R5
	SUB  $1, R4, R4
	B    loop

done:
	RET
