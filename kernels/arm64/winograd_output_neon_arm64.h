// NEON Winograd output transforms with the epilogue (see the declarations
// in winograd_neon_arm64.go and the matrices in package kernels'
// winograd.go): the register map, the argument loads, the 1-D transforms
// and the epilogue that winograd_output_neon_arm64.s and
// winograd_output_s2_neon_arm64.s share. Each call transforms one tile, 4 lanes (channels) at a time: the first pass runs the 1-D transform along the rows of the t x t
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

#include "winograd_neon_arm64.h"

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

// OUTS2: V4, V5 = Aᵀ (V0-V4) for F(2x2, 3x3) at stride 2 (V4 is an input
// too, used before it is overwritten):
//	o0 = (m0 + m1) + m3, o1 = (m1 + m2) + m4
#define OUTS2 \
	FADD_4S(5, 1, 2) \
	FADD_4S(5, 5, 4) \
	FADD_4S(4, 0, 1) \
	FADD_4S(4, 4, 3)

// LDBIAS: V20 = bias[c:c+4] unless bias is nil.
#define LDBIAS(nobias)          \
	CBZ  BIAS, nobias       \
	VLD1 (BIAS), [V20.S4]   \
nobias:

// EPI is the epilogue of one column of dst: + bias, + the old output
// (accumulate), ReLU, store. REGS names the transform's output list
// (OUT4REGS and the rest below): REGS(F, G) runs step F on its first
// output and G on each next one. The labels b, a and r are the function's
// own.
#define EPI(REGS, b, a, r)                \
	CBZ  BIAS, b                      \
	REGS(EPIBIAS, EPIBIAS)            \
b:                                        \
	TBZ  $0, FL, a                    \
	MOVD TD, Q                        \
	REGS(EPIACC, EPIACCNEXT)          \
a:                                        \
	TBZ  $1, FL, r                    \
	REGS(EPIRELU, EPIRELU)            \
r:                                        \
	MOVD TD, Q                        \
	REGS(EPISTORE, EPISTORENEXT)

// The steps, on output vector v: Q walks down dst's rows, RS apart.
#define EPIBIAS(v) FADD_4S(v, v, 20)
#define EPIACC(v)          \
	VLD1 (Q), [V21.S4] \
	FADD_4S(v, 21, v)
#define EPIACCNEXT(v) \
	ADD  RS, Q    \
	EPIACC(v)
#define EPIRELU(v) FMAXNM_4S(v, v, 31)
#define EPISTORE(v) VST1 [V(v).S4], (Q)
#define EPISTORENEXT(v) \
	ADD  RS, Q      \
	EPISTORE(v)

// The output lists: V6-V9 (OUT4), V6-V8 (OUT3), V4, V5 (OUT2, OUTS2).
#define OUT4REGS(F, G) \
	F(6)           \
	G(7)           \
	G(8)           \
	G(9)

#define OUT3REGS(F, G) \
	F(6)           \
	G(7)           \
	G(8)

#define OUT2REGS(F, G) \
	F(4)           \
	G(5)

// NEXTOUT: the next 4 lanes (and bias vector), back to lanes while any are
// left; next is the function's own label.
#define NEXTOUT(next, lanes) \
	ADD  $16, SRC        \
	ADD  $16, DST        \
	CBZ  BIAS, next      \
	ADD  $16, BIAS       \
next:                        \
	SUBS $4, N           \
	BGT  lanes

// OUTS2ROW: row i of the stride-2 products, M[i][j] at
// src[WinogradStride2Position(i, j)] = src[p0-p4], through OUTS2 to the
// table's next row.
#define OUTS2ROW(p0, p1, p2, p3, p4)        \
	LDAT(SRC, SS, p0, 0)                \
	LDAT(SRC, SS, p1, 1)                \
	LDAT(SRC, SS, p2, 2)                \
	LDAT(SRC, SS, p3, 3)                \
	LDAT(SRC, SS, p4, 4)                \
	OUTS2                               \
	VST1.P [V4.S4, V5.S4], 32(TD)
