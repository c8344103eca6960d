//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON Winograd output transforms with the epilogue (see the declarations
// in winograd_neon_arm64.go and the matrices in package kernels'
// winograd.go). Each call transforms one tile, 4 lanes (channels) at a
// time: the first pass runs the 1-D transform along the rows of the t x t
// products into the caller's table (t x m vectors, row-major), the second
// along its columns, adds the bias and the old output (accumulate),
// applies ReLU and stores. The 1-D transforms are the AVX2 ones
// (winograd_output_amd64.h in kernels/amd64) instruction for instruction:
// multiply and add stay separate instructions (no FMLA), in the generic
// transform's order, so every level gives the same bits. ReLU is FMAXNM
// with zero: the number wins over a quiet NaN (every NaN FADD makes is
// quiet) and max(-0, +0) is +0, exactly "0 unless v > 0".
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V5     one row or column of products (inputs of a 1-D transform;
//	          V0-V3 for F(2x2), V0-V4 for F(3x3) and stride 2)
//	V6-V9     its outputs for F(4x4); V4, V5 for F(2x2) and stride 2;
//	          V6-V8 for F(3x3)
//	V10-V12   scratch
//	V13-V15   constants 2, 4 and 8 (F(4x4)); V13, V14 = 2, 4 (F(3x3))
//	V20       the bias of the 4 lanes
//	V21       an old output (accumulate)
//	V31       zero, for ReLU

#define DST  R0  // &dst[0][0][c]
#define RS   R1  // rowStride, bytes
#define CS   R2  // colStride, bytes
#define SRC  R3  // &src[0][c]
#define SS   R4  // srcStride, bytes
#define BIAS R5  // &bias[c], or nil
#define N    R6  // lanes left
#define FL   R7  // flags: 1 accumulate, 2 ReLU
#define TBL  R8  // the caller's table between the two passes
#define PP   R9  // &src[row*t][c], or &tbl[0][column]
#define Q    R10 // a product's, table vector's or pixel's address
#define CNT  R11 // rows or columns left
#define TD   R12 // &tbl[row][0] (row pass), &dst[0][column][c] (column pass)

// LOADOUT reads the arguments, strides in bytes.
#define LOADOUT \
	MOVD dst+0(FP), DST       \
	MOVD rowStride+8(FP), RS  \
	LSL  $2, RS               \
	MOVD colStride+16(FP), CS \
	LSL  $2, CS               \
	MOVD src+24(FP), SRC      \
	MOVD srcStride+32(FP), SS \
	LSL  $2, SS               \
	MOVD bias+40(FP), BIAS    \
	MOVD n+48(FP), N          \
	MOVD flags+56(FP), FL     \
	MOVD tbl+64(FP), TBL      \
	VEOR V31.B16, V31.B16, V31.B16

// OUTS2: V4, V5 = Aᵀ (V0-V4) for F(2x2, 3x3) at stride 2 (V4 is an input
// too, used before it is overwritten):
//	o0 = (m0 + m1) + m3, o1 = (m1 + m2) + m4
#define OUTS2 \
	FADD_4S(5, 1, 2) \
	FADD_4S(5, 5, 4) \
	FADD_4S(4, 0, 1) \
	FADD_4S(4, 4, 3)

// func WinoOutput2S2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput2S2NEON(SB), NOSPLIT, $0-72
	LOADOUT
	CMP   $0, N
	BLE   out2s2done

out2s2lanes:
	CBZ  BIAS, out2s2nobias
	VLD1 (BIAS), [V20.S4]

out2s2nobias:
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[WinogradStride2Position(i, j)]
	MOVD TBL, TD
	MOVD $0, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V0.S4]
	MOVD $1, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V1.S4]
	MOVD $2, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V2.S4]
	MOVD $9, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V3.S4]
	MOVD $10, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	VST1.P [V4.S4, V5.S4], 32(TD)
	MOVD $3, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V0.S4]
	MOVD $4, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V1.S4]
	MOVD $5, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V2.S4]
	MOVD $11, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V3.S4]
	MOVD $12, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	VST1.P [V4.S4, V5.S4], 32(TD)
	MOVD $6, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V0.S4]
	MOVD $7, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V1.S4]
	MOVD $8, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V2.S4]
	MOVD $13, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V3.S4]
	MOVD $14, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	VST1.P [V4.S4, V5.S4], 32(TD)
	MOVD $15, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V0.S4]
	MOVD $17, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V1.S4]
	MOVD $19, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V2.S4]
	MOVD $21, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V3.S4]
	MOVD $22, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	VST1.P [V4.S4, V5.S4], 32(TD)
	MOVD $16, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V0.S4]
	MOVD $18, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V1.S4]
	MOVD $20, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V2.S4]
	MOVD $23, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V3.S4]
	MOVD $24, Q
	MUL  SS, Q
	ADD  SRC, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	VST1.P [V4.S4, V5.S4], 32(TD)

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $2, CNT

out2s2col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $32, Q
	VLD1 (Q), [V1.S4]
	ADD  $32, Q
	VLD1 (Q), [V2.S4]
	ADD  $32, Q
	VLD1 (Q), [V3.S4]
	ADD  $32, Q
	VLD1 (Q), [V4.S4]
	OUTS2
	CBZ  BIAS, out2s2b
	FADD_4S(4, 4, 20)
	FADD_4S(5, 5, 20)

out2s2b:
	TBZ  $0, FL, out2s2a
	MOVD TD, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(4, 21, 4)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(5, 21, 5)

out2s2a:
	TBZ  $1, FL, out2s2r
	FMAXNM_4S(4, 4, 31)
	FMAXNM_4S(5, 5, 31)

out2s2r:
	MOVD TD, Q
	VST1 [V4.S4], (Q)
	ADD  RS, Q
	VST1 [V5.S4], (Q)
	ADD  $16, PP
	ADD  CS, TD
	SUBS $1, CNT
	BNE  out2s2col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	CBZ  BIAS, out2s2next
	ADD  $16, BIAS

out2s2next:
	SUBS $4, N
	BGT  out2s2lanes

out2s2done:
	RET
