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

// OUT4: V6-V9 = Aᵀ (V0-V5) for F(4x4, 3x3), with V13 = 2, V14 = 4, V15 = 8
// (V3 is overwritten):
//	a = m1 + m2, b = m1 - m2, e = m3 + m4, f = m3 - m4
//	o0 = m0 + a + e, o1 = b + 2*f, o2 = a + 4*e, o3 = b + 8*f + m5
#define OUT4 \
	FADD_4S(10, 1, 2)  \
	FSUB_4S(11, 1, 2)  \
	FADD_4S(12, 3, 4)  \
	FSUB_4S(3, 3, 4)   \
	FADD_4S(6, 0, 10)  \
	FADD_4S(6, 6, 12)  \
	FMUL_4S(7, 3, 13)  \
	FADD_4S(7, 11, 7)  \
	FMUL_4S(8, 12, 14) \
	FADD_4S(8, 10, 8)  \
	FMUL_4S(9, 3, 15)  \
	FADD_4S(9, 11, 9)  \
	FADD_4S(9, 9, 5)  

// OUT3: V6-V8 = Aᵀ (V0-V4) for F(3x3, 3x3), with V13 = 2, V14 = 4:
//	a = m1 + m2, b = m1 - m2
//	o0 = (m0 + a) + m3, o1 = b + 2*m3, o2 = (a + 4*m3) + m4
#define OUT3 \
	FADD_4S(10, 1, 2) \
	FSUB_4S(11, 1, 2) \
	FADD_4S(6, 0, 10) \
	FADD_4S(6, 6, 3)  \
	FMUL_4S(7, 3, 13) \
	FADD_4S(7, 11, 7) \
	FMUL_4S(8, 3, 14) \
	FADD_4S(8, 10, 8) \
	FADD_4S(8, 8, 4) 

// OUT2: V4, V5 = Aᵀ (V0-V3) for F(2x2, 3x3):
//	o0 = m0 + m1 + m2, o1 = m1 - m2 - m3
#define OUT2 \
	FADD_4S(4, 0, 1) \
	FADD_4S(4, 4, 2) \
	FSUB_4S(5, 1, 2) \
	FSUB_4S(5, 5, 3)

// func WinoOutput4NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput4NEON(SB), NOSPLIT, $0-72
	LOADOUT
	FMOVS $2.0, F13
	VDUP  V13.S[0], V13.S4
	FMOVS $4.0, F14
	VDUP  V14.S[0], V14.S4
	FMOVS $8.0, F15
	VDUP  V15.S[0], V15.S4
	CMP   $0, N
	BLE   out4done

out4lanes:
	CBZ  BIAS, out4nobias
	VLD1 (BIAS), [V20.S4]

out4nobias:
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $6, CNT

out4row:
	VLD1 (Q), [V0.S4]
	ADD  SS, Q
	VLD1 (Q), [V1.S4]
	ADD  SS, Q
	VLD1 (Q), [V2.S4]
	ADD  SS, Q
	VLD1 (Q), [V3.S4]
	ADD  SS, Q
	VLD1 (Q), [V4.S4]
	ADD  SS, Q
	VLD1 (Q), [V5.S4]
	ADD  SS, Q
	OUT4
	VST1.P [V6.S4, V7.S4, V8.S4, V9.S4], 64(TD)
	SUBS $1, CNT
	BNE  out4row

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $4, CNT

out4col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $64, Q
	VLD1 (Q), [V1.S4]
	ADD  $64, Q
	VLD1 (Q), [V2.S4]
	ADD  $64, Q
	VLD1 (Q), [V3.S4]
	ADD  $64, Q
	VLD1 (Q), [V4.S4]
	ADD  $64, Q
	VLD1 (Q), [V5.S4]
	OUT4
	CBZ  BIAS, out4b
	FADD_4S(6, 6, 20)
	FADD_4S(7, 7, 20)
	FADD_4S(8, 8, 20)
	FADD_4S(9, 9, 20)

out4b:
	TBZ  $0, FL, out4a
	MOVD TD, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(6, 21, 6)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(7, 21, 7)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(8, 21, 8)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(9, 21, 9)

out4a:
	TBZ  $1, FL, out4r
	FMAXNM_4S(6, 6, 31)
	FMAXNM_4S(7, 7, 31)
	FMAXNM_4S(8, 8, 31)
	FMAXNM_4S(9, 9, 31)

out4r:
	MOVD TD, Q
	VST1 [V6.S4], (Q)
	ADD  RS, Q
	VST1 [V7.S4], (Q)
	ADD  RS, Q
	VST1 [V8.S4], (Q)
	ADD  RS, Q
	VST1 [V9.S4], (Q)
	ADD  $16, PP
	ADD  CS, TD
	SUBS $1, CNT
	BNE  out4col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	CBZ  BIAS, out4next
	ADD  $16, BIAS

out4next:
	SUBS $4, N
	BGT  out4lanes

out4done:
	RET

// func WinoOutput3NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput3NEON(SB), NOSPLIT, $0-72
	LOADOUT
	FMOVS $2.0, F13
	VDUP  V13.S[0], V13.S4
	FMOVS $4.0, F14
	VDUP  V14.S[0], V14.S4
	CMP   $0, N
	BLE   out3done

out3lanes:
	CBZ  BIAS, out3nobias
	VLD1 (BIAS), [V20.S4]

out3nobias:
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $5, CNT

out3row:
	VLD1 (Q), [V0.S4]
	ADD  SS, Q
	VLD1 (Q), [V1.S4]
	ADD  SS, Q
	VLD1 (Q), [V2.S4]
	ADD  SS, Q
	VLD1 (Q), [V3.S4]
	ADD  SS, Q
	VLD1 (Q), [V4.S4]
	ADD  SS, Q
	OUT3
	VST1.P [V6.S4, V7.S4, V8.S4], 48(TD)
	SUBS $1, CNT
	BNE  out3row

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $3, CNT

out3col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $48, Q
	VLD1 (Q), [V1.S4]
	ADD  $48, Q
	VLD1 (Q), [V2.S4]
	ADD  $48, Q
	VLD1 (Q), [V3.S4]
	ADD  $48, Q
	VLD1 (Q), [V4.S4]
	OUT3
	CBZ  BIAS, out3b
	FADD_4S(6, 6, 20)
	FADD_4S(7, 7, 20)
	FADD_4S(8, 8, 20)

out3b:
	TBZ  $0, FL, out3a
	MOVD TD, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(6, 21, 6)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(7, 21, 7)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(8, 21, 8)

out3a:
	TBZ  $1, FL, out3r
	FMAXNM_4S(6, 6, 31)
	FMAXNM_4S(7, 7, 31)
	FMAXNM_4S(8, 8, 31)

out3r:
	MOVD TD, Q
	VST1 [V6.S4], (Q)
	ADD  RS, Q
	VST1 [V7.S4], (Q)
	ADD  RS, Q
	VST1 [V8.S4], (Q)
	ADD  $16, PP
	ADD  CS, TD
	SUBS $1, CNT
	BNE  out3col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	CBZ  BIAS, out3next
	ADD  $16, BIAS

out3next:
	SUBS $4, N
	BGT  out3lanes

out3done:
	RET

// func WinoOutput2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput2NEON(SB), NOSPLIT, $0-72
	LOADOUT
	CMP   $0, N
	BLE   out2done

out2lanes:
	CBZ  BIAS, out2nobias
	VLD1 (BIAS), [V20.S4]

out2nobias:
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $4, CNT

out2row:
	VLD1 (Q), [V0.S4]
	ADD  SS, Q
	VLD1 (Q), [V1.S4]
	ADD  SS, Q
	VLD1 (Q), [V2.S4]
	ADD  SS, Q
	VLD1 (Q), [V3.S4]
	ADD  SS, Q
	OUT2
	VST1.P [V4.S4, V5.S4], 32(TD)
	SUBS $1, CNT
	BNE  out2row

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	MOVD TBL, PP
	MOVD DST, TD
	MOVD $2, CNT

out2col:
	MOVD PP, Q
	VLD1 (Q), [V0.S4]
	ADD  $32, Q
	VLD1 (Q), [V1.S4]
	ADD  $32, Q
	VLD1 (Q), [V2.S4]
	ADD  $32, Q
	VLD1 (Q), [V3.S4]
	OUT2
	CBZ  BIAS, out2b
	FADD_4S(4, 4, 20)
	FADD_4S(5, 5, 20)

out2b:
	TBZ  $0, FL, out2a
	MOVD TD, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(4, 21, 4)
	ADD  RS, Q
	VLD1 (Q), [V21.S4]
	FADD_4S(5, 21, 5)

out2a:
	TBZ  $1, FL, out2r
	FMAXNM_4S(4, 4, 31)
	FMAXNM_4S(5, 5, 31)

out2r:
	MOVD TD, Q
	VST1 [V4.S4], (Q)
	ADD  RS, Q
	VST1 [V5.S4], (Q)
	ADD  $16, PP
	ADD  CS, TD
	SUBS $1, CNT
	BNE  out2col

	// the next 4 lanes
	ADD  $16, SRC
	ADD  $16, DST
	CBZ  BIAS, out2next
	ADD  $16, BIAS

out2next:
	SUBS $4, N
	BGT  out2lanes

out2done:
	RET
