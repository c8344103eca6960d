//go:build !purego

#include "textflag.h"
#include "int8_arm64.h"

// 8-bit GEMM kernels for arm64: one tile of int32 sums per call from a
// packed A tile and a packed B panel (see the declarations in
// qgemm_neon_arm64.go for the layouts), and their Direct forms, which read
// A in place: each of the tile's rows has its own pointer (R4 on, lda
// apart), and LD1 to a lane gathers a group of every row (4 bytes; 8 for
// USMMLA) into the registers the packed layout would have filled. The
// DirectFlip forms XOR every A byte with 0x80 (V29) as it arrives: A of
// the other signedness, whose zero point the caller moves by 128.
// Instructions Go's assembler lacks are WORD macros from int8_arm64.h,
// generated and checked with GNU as. All macros come before the first TEXT
// so that go vet does not read their argument offsets as a function's.

// NROW is one row (lane r of V18) of a group for the plain NEON kernel:
// SMULL multiplies the row's 4 bytes (repeated in V19) by 2 columns x 4 k
// of B, SADALP adds neighbouring int16 products into int32 lanes, leaving
// two partial sums per column in a0..a3 (columns 0-1, 2-3, 4-5, 6-7).
#define NROW(r, a0, a1, a2, a3) \
	VDUP      V18.S[r], V19.S4 \
	SMULL_8H(20, 16, 19)       \
	SMULL2_8H(21, 16, 19)      \
	SADALP_4S(a0, 20)          \
	SADALP_4S(a1, 21)          \
	SMULL_8H(20, 17, 19)       \
	SMULL2_8H(21, 17, 19)      \
	SADALP_4S(a2, 20)          \
	SADALP_4S(a3, 21)

// NSTORE folds a row's partial sums and stores its 8 columns.
#define NSTORE(a0, a1, a2, a3) \
	ADDP_4S(20, a0, a1) \
	ADDP_4S(21, a2, a3) \
	VST1.P [V20.S4, V21.S4], 32(R3)

// DROW is one row of a group for the SDOT kernel: the row's 4 bytes are
// lane l of A register ra.
#define DROW(acc0, acc1, ra, l) \
	SDOT_4S_ELEM(acc0, 24, ra, l) \
	SDOT_4S_ELEM(acc1, 25, ra, l)

// MROW is one pair of rows (A register ra) of a group for the USMMLA
// kernel, against the four column pairs of B (V20-V23).
#define MROW(acc, ra) \
	USMMLA_4S(acc, ra, 20)   \
	USMMLA_4S(acc+1, ra, 21) \
	USMMLA_4S(acc+2, ra, 22) \
	USMMLA_4S(acc+3, ra, 23)

// MSTORE stores rows 2p and 2p+1 from the four 2x2 blocks V(acc)..V(acc+3)
// (each {r0c0, r0c1, r1c0, r1c1}): ZIP1 of two blocks' 64-bit halves is a
// row's four columns, ZIP2 the next row's.
#define MSTORE(b0, b1, b2, b3) \
	VZIP1 b1.D2, b0.D2, V24.D2 \
	VZIP1 b3.D2, b2.D2, V25.D2 \
	VZIP2 b1.D2, b0.D2, V26.D2 \
	VZIP2 b3.D2, b2.D2, V27.D2 \
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R3)

// QFLIPn XORs n A registers from V(first) with V29; QNOFLIP does nothing.
#define QFLIP1(first) VEOR V29.B16, first.B16, first.B16
#define QFLIP3(r0, r1, r2) \
	VEOR V29.B16, r0.B16, r0.B16 \
	VEOR V29.B16, r1.B16, r1.B16 \
	VEOR V29.B16, r2.B16, r2.B16
#define QFLIP4(r0, r1, r2, r3) \
	QFLIP3(r0, r1, r2) \
	VEOR V29.B16, r3.B16, r3.B16
#define QNOFLIP1(first)
#define QNOFLIP3(r0, r1, r2)
#define QNOFLIP4(r0, r1, r2, r3)

// QARGS loads the arguments and the 0x80 bytes (V29).
#define QARGS \
	MOVD a+0(FP), R4 \
	MOVD lda+8(FP), R16 \
	MOVD b+16(FP), R1 \
	MOVD kg+24(FP), R2 \
	MOVD c+32(FP), R3 \
	MOVD $0x8080808080808080, R17 \
	VDUP R17, V29.D2

// ZERO16 / ZERO24 clear the accumulators V0-V15 / V0-V23.
#define ZERO16 \
	VEOR V0.B16, V0.B16, V0.B16    \
	VEOR V1.B16, V1.B16, V1.B16    \
	VEOR V2.B16, V2.B16, V2.B16    \
	VEOR V3.B16, V3.B16, V3.B16    \
	VEOR V4.B16, V4.B16, V4.B16    \
	VEOR V5.B16, V5.B16, V5.B16    \
	VEOR V6.B16, V6.B16, V6.B16    \
	VEOR V7.B16, V7.B16, V7.B16    \
	VEOR V8.B16, V8.B16, V8.B16    \
	VEOR V9.B16, V9.B16, V9.B16    \
	VEOR V10.B16, V10.B16, V10.B16 \
	VEOR V11.B16, V11.B16, V11.B16 \
	VEOR V12.B16, V12.B16, V12.B16 \
	VEOR V13.B16, V13.B16, V13.B16 \
	VEOR V14.B16, V14.B16, V14.B16 \
	VEOR V15.B16, V15.B16, V15.B16

#define ZERO24 \
	ZERO16                         \
	VEOR V16.B16, V16.B16, V16.B16 \
	VEOR V17.B16, V17.B16, V17.B16 \
	VEOR V18.B16, V18.B16, V18.B16 \
	VEOR V19.B16, V19.B16, V19.B16 \
	VEOR V20.B16, V20.B16, V20.B16 \
	VEOR V21.B16, V21.B16, V21.B16 \
	VEOR V22.B16, V22.B16, V22.B16 \
	VEOR V23.B16, V23.B16, V23.B16

// NGROUP / DGROUP / MGROUP: one k group of the plain, SDOT and USMMLA
// tiles (A and B already loaded); NSTORES / DSTORES / MSTORES store the
// tile to c (R3).
#define NGROUP \
	NROW(0, 0, 1, 2, 3)   \
	NROW(1, 4, 5, 6, 7)   \
	NROW(2, 8, 9, 10, 11) \
	NROW(3, 12, 13, 14, 15)

#define NSTORES \
	NSTORE(0, 1, 2, 3)   \
	NSTORE(4, 5, 6, 7)   \
	NSTORE(8, 9, 10, 11) \
	NSTORE(12, 13, 14, 15)

#define DGROUP \
	DROW(0, 1, 26, 0)   \
	DROW(2, 3, 26, 1)   \
	DROW(4, 5, 26, 2)   \
	DROW(6, 7, 26, 3)   \
	DROW(8, 9, 27, 0)   \
	DROW(10, 11, 27, 1) \
	DROW(12, 13, 27, 2) \
	DROW(14, 15, 27, 3) \
	DROW(16, 17, 28, 0) \
	DROW(18, 19, 28, 1) \
	DROW(20, 21, 28, 2) \
	DROW(22, 23, 28, 3)

#define DSTORES \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R3)     \
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R3)     \
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R3)   \
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R3) \
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R3) \
	VST1.P [V20.S4, V21.S4, V22.S4, V23.S4], 64(R3)

#define MGROUP \
	MROW(0, 16) \
	MROW(4, 17) \
	MROW(8, 18) \
	MROW(12, 19)

#define MSTORES \
	MSTORE(V0, V1, V2, V3)   \
	MSTORE(V4, V5, V6, V7)   \
	MSTORE(V8, V9, V10, V11) \
	MSTORE(V12, V13, V14, V15)

// QARGS4 loads the packed kernels' arguments: A (R0), B (R1), kg (R2), c (R3).
#define QARGS4 \
	MOVD a+0(FP), R0   \
	MOVD b+8(FP), R1   \
	MOVD kg+16(FP), R2 \
	MOVD c+24(FP), R3

// ROWS3 / ROWS7 / ROWS11: the Direct forms' row pointers R5.. from R4, lda
// (R16) apart.
#define ROWS3 \
	ADD R16, R4, R5 \
	ADD R16, R5, R6 \
	ADD R16, R6, R7

#define ROWS7 \
	ROWS3            \
	ADD R16, R7, R8  \
	ADD R16, R8, R9  \
	ADD R16, R9, R10 \
	ADD R16, R10, R11

#define ROWS11 \
	ROWS7              \
	ADD R16, R11, R12  \
	ADD R16, R12, R13  \
	ADD R16, R13, R14  \
	ADD R16, R14, R15

// NDIRECT: the plain NEON 4x8 tile (see QgemmNEON), A rows R4-R7.
#define NDIRECT(FLIP, lbl) \
	QARGS \
	ROWS3 \
	ZERO16 \
lbl: \
	VLD1.P 32(R1), [V16.B16, V17.B16] \
	VLD1.P 4(R4), V18.S[0] \
	VLD1.P 4(R5), V18.S[1] \
	VLD1.P 4(R6), V18.S[2] \
	VLD1.P 4(R7), V18.S[3] \
	FLIP(V18) \
	NGROUP \
	SUBS $1, R2, R2 \
	BNE  lbl \
	NSTORES \
	RET

// DDIRECT: the SDOT 12x8 tile (see QgemmNEONDot), A rows R4-R15.
#define DDIRECT(FLIP, lbl) \
	QARGS \
	ROWS11 \
	ZERO24 \
lbl: \
	VLD1.P 32(R1), [V24.B16, V25.B16] \
	VLD1.P 4(R4), V26.S[0] \
	VLD1.P 4(R5), V26.S[1] \
	VLD1.P 4(R6), V26.S[2] \
	VLD1.P 4(R7), V26.S[3] \
	VLD1.P 4(R8), V27.S[0] \
	VLD1.P 4(R9), V27.S[1] \
	VLD1.P 4(R10), V27.S[2] \
	VLD1.P 4(R11), V27.S[3] \
	VLD1.P 4(R12), V28.S[0] \
	VLD1.P 4(R13), V28.S[1] \
	VLD1.P 4(R14), V28.S[2] \
	VLD1.P 4(R15), V28.S[3] \
	FLIP(V26, V27, V28) \
	DGROUP \
	SUBS $1, R2, R2 \
	BNE  lbl \
	DSTORES \
	RET

// MDIRECT: the USMMLA 8x8 tile (see QgemmNEONMM), A rows R4-R11, 8 bytes
// per row and group, row 2p in the low half of V16+p, row 2p+1 the high.
#define MDIRECT(FLIP, lbl) \
	QARGS \
	ROWS7 \
	ZERO16 \
lbl: \
	VLD1.P 8(R4), V16.D[0] \
	VLD1.P 8(R5), V16.D[1] \
	VLD1.P 8(R6), V17.D[0] \
	VLD1.P 8(R7), V17.D[1] \
	VLD1.P 8(R8), V18.D[0] \
	VLD1.P 8(R9), V18.D[1] \
	VLD1.P 8(R10), V19.D[0] \
	VLD1.P 8(R11), V19.D[1] \
	FLIP(V16, V17, V18, V19) \
	VLD1.P 64(R1), [V20.B16, V21.B16, V22.B16, V23.B16] \
	MGROUP \
	SUBS $1, R2, R2 \
	BNE  lbl \
	MSTORES \
	RET

// A 4x8 tile, int8 x int8: V0-V15 accumulate (row r in V4r..V4r+3),
// V16-V17 hold a B group (8 columns x 4 k), V18 an A group (4 rows x 4 k).
// int8 products fit int16 (|p| <= 16384), so SADALP's pairs are exact.
//
// func QgemmNEON(a *byte, b *int8, kg int, c *int32)
// Requires: ASIMD
TEXT ·QgemmNEON(SB), NOSPLIT, $0-32
	QARGS4
	ZERO16

nloop:
	VLD1.P 32(R1), [V16.B16, V17.B16]
	VLD1.P 16(R0), [V18.B16]
	NGROUP
	SUBS $1, R2, R2
	BNE  nloop

	NSTORES
	RET

// A 12x8 tile, int8 x int8 with SDOT by element: V0-V23 accumulate (row r
// in V2r, V2r+1: columns 0-3, 4-7), V24-V25 hold a B group (8 columns x 4
// k), V26-V28 an A group (12 rows x 4 k).
//
// func QgemmNEONDot(a *byte, b *int8, kg int, c *int32)
// Requires: ASIMD, ASIMDDP
TEXT ·QgemmNEONDot(SB), NOSPLIT, $0-32
	QARGS4
	ZERO24

dloop:
	VLD1.P 32(R1), [V24.B16, V25.B16]
	VLD1.P 48(R0), [V26.B16, V27.B16, V28.B16]
	DGROUP
	SUBS $1, R2, R2
	BNE  dloop

	DSTORES
	RET

// An 8x8 tile, uint8 A x int8 B with USMMLA (groups of 8 k): V0-V15 hold
// the 2x2 blocks (row pair p, column pair c in V4p+c), V16-V19 an A group
// (4 row pairs x 8 k), V20-V23 a B group (4 column pairs x 8 k).
//
// func QgemmNEONMM(a *byte, b *int8, kg int, c *int32)
// Requires: ASIMD, I8MM
TEXT ·QgemmNEONMM(SB), NOSPLIT, $0-32
	QARGS4
	ZERO16

mloop:
	VLD1.P 64(R0), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R1), [V20.B16, V21.B16, V22.B16, V23.B16]
	MGROUP
	SUBS $1, R2, R2
	BNE  mloop

	MSTORES
	RET

// func QgemmNEONDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD
TEXT ·QgemmNEONDirect(SB), NOSPLIT, $0-40
	NDIRECT(QNOFLIP1, ndloop)

// func QgemmNEONDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD
TEXT ·QgemmNEONDirectFlip(SB), NOSPLIT, $0-40
	NDIRECT(QFLIP1, nxloop)

// func QgemmNEONDotDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD, ASIMDDP
TEXT ·QgemmNEONDotDirect(SB), NOSPLIT, $0-40
	DDIRECT(QNOFLIP3, ddloop)

// func QgemmNEONDotDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD, ASIMDDP
TEXT ·QgemmNEONDotDirectFlip(SB), NOSPLIT, $0-40
	DDIRECT(QFLIP3, dxloop)

// func QgemmNEONMMDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD, I8MM
TEXT ·QgemmNEONMMDirect(SB), NOSPLIT, $0-40
	MDIRECT(QNOFLIP4, mdloop)

// func QgemmNEONMMDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: ASIMD, I8MM
TEXT ·QgemmNEONMMDirectFlip(SB), NOSPLIT, $0-40
	MDIRECT(QFLIP4, mxloop)
