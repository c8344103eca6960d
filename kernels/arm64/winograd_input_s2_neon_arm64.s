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

// INS2: Bᵀ (V0-V4) for F(2x2, 3x3) at stride 2, in V5, V2, V7, V1, V3:
//	o0 = d0 - d2, o1 = d2, o2 = d4 - d2, o3 = d1, o4 = d3
#define INS2 \
	FSUB_4S(5, 0, 2) \
	FSUB_4S(7, 4, 2)

// func WinoInput2S2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput2S2NEON(SB), NOSPLIT, $0-56
	LOADIN
	CMP   $0, N
	BLE   input2s2done

input2s2lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	MOVD SRC, PP
	MOVD TBL, TD
	MOVD $5, CNT

input2s2row:
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
	INS2
	VST1.P [V5.S4], 16(TD)
	VST1.P [V2.S4], 16(TD)
	VST1.P [V7.S4], 16(TD)
	VST1.P [V1.S4], 16(TD)
	VST1.P [V3.S4], 16(TD)
	ADD  RS, PP
	SUBS $1, CNT
	BNE  input2s2row

	// columns: dst[WinogradStride2Position(i, k)] = 1-D transform of tbl column k
	ADD  $0, TBL, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	INS2
	MOVD $0, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V5.S4], (Q)
	MOVD $3, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V2.S4], (Q)
	MOVD $6, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V7.S4], (Q)
	MOVD $15, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V1.S4], (Q)
	MOVD $16, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V3.S4], (Q)
	ADD  $16, TBL, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	INS2
	MOVD $1, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V5.S4], (Q)
	MOVD $4, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V2.S4], (Q)
	MOVD $7, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V7.S4], (Q)
	MOVD $17, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V1.S4], (Q)
	MOVD $18, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V3.S4], (Q)
	ADD  $32, TBL, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	INS2
	MOVD $2, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V5.S4], (Q)
	MOVD $5, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V2.S4], (Q)
	MOVD $8, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V7.S4], (Q)
	MOVD $19, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V1.S4], (Q)
	MOVD $20, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V3.S4], (Q)
	ADD  $48, TBL, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	INS2
	MOVD $9, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V5.S4], (Q)
	MOVD $11, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V2.S4], (Q)
	MOVD $13, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V7.S4], (Q)
	MOVD $21, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V1.S4], (Q)
	MOVD $23, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V3.S4], (Q)
	ADD  $64, TBL, Q
	VLD1 (Q), [V0.S4]
	ADD  $80, Q
	VLD1 (Q), [V1.S4]
	ADD  $80, Q
	VLD1 (Q), [V2.S4]
	ADD  $80, Q
	VLD1 (Q), [V3.S4]
	ADD  $80, Q
	VLD1 (Q), [V4.S4]
	INS2
	MOVD $10, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V5.S4], (Q)
	MOVD $12, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V2.S4], (Q)
	MOVD $14, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V7.S4], (Q)
	MOVD $22, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V1.S4], (Q)
	MOVD $24, Q
	MUL  DS, Q
	ADD  DST, Q
	VST1 [V3.S4], (Q)

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	SUBS $4, N
	BGT  input2s2lanes

input2s2done:
	RET
