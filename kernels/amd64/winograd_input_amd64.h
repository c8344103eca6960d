// Winograd input transforms, the bodies shared by the AVX2 and AVX-512
// levels (see the declarations in winograd_amd64.go and the matrices in
// package kernels' winograd.go). The including file defines the vector
// width (see vec_ymm_amd64.h, vec_zmm_amd64.h): V0-V15, VB bytes or LANES
// floats per vector, VZERO(v). Each call transforms one tile, LANES lanes
// (channels) at a time: the first pass
// runs the 1-D transform along the tile's rows into the caller's table,
// the second along its columns, from the table to dst. Multiply and add
// stay separate instructions (no FMA), in the generic transform's order, so
// every level gives the same bits. n is a multiple of LANES; the caller
// leaves the other lanes to a narrower level or the generic code.
//
// Vector registers:
//	V0-V5     one row or column of the tile (inputs of a 1-D transform;
//	          V0-V3 for F(2x2), V0-V4 for F(3x3) and stride 2)
//	V6-V11    its outputs for F(4x4); V4-V7 for F(2x2); V5-V9 for F(3x3)
//	          (V10, V11 scratch); V5, V7 for stride 2 (with V1-V3 as they
//	          are: that transform only adds and subtracts)
//	V12       scratch (F(4x4))
//	V13-V15   constants 4, 5 and 2 (F(4x4)); V15 = 2 (F(3x3))
//
// The table between the two passes is the caller's (the tbl argument, see
// WinoTableFloats), so the functions need no frame of their own.

DATA winoIn<>+0(SB)/4, $0x40000000 // 2
DATA winoIn<>+4(SB)/4, $0x40800000 // 4
DATA winoIn<>+8(SB)/4, $0x40a00000 // 5
GLOBL winoIn<>(SB), RODATA|NOPTR, $12

// IN4: V6-V11 = Bᵀ (V0-V5) for F(4x4, 3x3), with V13 = 4, V14 = 5, V15 = 2:
//	o0 = 4*d0 - 5*d2 + d4        o5 = 4*d1 - 5*d3 + d5
//	a = d4 - 4*d2, b = d3 - 4*d1: o1 = a + b, o2 = a - b
//	e = d4 - d2, f = 2*(d3 - d1): o3 = e + f, o4 = e - f
#define IN4 \
	VMULPS V13, V0, V6   \
	VMULPS V14, V2, V12  \
	VSUBPS V12, V6, V6   \
	VADDPS V4, V6, V6    \
	VMULPS V13, V1, V11  \
	VMULPS V14, V3, V12  \
	VSUBPS V12, V11, V11 \
	VADDPS V5, V11, V11  \
	VMULPS V13, V2, V12  \
	VSUBPS V12, V4, V12  \
	VMULPS V13, V1, V7   \
	VSUBPS V7, V3, V7    \
	VSUBPS V7, V12, V8   \
	VADDPS V7, V12, V7   \
	VSUBPS V2, V4, V12   \
	VSUBPS V1, V3, V9    \
	VMULPS V15, V9, V9   \
	VSUBPS V9, V12, V10  \
	VADDPS V9, V12, V9

// IN2: V4-V7 = Bᵀ (V0-V3) for F(2x2, 3x3):
//	o0 = d0 - d2, o1 = d1 + d2, o2 = d2 - d1, o3 = d1 - d3
#define IN2 \
	VSUBPS V2, V0, V4 \
	VADDPS V2, V1, V5 \
	VSUBPS V1, V2, V6 \
	VSUBPS V3, V1, V7

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

// LOADROW5 loads the first five pixels of the tile row at P into V0-V4,
// and LOADCOL5 the five vectors of column off of a 5x5 table into V0-V4.
#define LOADROW5 \
	VMOVUPS (P), V0        \
	VMOVUPS (P)(CS*1), V1  \
	VMOVUPS (P)(CS*2), V2  \
	VMOVUPS (P)(CS3*1), V3 \
	VMOVUPS (P)(CS*4), V4

#define LOADCOL5(off) \
	VMOVUPS off(TBL), V0     \
	VMOVUPS off+5*VB(TBL), V1 \
	VMOVUPS off+10*VB(TBL), V2 \
	VMOVUPS off+15*VB(TBL), V3 \
	VMOVUPS off+20*VB(TBL), V4

// IN4ROW transforms the tile row at P into table row off (6 vectors) and
// moves P to the next row.
#define IN4ROW(off) \
	LOADROW5                 \
	VMOVUPS (P)(X5*1), V5    \
	IN4                      \
	VMOVUPS V6, off(TBL)      \
	VMOVUPS V7, off+1*VB(TBL)   \
	VMOVUPS V8, off+2*VB(TBL)   \
	VMOVUPS V9, off+3*VB(TBL)   \
	VMOVUPS V10, off+4*VB(TBL) \
	VMOVUPS V11, off+5*VB(TBL) \
	ADDQ    RS, P

// IN4COL transforms table column off into dst[r*6+k] for r < 6, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN4COL(off) \
	VMOVUPS off(TBL), V0     \
	VMOVUPS off+6*VB(TBL), V1 \
	VMOVUPS off+12*VB(TBL), V2 \
	VMOVUPS off+18*VB(TBL), V3 \
	VMOVUPS off+24*VB(TBL), V4 \
	VMOVUPS off+30*VB(TBL), V5 \
	IN4                     \
	MOVQ    P, Q            \
	VMOVUPS V6, (Q)         \
	VMOVUPS V7, (Q)(X6*1)   \
	LEAQ    (Q)(X6*2), Q    \
	VMOVUPS V8, (Q)         \
	VMOVUPS V9, (Q)(X6*1)   \
	LEAQ    (Q)(X6*2), Q    \
	VMOVUPS V10, (Q)        \
	VMOVUPS V11, (Q)(X6*1)  \
	ADDQ    DS, P

// WINOINPUT4BODY is the body of WinoInput4<level>, jumping to
// in4done when done.
#define WINOINPUT4BODY \
	LOADIN \
	LEAQ         (CS)(CS*4), X5 \
	LEAQ         (DS)(DS*2), X6 \
	SHLQ         $1, X6 \
	VBROADCASTSS winoIn<>+4(SB), V13 \
	VBROADCASTSS winoIn<>+8(SB), V14 \
	VBROADCASTSS winoIn<>+0(SB), V15 \
	TESTQ        N, N \
	JLE          in4done \
in4lanes: \
	MOVQ SRC, P \
	IN4ROW(0) \
	IN4ROW(6*VB) \
	IN4ROW(12*VB) \
	IN4ROW(18*VB) \
	IN4ROW(24*VB) \
	IN4ROW(30*VB) \
	MOVQ DST, P \
	IN4COL(0) \
	IN4COL(1*VB) \
	IN4COL(2*VB) \
	IN4COL(3*VB) \
	IN4COL(4*VB) \
	IN4COL(5*VB) \
	ADDQ $VB, SRC \
	ADDQ $VB, DST \
	SUBQ $LANES, N \
	JG   in4lanes

// IN2ROW transforms the tile row at P into table row off (4 vectors) and
// moves P to the next row.
#define IN2ROW(off) \
	VMOVUPS (P), V0        \
	VMOVUPS (P)(CS*1), V1  \
	VMOVUPS (P)(CS*2), V2  \
	VMOVUPS (P)(CS3*1), V3 \
	IN2                    \
	VMOVUPS V4, off(TBL)    \
	VMOVUPS V5, off+1*VB(TBL) \
	VMOVUPS V6, off+2*VB(TBL) \
	VMOVUPS V7, off+3*VB(TBL) \
	ADDQ    RS, P

// IN2COL transforms table column off into dst[r*4+k] for r < 4, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN2COL(off) \
	VMOVUPS off(TBL), V0     \
	VMOVUPS off+4*VB(TBL), V1 \
	VMOVUPS off+8*VB(TBL), V2 \
	VMOVUPS off+12*VB(TBL), V3 \
	IN2                     \
	VMOVUPS V4, (P)         \
	VMOVUPS V5, (P)(X5*1)   \
	VMOVUPS V6, (P)(X5*2)   \
	VMOVUPS V7, (P)(X6*1)   \
	ADDQ    DS, P

// WINOINPUT2BODY is the body of WinoInput2<level>, jumping to
// in2done when done.
#define WINOINPUT2BODY \
	LOADIN \
	MOVQ  DS, X5 \
	SHLQ  $2, X5 \
	LEAQ  (X5)(X5*2), X6 \
	TESTQ N, N \
	JLE   in2done \
in2lanes: \
	MOVQ SRC, P \
	IN2ROW(0) \
	IN2ROW(4*VB) \
	IN2ROW(8*VB) \
	IN2ROW(12*VB) \
	MOVQ DST, P \
	IN2COL(0) \
	IN2COL(1*VB) \
	IN2COL(2*VB) \
	IN2COL(3*VB) \
	ADDQ $VB, SRC \
	ADDQ $VB, DST \
	SUBQ $LANES, N \
	JG   in2lanes

// INS2ROW transforms the tile row at P into table row off (5 vectors) for
// F(2x2, 3x3) at stride 2 and moves P to the next row:
//	o0 = d0 - d2, o1 = d2, o2 = d4 - d2, o3 = d1, o4 = d3
#define INS2ROW(off) \
	LOADROW5                 \
	VSUBPS  V2, V0, V5       \
	VSUBPS  V2, V4, V7       \
	VMOVUPS V5, off(TBL)     \
	VMOVUPS V2, off+1*VB(TBL)  \
	VMOVUPS V7, off+2*VB(TBL)  \
	VMOVUPS V1, off+3*VB(TBL)  \
	VMOVUPS V3, off+4*VB(TBL) \
	ADDQ    RS, P

// INS2STORE stores vector y at dst[q].
#define INS2STORE(y, q) \
	IMUL3Q  $q, DS, Q \
	VMOVUPS y, (DST)(Q*1)

// INS2COL transforms table column off (column k of the tile) and stores
// V[i][k] at dst[qi], qi = WinogradStride2Position(i, k).
#define INS2COL(off, q0, q1, q2, q3, q4) \
	LOADCOL5(off)            \
	VSUBPS  V2, V0, V5       \
	VSUBPS  V2, V4, V7       \
	INS2STORE(V5, q0)        \
	INS2STORE(V2, q1)        \
	INS2STORE(V7, q2)        \
	INS2STORE(V1, q3)        \
	INS2STORE(V3, q4)

// WINOINPUT2S2BODY is the body of WinoInput2S2<level>, jumping to
// ins2done when done.
#define WINOINPUT2S2BODY \
	LOADIN \
	TESTQ N, N \
	JLE   ins2done \
ins2lanes: \
	MOVQ SRC, P \
	INS2ROW(0) \
	INS2ROW(5*VB) \
	INS2ROW(10*VB) \
	INS2ROW(15*VB) \
	INS2ROW(20*VB) \
	INS2COL(0, 0, 3, 6, 15, 16) \
	INS2COL(1*VB, 1, 4, 7, 17, 18) \
	INS2COL(2*VB, 2, 5, 8, 19, 20) \
	INS2COL(3*VB, 9, 11, 13, 21, 23) \
	INS2COL(4*VB, 10, 12, 14, 22, 24) \
	ADDQ $VB, SRC \
	ADDQ $VB, DST \
	SUBQ $LANES, N \
	JG   ins2lanes

// IN3: V5-V9 = Bᵀ (V0-V4) for F(3x3, 3x3), with V15 = 2:
//	f = d3 - d2, e = d3 - d1
//	o0 = 2*(d0 - d2) + e, o1 = f - 2*d1, o2 = f + 2*(d1 - d2), o3 = e,
//	o4 = (d4 - d2) - 2*e
#define IN3 \
	VSUBPS V2, V3, V10  \
	VSUBPS V1, V3, V8   \
	VSUBPS V2, V0, V5   \
	VMULPS V15, V5, V5  \
	VADDPS V8, V5, V5   \
	VMULPS V15, V1, V6  \
	VSUBPS V6, V10, V6  \
	VSUBPS V2, V1, V7   \
	VMULPS V15, V7, V7  \
	VADDPS V7, V10, V7  \
	VSUBPS V2, V4, V9   \
	VMULPS V15, V8, V11 \
	VSUBPS V11, V9, V9

// IN3ROW transforms the tile row at P into table row off (5 vectors) and
// moves P to the next row.
#define IN3ROW(off) \
	LOADROW5                 \
	IN3                      \
	VMOVUPS V5, off(TBL)     \
	VMOVUPS V6, off+1*VB(TBL)  \
	VMOVUPS V7, off+2*VB(TBL)  \
	VMOVUPS V8, off+3*VB(TBL)  \
	VMOVUPS V9, off+4*VB(TBL) \
	ADDQ    RS, P

// IN3COL transforms table column off into dst[r*5+k] for r < 5, P
// pointing at dst[k] (X5 = 5*dstStride), and moves P to dst[k+1].
#define IN3COL(off) \
	LOADCOL5(off)            \
	IN3                      \
	VMOVUPS V5, (P)          \
	VMOVUPS V6, (P)(X5*1)    \
	VMOVUPS V7, (P)(X5*2)    \
	LEAQ    (P)(X5*2), Q     \
	VMOVUPS V8, (Q)(X5*1)    \
	VMOVUPS V9, (Q)(X5*2)    \
	ADDQ    DS, P

// WINOINPUT3BODY is the body of WinoInput3<level>, jumping to
// in3done when done.
#define WINOINPUT3BODY \
	LOADIN \
	LEAQ         (DS)(DS*4), X5 \
	VBROADCASTSS winoIn<>+0(SB), V15 \
	TESTQ        N, N \
	JLE          in3done \
in3lanes: \
	MOVQ SRC, P \
	IN3ROW(0) \
	IN3ROW(5*VB) \
	IN3ROW(10*VB) \
	IN3ROW(15*VB) \
	IN3ROW(20*VB) \
	MOVQ DST, P \
	IN3COL(0) \
	IN3COL(1*VB) \
	IN3COL(2*VB) \
	IN3COL(3*VB) \
	IN3COL(4*VB) \
	ADDQ $VB, SRC \
	ADDQ $VB, DST \
	SUBQ $LANES, N \
	JG   in3lanes
