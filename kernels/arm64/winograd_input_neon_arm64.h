// NEON Winograd input transforms (see the declarations in
// winograd_neon_arm64.go and the matrices in package kernels' winograd.go):
// the register map, the argument loads and the 1-D transforms that
// winograd_input_neon_arm64.s and winograd_input_s2_neon_arm64.s share.
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

#include "winograd_neon_arm64.h"

// NEXTIN: the next 4 lanes, back to lanes while any are left.
#define NEXTIN(lanes) \
	ADD  $16, SRC \
	ADD  $16, DST \
	SUBS $4, N    \
	BGT  lanes

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

// INS2: Bᵀ (V0-V4) for F(2x2, 3x3) at stride 2, in V5, V2, V7, V1, V3:
//	o0 = d0 - d2, o1 = d2, o2 = d4 - d2, o3 = d1, o4 = d3
#define INS2 \
	FSUB_4S(5, 0, 2) \
	FSUB_4S(7, 4, 2)

// INS2COL: column k of the stride-2 table (off = 16*k bytes in) through
// INS2 to dst at positions p0-p4 (WinogradStride2Position(i, k), i = 0-4).
#define INS2COL(off, p0, p1, p2, p3, p4) \
	ADD  $off, TBL, Q              \
	LD5($80, 0, 1, 2, 3, 4)        \
	INS2                           \
	STAT(DST, DS, p0, 5)           \
	STAT(DST, DS, p1, 2)           \
	STAT(DST, DS, p2, 7)           \
	STAT(DST, DS, p3, 1)           \
	STAT(DST, DS, p4, 3)
