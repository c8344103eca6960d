//go:build !purego

#include "textflag.h"

// AVX2 Winograd input transforms (see the declarations in
// winograd_amd64.go and the matrices in package kernels' winograd.go). Each
// call transforms one tile, 8 lanes (channels) at a time: the first pass
// runs the 1-D transform along the tile's rows into the caller's table,
// the second along its columns, from the table to dst. Multiply and add
// stay separate instructions (no FMA), in the generic transform's order, so
// every level gives the same bits. The lanes past the last multiple of 8
// are left to the generic code.
//
// Vector registers:
//	Y0-Y5     one row or column of the tile (inputs of a 1-D transform)
//	Y6-Y11    its outputs (F(4x4)); Y4-Y7 (F(2x2))
//	Y12       scratch
//	Y13-Y15   constants 4, 5 and 2 (F(4x4))
//
// The table between the two passes is the caller's (the tbl argument, see
// WinoTableFloats), so the functions need no frame of their own.

DATA winoIn<>+0(SB)/4, $0x40000000 // 2
DATA winoIn<>+4(SB)/4, $0x40800000 // 4
DATA winoIn<>+8(SB)/4, $0x40a00000 // 5
GLOBL winoIn<>(SB), RODATA|NOPTR, $12

// IN4: Y6-Y11 = Bᵀ (Y0-Y5) for F(4x4, 3x3), with Y13 = 4, Y14 = 5, Y15 = 2:
//	o0 = 4*d0 - 5*d2 + d4        o5 = 4*d1 - 5*d3 + d5
//	a = d4 - 4*d2, b = d3 - 4*d1: o1 = a + b, o2 = a - b
//	e = d4 - d2, f = 2*(d3 - d1): o3 = e + f, o4 = e - f
#define IN4 \
	VMULPS Y13, Y0, Y6   \
	VMULPS Y14, Y2, Y12  \
	VSUBPS Y12, Y6, Y6   \
	VADDPS Y4, Y6, Y6    \
	VMULPS Y13, Y1, Y11  \
	VMULPS Y14, Y3, Y12  \
	VSUBPS Y12, Y11, Y11 \
	VADDPS Y5, Y11, Y11  \
	VMULPS Y13, Y2, Y12  \
	VSUBPS Y12, Y4, Y12  \
	VMULPS Y13, Y1, Y7   \
	VSUBPS Y7, Y3, Y7    \
	VSUBPS Y7, Y12, Y8   \
	VADDPS Y7, Y12, Y7   \
	VSUBPS Y2, Y4, Y12   \
	VSUBPS Y1, Y3, Y9    \
	VMULPS Y15, Y9, Y9   \
	VSUBPS Y9, Y12, Y10  \
	VADDPS Y9, Y12, Y9

// IN2: Y4-Y7 = Bᵀ (Y0-Y3) for F(2x2, 3x3):
//	o0 = d0 - d2, o1 = d1 + d2, o2 = d2 - d1, o3 = d1 - d3
#define IN2 \
	VSUBPS Y2, Y0, Y4 \
	VADDPS Y2, Y1, Y5 \
	VSUBPS Y1, Y2, Y6 \
	VSUBPS Y3, Y1, Y7

#define DST  DI  // &dst[0][c]
#define TBL  R14 // the caller's table between the two passes
#define DS   R8  // dstStride, bytes
#define SRC  SI  // &src[0][0][c]
#define RS   R9  // rowStride, bytes
#define CS   R10 // colStride, bytes
#define CS3  R11 // 3*colStride
#define X5   R12 // 5*colStride (F(4x4)); 4*dstStride (F(2x2))
#define X6   R13 // 6*dstStride (F(4x4)); 12*dstStride (F(2x2))
#define N    CX  // lanes left
#define P    AX  // &src[row][0][c], or &dst[column][c]
#define Q    DX

// LOADIN reads the arguments of an input transform, strides in bytes.
#define LOADIN \
	MOVQ dst+0(FP), DST          \
	MOVQ dstStride+8(FP), DS     \
	SHLQ $2, DS                  \
	MOVQ src+16(FP), SRC         \
	MOVQ rowStride+24(FP), RS    \
	SHLQ $2, RS                  \
	MOVQ colStride+32(FP), CS    \
	SHLQ $2, CS                  \
	MOVQ n+40(FP), N             \
	MOVQ tbl+48(FP), TBL         \
	LEAQ (CS)(CS*2), CS3

// LOADROW5 loads the first five pixels of the tile row at P into Y0-Y4,
// and LOADCOL5 the five vectors of column off of a 5x5 table into Y0-Y4.
#define LOADROW5 \
	VMOVUPS (P), Y0        \
	VMOVUPS (P)(CS*1), Y1  \
	VMOVUPS (P)(CS*2), Y2  \
	VMOVUPS (P)(CS3*1), Y3 \
	VMOVUPS (P)(CS*4), Y4

#define LOADCOL5(off) \
	VMOVUPS off(TBL), Y0     \
	VMOVUPS off+160(TBL), Y1 \
	VMOVUPS off+320(TBL), Y2 \
	VMOVUPS off+480(TBL), Y3 \
	VMOVUPS off+640(TBL), Y4

// IN4ROW transforms the tile row at P into table row off (6 vectors) and
// moves P to the next row.
#define IN4ROW(off) \
	LOADROW5                 \
	VMOVUPS (P)(X5*1), Y5    \
	IN4                      \
	VMOVUPS Y6, off(TBL)      \
	VMOVUPS Y7, off+32(TBL)   \
	VMOVUPS Y8, off+64(TBL)   \
	VMOVUPS Y9, off+96(TBL)   \
	VMOVUPS Y10, off+128(TBL) \
	VMOVUPS Y11, off+160(TBL) \
	ADDQ    RS, P

// IN4COL transforms table column off into dst[r*6+k] for r < 6, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN4COL(off) \
	VMOVUPS off(TBL), Y0     \
	VMOVUPS off+192(TBL), Y1 \
	VMOVUPS off+384(TBL), Y2 \
	VMOVUPS off+576(TBL), Y3 \
	VMOVUPS off+768(TBL), Y4 \
	VMOVUPS off+960(TBL), Y5 \
	IN4                     \
	MOVQ    P, Q            \
	VMOVUPS Y6, (Q)         \
	VMOVUPS Y7, (Q)(X6*1)   \
	LEAQ    (Q)(X6*2), Q    \
	VMOVUPS Y8, (Q)         \
	VMOVUPS Y9, (Q)(X6*1)   \
	LEAQ    (Q)(X6*2), Q    \
	VMOVUPS Y10, (Q)        \
	VMOVUPS Y11, (Q)(X6*1)  \
	ADDQ    DS, P

// func WinoInput4AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int)
// Requires: AVX, AVX2
TEXT ·WinoInput4AVX2(SB), NOSPLIT, $0-56
	LOADIN
	LEAQ         (CS)(CS*4), X5
	LEAQ         (DS)(DS*2), X6
	SHLQ         $1, X6
	VBROADCASTSS winoIn<>+4(SB), Y13
	VBROADCASTSS winoIn<>+8(SB), Y14
	VBROADCASTSS winoIn<>+0(SB), Y15
	TESTQ        N, N
	JLE          in4done

in4lanes:
	MOVQ SRC, P
	IN4ROW(0)
	IN4ROW(192)
	IN4ROW(384)
	IN4ROW(576)
	IN4ROW(768)
	IN4ROW(960)
	MOVQ DST, P
	IN4COL(0)
	IN4COL(32)
	IN4COL(64)
	IN4COL(96)
	IN4COL(128)
	IN4COL(160)
	ADDQ $32, SRC
	ADDQ $32, DST
	SUBQ $8, N
	JG   in4lanes

in4done:
	VZEROUPPER
	RET

// IN2ROW transforms the tile row at P into table row off (4 vectors) and
// moves P to the next row.
#define IN2ROW(off) \
	VMOVUPS (P), Y0        \
	VMOVUPS (P)(CS*1), Y1  \
	VMOVUPS (P)(CS*2), Y2  \
	VMOVUPS (P)(CS3*1), Y3 \
	IN2                    \
	VMOVUPS Y4, off(TBL)    \
	VMOVUPS Y5, off+32(TBL) \
	VMOVUPS Y6, off+64(TBL) \
	VMOVUPS Y7, off+96(TBL) \
	ADDQ    RS, P

// IN2COL transforms table column off into dst[r*4+k] for r < 4, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN2COL(off) \
	VMOVUPS off(TBL), Y0     \
	VMOVUPS off+128(TBL), Y1 \
	VMOVUPS off+256(TBL), Y2 \
	VMOVUPS off+384(TBL), Y3 \
	IN2                     \
	VMOVUPS Y4, (P)         \
	VMOVUPS Y5, (P)(X5*1)   \
	VMOVUPS Y6, (P)(X5*2)   \
	VMOVUPS Y7, (P)(X6*1)   \
	ADDQ    DS, P

// func WinoInput2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int)
// Requires: AVX, AVX2
TEXT ·WinoInput2AVX2(SB), NOSPLIT, $0-56
	LOADIN
	MOVQ  DS, X5
	SHLQ  $2, X5
	LEAQ  (X5)(X5*2), X6
	TESTQ N, N
	JLE   in2done

in2lanes:
	MOVQ SRC, P
	IN2ROW(0)
	IN2ROW(128)
	IN2ROW(256)
	IN2ROW(384)
	MOVQ DST, P
	IN2COL(0)
	IN2COL(32)
	IN2COL(64)
	IN2COL(96)
	ADDQ $32, SRC
	ADDQ $32, DST
	SUBQ $8, N
	JG   in2lanes

in2done:
	VZEROUPPER
	RET

// INS2ROW transforms the tile row at P into table row off (5 vectors) for
// F(2x2, 3x3) at stride 2 and moves P to the next row:
//	o0 = d0 - d2, o1 = d2, o2 = d4 - d2, o3 = d1, o4 = d3
#define INS2ROW(off) \
	LOADROW5                 \
	VSUBPS  Y2, Y0, Y5       \
	VSUBPS  Y2, Y4, Y7       \
	VMOVUPS Y5, off(TBL)     \
	VMOVUPS Y2, off+32(TBL)  \
	VMOVUPS Y7, off+64(TBL)  \
	VMOVUPS Y1, off+96(TBL)  \
	VMOVUPS Y3, off+128(TBL) \
	ADDQ    RS, P

// INS2STORE stores vector y at dst[q].
#define INS2STORE(y, q) \
	IMUL3Q  $q, DS, Q \
	VMOVUPS y, (DST)(Q*1)

// INS2COL transforms table column off (column k of the tile) and stores
// V[i][k] at dst[qi], qi = WinogradStride2Position(i, k).
#define INS2COL(off, q0, q1, q2, q3, q4) \
	LOADCOL5(off)            \
	VSUBPS  Y2, Y0, Y5       \
	VSUBPS  Y2, Y4, Y7       \
	INS2STORE(Y5, q0)        \
	INS2STORE(Y2, q1)        \
	INS2STORE(Y7, q2)        \
	INS2STORE(Y1, q3)        \
	INS2STORE(Y3, q4)

// func WinoInput2S2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput2S2AVX2(SB), NOSPLIT, $0-56
	LOADIN
	TESTQ N, N
	JLE   ins2done

ins2lanes:
	MOVQ SRC, P
	INS2ROW(0)
	INS2ROW(160)
	INS2ROW(320)
	INS2ROW(480)
	INS2ROW(640)
	INS2COL(0, 0, 3, 6, 15, 16)
	INS2COL(32, 1, 4, 7, 17, 18)
	INS2COL(64, 2, 5, 8, 19, 20)
	INS2COL(96, 9, 11, 13, 21, 23)
	INS2COL(128, 10, 12, 14, 22, 24)
	ADDQ $32, SRC
	ADDQ $32, DST
	SUBQ $8, N
	JG   ins2lanes

ins2done:
	VZEROUPPER
	RET

// IN3: Y5-Y9 = Bᵀ (Y0-Y4) for F(3x3, 3x3), with Y15 = 2:
//	f = d3 - d2, e = d3 - d1
//	o0 = 2*(d0 - d2) + e, o1 = f - 2*d1, o2 = f + 2*(d1 - d2), o3 = e,
//	o4 = (d4 - d2) - 2*e
#define IN3 \
	VSUBPS Y2, Y3, Y10  \
	VSUBPS Y1, Y3, Y8   \
	VSUBPS Y2, Y0, Y5   \
	VMULPS Y15, Y5, Y5  \
	VADDPS Y8, Y5, Y5   \
	VMULPS Y15, Y1, Y6  \
	VSUBPS Y6, Y10, Y6  \
	VSUBPS Y2, Y1, Y7   \
	VMULPS Y15, Y7, Y7  \
	VADDPS Y7, Y10, Y7  \
	VSUBPS Y2, Y4, Y9   \
	VMULPS Y15, Y8, Y11 \
	VSUBPS Y11, Y9, Y9

// IN3ROW transforms the tile row at P into table row off (5 vectors) and
// moves P to the next row.
#define IN3ROW(off) \
	LOADROW5                 \
	IN3                      \
	VMOVUPS Y5, off(TBL)     \
	VMOVUPS Y6, off+32(TBL)  \
	VMOVUPS Y7, off+64(TBL)  \
	VMOVUPS Y8, off+96(TBL)  \
	VMOVUPS Y9, off+128(TBL) \
	ADDQ    RS, P

// IN3COL transforms table column off into dst[r*5+k] for r < 5, P
// pointing at dst[k] (X5 = 5*dstStride), and moves P to dst[k+1].
#define IN3COL(off) \
	LOADCOL5(off)            \
	IN3                      \
	VMOVUPS Y5, (P)          \
	VMOVUPS Y6, (P)(X5*1)    \
	VMOVUPS Y7, (P)(X5*2)    \
	LEAQ    (P)(X5*2), Q     \
	VMOVUPS Y8, (Q)(X5*1)    \
	VMOVUPS Y9, (Q)(X5*2)    \
	ADDQ    DS, P

// func WinoInput3AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: AVX, AVX2
TEXT ·WinoInput3AVX2(SB), NOSPLIT, $0-56
	LOADIN
	LEAQ         (DS)(DS*4), X5
	VBROADCASTSS winoIn<>+0(SB), Y15
	TESTQ        N, N
	JLE          in3done

in3lanes:
	MOVQ SRC, P
	IN3ROW(0)
	IN3ROW(160)
	IN3ROW(320)
	IN3ROW(480)
	IN3ROW(640)
	MOVQ DST, P
	IN3COL(0)
	IN3COL(32)
	IN3COL(64)
	IN3COL(96)
	IN3COL(128)
	ADDQ $32, SRC
	ADDQ $32, DST
	SUBQ $8, N
	JG   in3lanes

in3done:
	VZEROUPPER
	RET
