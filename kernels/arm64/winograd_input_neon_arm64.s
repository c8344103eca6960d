//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON Winograd input transforms (see the declarations in
// winograd_neon_arm64.go and the matrices in package kernels' winograd.go).
// Each call transforms one tile, 4 lanes (channels) at a time: the first
// pass runs the 1-D transform along the tile's rows into the caller's table
// (t x t vectors, row-major), the second along its columns, from the table
// to dst. The 1-D transforms are the AVX2 ones (winograd_input_amd64.h in
// kernels/amd64) instruction for instruction, register for register:
// multiply and add stay separate instructions (no FMLA), in the generic
// transform's order, so every level gives the same bits.
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V5     one row or column of the tile (inputs of a 1-D transform;
//	          V0-V3 for F(2x2), V0-V4 for F(3x3) and stride 2)
//	V6-V11    its outputs for F(4x4); V4-V7 for F(2x2); V5-V9 for F(3x3)
//	          (V10, V11 scratch); V5, V2, V7, V1, V3 for stride 2
//	V12       scratch (F(4x4))
//	V13-V15   constants 4, 5 and 2 (F(4x4)); V15 = 2 (F(3x3))

#define DST  R0  // &dst[0][c]
#define DS   R1  // dstStride, bytes
#define SRC  R2  // &src[0][0][c]
#define RS   R3  // rowStride, bytes
#define CS   R4  // colStride, bytes
#define N    R5  // lanes left
#define TBL  R6  // the caller's table between the two passes
#define PP   R7  // &src[row][0][c], or &tbl[0][column]
#define Q    R8  // a pixel's or a table vector's address
#define CNT  R9  // rows or columns left
#define TD   R10 // &tbl[row][0] (row pass), &dst[column][c] (column pass)
#define TDS  R11 // t*dstStride (column pass)
#define TMP  R12

// LOADIN reads the arguments, strides in bytes.
#define LOADIN \
	MOVD dst+0(FP), DST       \
	MOVD dstStride+8(FP), DS  \
	LSL  $2, DS               \
	MOVD src+16(FP), SRC      \
	MOVD rowStride+24(FP), RS \
	LSL  $2, RS               \
	MOVD colStride+32(FP), CS \
	LSL  $2, CS               \
	MOVD n+40(FP), N          \
	MOVD tbl+48(FP), TBL

// IN4: V6-V11 = Bᵀ (V0-V5) for F(4x4, 3x3), with V13 = 4, V14 = 5, V15 = 2:
//	o0 = 4*d0 - 5*d2 + d4        o5 = 4*d1 - 5*d3 + d5
//	a = d4 - 4*d2, b = d3 - 4*d1: o1 = a + b, o2 = a - b
//	e = d4 - d2, f = 2*(d3 - d1): o3 = e + f, o4 = e - f
#define IN4 \
	FMUL_4S(6, 0, 13)   \
	FMUL_4S(12, 2, 14)  \
	FSUB_4S(6, 6, 12)   \
	FADD_4S(6, 6, 4)    \
	FMUL_4S(11, 1, 13)  \
	FMUL_4S(12, 3, 14)  \
	FSUB_4S(11, 11, 12) \
	FADD_4S(11, 11, 5)  \
	FMUL_4S(12, 2, 13)  \
	FSUB_4S(12, 4, 12)  \
	FMUL_4S(7, 1, 13)   \
	FSUB_4S(7, 3, 7)    \
	FSUB_4S(8, 12, 7)   \
	FADD_4S(7, 12, 7)   \
	FSUB_4S(12, 4, 2)   \
	FSUB_4S(9, 3, 1)    \
	FMUL_4S(9, 9, 15)   \
	FSUB_4S(10, 12, 9)  \
	FADD_4S(9, 12, 9)  

// IN3: V5-V9 = Bᵀ (V0-V4) for F(3x3, 3x3), with V15 = 2 (the order of
// winograd_input_amd64.h's IN3).
#define IN3 \
	FSUB_4S(10, 3, 2)  \
	FSUB_4S(8, 3, 1)   \
	FSUB_4S(5, 0, 2)   \
	FMUL_4S(5, 5, 15)  \
	FADD_4S(5, 5, 8)   \
	FMUL_4S(6, 1, 15)  \
	FSUB_4S(6, 10, 6)  \
	FSUB_4S(7, 1, 2)   \
	FMUL_4S(7, 7, 15)  \
	FADD_4S(7, 10, 7)  \
	FSUB_4S(9, 4, 2)   \
	FMUL_4S(11, 8, 15) \
	FSUB_4S(9, 9, 11) 

// IN2: V4-V7 = Bᵀ (V0-V3) for F(2x2, 3x3):
//	o0 = d0 - d2, o1 = d1 + d2, o2 = d2 - d1, o3 = d1 - d3
#define IN2 \
	FSUB_4S(4, 0, 2) \
	FADD_4S(5, 1, 2) \
	FSUB_4S(6, 2, 1) \
	FSUB_4S(7, 1, 3)

// func WinoInput4NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput4NEON(SB), NOSPLIT, $0-56
	LOADIN
	FMOVS $4.0, F13
	VDUP  V13.S[0], V13.S4
	FMOVS $5.0, F14
	VDUP  V14.S[0], V14.S4
	FMOVS $2.0, F15
	VDUP  V15.S[0], V15.S4
	MOVD  $6, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input4done

input4lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	MOVD SRC, PP
	MOVD TBL, TD
	MOVD $6, CNT

input4row:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  CS, Q
	VLD1 (Q), [V1.S4]
	ADD  CS, Q
	VLD1 (Q), [V2.S4]
	ADD  CS, Q
	VLD1 (Q), [V3.S4]
	ADD  CS, Q
	VLD1 (Q), [V4.S4]
	ADD  CS, Q
	VLD1 (Q), [V5.S4]
	IN4
	VST1.P [V6.S4, V7.S4, V8.S4, V9.S4], 64(TD)
	VST1.P [V10.S4, V11.S4], 32(TD)
	ADD  RS, PP
	SUBS $1, CNT
	BNE  input4row

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $6, CNT

input4col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $96, Q
	VLD1 (Q), [V1.S4]
	ADD  $96, Q
	VLD1 (Q), [V2.S4]
	ADD  $96, Q
	VLD1 (Q), [V3.S4]
	ADD  $96, Q
	VLD1 (Q), [V4.S4]
	ADD  $96, Q
	VLD1 (Q), [V5.S4]
	IN4
	MOVD TD, Q
	VST1 [V6.S4], (Q)
	ADD  TDS, Q
	VST1 [V7.S4], (Q)
	ADD  TDS, Q
	VST1 [V8.S4], (Q)
	ADD  TDS, Q
	VST1 [V9.S4], (Q)
	ADD  TDS, Q
	VST1 [V10.S4], (Q)
	ADD  TDS, Q
	VST1 [V11.S4], (Q)
	ADD  $16, PP
	ADD  DS, TD
	SUBS $1, CNT
	BNE  input4col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	SUBS $4, N
	BGT  input4lanes

input4done:
	RET

// func WinoInput3NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput3NEON(SB), NOSPLIT, $0-56
	LOADIN
	FMOVS $2.0, F15
	VDUP  V15.S[0], V15.S4
	MOVD  $5, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input3done

input3lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	MOVD SRC, PP
	MOVD TBL, TD
	MOVD $5, CNT

input3row:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  CS, Q
	VLD1 (Q), [V1.S4]
	ADD  CS, Q
	VLD1 (Q), [V2.S4]
	ADD  CS, Q
	VLD1 (Q), [V3.S4]
	ADD  CS, Q
	VLD1 (Q), [V4.S4]
	IN3
	VST1.P [V5.S4, V6.S4, V7.S4, V8.S4], 64(TD)
	VST1.P [V9.S4], 16(TD)
	ADD  RS, PP
	SUBS $1, CNT
	BNE  input3row

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $5, CNT

input3col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	IN3
	MOVD TD, Q
	VST1 [V5.S4], (Q)
	ADD  TDS, Q
	VST1 [V6.S4], (Q)
	ADD  TDS, Q
	VST1 [V7.S4], (Q)
	ADD  TDS, Q
	VST1 [V8.S4], (Q)
	ADD  TDS, Q
	VST1 [V9.S4], (Q)
	ADD  $16, PP
	ADD  DS, TD
	SUBS $1, CNT
	BNE  input3col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	SUBS $4, N
	BGT  input3lanes

input3done:
	RET

// func WinoInput2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput2NEON(SB), NOSPLIT, $0-56
	LOADIN
	MOVD  $4, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input2done

input2lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	MOVD SRC, PP
	MOVD TBL, TD
	MOVD $4, CNT

input2row:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  CS, Q
	VLD1 (Q), [V1.S4]
	ADD  CS, Q
	VLD1 (Q), [V2.S4]
	ADD  CS, Q
	VLD1 (Q), [V3.S4]
	IN2
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(TD)
	ADD  RS, PP
	SUBS $1, CNT
	BNE  input2row

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $4, CNT

input2col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $64, Q
	VLD1 (Q), [V1.S4]
	ADD  $64, Q
	VLD1 (Q), [V2.S4]
	ADD  $64, Q
	VLD1 (Q), [V3.S4]
	IN2
	MOVD TD, Q
	VST1 [V4.S4], (Q)
	ADD  TDS, Q
	VST1 [V5.S4], (Q)
	ADD  TDS, Q
	VST1 [V6.S4], (Q)
	ADD  TDS, Q
	VST1 [V7.S4], (Q)
	ADD  $16, PP
	ADD  DS, TD
	SUBS $1, CNT
	BNE  input2col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	SUBS $4, N
	BGT  input2lanes

input2done:
	RET
