//go:build !purego

#include "textflag.h"

// AVX2 Winograd output transforms with the epilogue (see the declarations
// in winograd_amd64.go and the matrices in package kernels' winograd.go).
// Each call transforms one tile, 8 lanes (channels) at a time: the first
// pass runs the 1-D transform along the rows of the t x t products into a
// caller's table, the second along its columns, adds the bias and the
// old output (accumulate), applies ReLU and stores. Multiply and add stay
// separate instructions (no FMA), in the generic transform's order, so
// every level gives the same bits. The lanes past the last multiple of 8
// are left to the generic code.
//
// Vector registers:
//	Y0-Y5     one row or column of products (inputs of a 1-D transform)
//	Y6-Y9     its outputs (F(4x4)); Y4, Y5 (F(2x2))
//	Y10-Y12   scratch; Y10 also holds the bias, then zero for ReLU
//	Y13-Y15   constants 2, 4 and 8 (F(4x4))
//
// The table between the two passes is the caller's (the tbl argument, see
// WinoTableFloats), so the functions need no frame of their own.

DATA winoOut<>+0(SB)/4, $0x40000000 // 2
DATA winoOut<>+4(SB)/4, $0x40800000 // 4
DATA winoOut<>+8(SB)/4, $0x41000000 // 8
GLOBL winoOut<>(SB), RODATA|NOPTR, $12

// OUT4: Y6-Y9 = Aᵀ (Y0-Y5) for F(4x4, 3x3), with Y13 = 2, Y14 = 4, Y15 = 8
// (Y3 is overwritten):
//	a = m1 + m2, b = m1 - m2, e = m3 + m4, f = m3 - m4
//	o0 = m0 + a + e, o1 = b + 2*f, o2 = a + 4*e, o3 = b + 8*f + m5
#define OUT4 \
	VADDPS Y2, Y1, Y10  \
	VSUBPS Y2, Y1, Y11  \
	VADDPS Y4, Y3, Y12  \
	VSUBPS Y4, Y3, Y3   \
	VADDPS Y10, Y0, Y6  \
	VADDPS Y12, Y6, Y6  \
	VMULPS Y13, Y3, Y7  \
	VADDPS Y7, Y11, Y7  \
	VMULPS Y14, Y12, Y8 \
	VADDPS Y8, Y10, Y8  \
	VMULPS Y15, Y3, Y9  \
	VADDPS Y9, Y11, Y9  \
	VADDPS Y5, Y9, Y9

// OUT2: Y4, Y5 = Aᵀ (Y0-Y3) for F(2x2, 3x3):
//	o0 = m0 + m1 + m2, o1 = m1 - m2 - m3
#define OUT2 \
	VADDPS Y1, Y0, Y4 \
	VADDPS Y2, Y4, Y4 \
	VSUBPS Y2, Y1, Y5 \
	VSUBPS Y3, Y5, Y5

#define DST  DI  // &dst[0][0][c]
#define TBL  R14 // the caller's table between the two passes
#define RS   R8  // rowStride, bytes
#define CS   R9  // colStride, bytes
#define SRC  SI  // &src[0][c]
#define SS   R10 // srcStride, bytes
#define BIAS R11 // &bias[c], or nil
#define N    CX  // lanes left
#define FL   DX  // flags: 1 accumulate, 2 ReLU
#define SS3  R12 // 3*srcStride
#define SS5  R13 // 5*srcStride
#define RS3  BX  // 3*rowStride
#define P    AX  // &src[row*t][c], or &dst[0][column][c]

// LOADOUT reads the arguments of an output transform, strides in bytes.
#define LOADOUT \
	MOVQ dst+0(FP), DST        \
	MOVQ rowStride+8(FP), RS   \
	SHLQ $2, RS                \
	MOVQ colStride+16(FP), CS  \
	SHLQ $2, CS                \
	MOVQ src+24(FP), SRC       \
	MOVQ srcStride+32(FP), SS  \
	SHLQ $2, SS                \
	MOVQ bias+40(FP), BIAS     \
	MOVQ n+48(FP), N           \
	MOVQ flags+56(FP), FL      \
	MOVQ tbl+64(FP), TBL       \
	LEAQ (SS)(SS*2), SS3       \
	LEAQ (SS)(SS*4), SS5       \
	LEAQ (RS)(RS*2), RS3

// EPI4 adds the bias to Y6-Y9 (rows 0-3 of a tile column whose top pixel
// is at P), adds dst if accumulating, applies ReLU and stores them.
#define EPI4(nobias, noacc, norelu) \
	TESTQ   BIAS, BIAS              \
	JZ      nobias                  \
	VMOVUPS (BIAS), Y10             \
	VADDPS  Y10, Y6, Y6             \
	VADDPS  Y10, Y7, Y7             \
	VADDPS  Y10, Y8, Y8             \
	VADDPS  Y10, Y9, Y9             \
nobias:                                 \
	TESTQ   $1, FL                  \
	JZ      noacc                   \
	VADDPS  (P), Y6, Y6             \
	VADDPS  (P)(RS*1), Y7, Y7       \
	VADDPS  (P)(RS*2), Y8, Y8       \
	VADDPS  (P)(RS3*1), Y9, Y9      \
noacc:                                  \
	TESTQ   $2, FL                  \
	JZ      norelu                  \
	VXORPS  Y10, Y10, Y10           \
	VMAXPS  Y10, Y6, Y6             \
	VMAXPS  Y10, Y7, Y7             \
	VMAXPS  Y10, Y8, Y8             \
	VMAXPS  Y10, Y9, Y9             \
norelu:                                 \
	VMOVUPS Y6, (P)                 \
	VMOVUPS Y7, (P)(RS*1)           \
	VMOVUPS Y8, (P)(RS*2)           \
	VMOVUPS Y9, (P)(RS3*1)

// LOADM5 loads the first five products of the row of M at P into Y0-Y4.
#define LOADM5 \
	VMOVUPS (P), Y0        \
	VMOVUPS (P)(SS*1), Y1  \
	VMOVUPS (P)(SS*2), Y2  \
	VMOVUPS (P)(SS3*1), Y3 \
	VMOVUPS (P)(SS*4), Y4

// OUT4ROW transforms row r of M (src[r*6+j], P pointing at src[r*6])
// into table row off (4 vectors) and moves P to src[(r+1)*6].
#define OUT4ROW(off) \
	LOADM5                  \
	VMOVUPS (P)(SS5*1), Y5  \
	OUT4                    \
	VMOVUPS Y6, off(TBL)     \
	VMOVUPS Y7, off+32(TBL)  \
	VMOVUPS Y8, off+64(TBL)  \
	VMOVUPS Y9, off+96(TBL)  \
	LEAQ    (P)(SS*4), P    \
	LEAQ    (P)(SS*2), P

// OUT4COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT4COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), Y0            \
	VMOVUPS off+128(TBL), Y1        \
	VMOVUPS off+256(TBL), Y2        \
	VMOVUPS off+384(TBL), Y3        \
	VMOVUPS off+512(TBL), Y4        \
	VMOVUPS off+640(TBL), Y5        \
	OUT4                           \
	EPI4(nobias, noacc, norelu)    \
	ADDQ    CS, P

// NEXTLANES moves to the next 8 lanes and loops to lanes while any are
// left.
#define NEXTLANES(lanes, nobias) \
	ADDQ  $32, SRC   \
	ADDQ  $32, DST   \
	TESTQ BIAS, BIAS \
	JZ    nobias     \
	ADDQ  $32, BIAS  \
nobias:                  \
	SUBQ  $8, N      \
	JG    lanes

// func WinoOutput4AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·WinoOutput4AVX2(SB), NOSPLIT, $0-72
	LOADOUT
	VBROADCASTSS winoOut<>+0(SB), Y13
	VBROADCASTSS winoOut<>+4(SB), Y14
	VBROADCASTSS winoOut<>+8(SB), Y15
	TESTQ        N, N
	JLE          out4done

out4lanes:
	MOVQ SRC, P
	OUT4ROW(0)
	OUT4ROW(128)
	OUT4ROW(256)
	OUT4ROW(384)
	OUT4ROW(512)
	OUT4ROW(640)
	MOVQ DST, P
	OUT4COL(0, o4b0, o4a0, o4r0)
	OUT4COL(32, o4b1, o4a1, o4r1)
	OUT4COL(64, o4b2, o4a2, o4r2)
	OUT4COL(96, o4b3, o4a3, o4r3)
	NEXTLANES(out4lanes, o4next)

out4done:
	VZEROUPPER
	RET

// EPI2 is EPI4 for Y4 and Y5 (rows 0 and 1 of a tile column).
#define EPI2(nobias, noacc, norelu) \
	TESTQ   BIAS, BIAS              \
	JZ      nobias                  \
	VMOVUPS (BIAS), Y10             \
	VADDPS  Y10, Y4, Y4             \
	VADDPS  Y10, Y5, Y5             \
nobias:                                 \
	TESTQ   $1, FL                  \
	JZ      noacc                   \
	VADDPS  (P), Y4, Y4             \
	VADDPS  (P)(RS*1), Y5, Y5       \
noacc:                                  \
	TESTQ   $2, FL                  \
	JZ      norelu                  \
	VXORPS  Y10, Y10, Y10           \
	VMAXPS  Y10, Y4, Y4             \
	VMAXPS  Y10, Y5, Y5             \
norelu:                                 \
	VMOVUPS Y4, (P)                 \
	VMOVUPS Y5, (P)(RS*1)

// OUT2ROW transforms row r of M (src[r*4+j], P pointing at src[r*4])
// into table row off (2 vectors) and moves P to src[(r+1)*4].
#define OUT2ROW(off) \
	VMOVUPS (P), Y0        \
	VMOVUPS (P)(SS*1), Y1  \
	VMOVUPS (P)(SS*2), Y2  \
	VMOVUPS (P)(SS3*1), Y3 \
	OUT2                   \
	VMOVUPS Y4, off(TBL)    \
	VMOVUPS Y5, off+32(TBL) \
	LEAQ    (P)(SS*4), P

// OUT2COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT2COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), Y0            \
	VMOVUPS off+64(TBL), Y1         \
	VMOVUPS off+128(TBL), Y2        \
	VMOVUPS off+192(TBL), Y3        \
	OUT2                           \
	EPI2(nobias, noacc, norelu)    \
	ADDQ    CS, P

// func WinoOutput2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·WinoOutput2AVX2(SB), NOSPLIT, $0-72
	LOADOUT
	TESTQ N, N
	JLE   out2done

out2lanes:
	MOVQ SRC, P
	OUT2ROW(0)
	OUT2ROW(64)
	OUT2ROW(128)
	OUT2ROW(192)
	MOVQ DST, P
	OUT2COL(0, o2b0, o2a0, o2r0)
	OUT2COL(32, o2b1, o2a1, o2r1)
	NEXTLANES(out2lanes, o2next)

out2done:
	VZEROUPPER
	RET

// OUTS2: Y4, Y5 = Aᵀ (Y0-Y4) for F(2x2, 3x3) at stride 2 (Y4 is an input
// too, used before it is overwritten):
//	o0 = (m0 + m1) + m3, o1 = (m1 + m2) + m4
#define OUTS2 \
	VADDPS Y2, Y1, Y5 \
	VADDPS Y4, Y5, Y5 \
	VADDPS Y1, Y0, Y4 \
	VADDPS Y3, Y4, Y4

#define QS2 R12 // an offset into src (SS3 is not used at stride 2)

// OUTS2LOAD loads M at src[q] into y.
#define OUTS2LOAD(y, q) \
	IMUL3Q  $q, SS, QS2 \
	VMOVUPS (SRC)(QS2*1), y

// OUTS2ROW transforms row r of M, at src[qj] for qj =
// WinogradStride2Position(r, j), into table row off (2 vectors).
#define OUTS2ROW(off, q0, q1, q2, q3, q4) \
	OUTS2LOAD(Y0, q0)      \
	OUTS2LOAD(Y1, q1)      \
	OUTS2LOAD(Y2, q2)      \
	OUTS2LOAD(Y3, q3)      \
	OUTS2LOAD(Y4, q4)      \
	OUTS2                  \
	VMOVUPS Y4, off(TBL)   \
	VMOVUPS Y5, off+32(TBL)

// OUTS2COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUTS2COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), Y0        \
	VMOVUPS off+64(TBL), Y1     \
	VMOVUPS off+128(TBL), Y2    \
	VMOVUPS off+192(TBL), Y3    \
	VMOVUPS off+256(TBL), Y4    \
	OUTS2                       \
	EPI2(nobias, noacc, norelu) \
	ADDQ    CS, P

// func WinoOutput2S2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·WinoOutput2S2AVX2(SB), NOSPLIT, $0-72
	LOADOUT
	TESTQ N, N
	JLE   outs2done

outs2lanes:
	OUTS2ROW(0, 0, 1, 2, 9, 10)
	OUTS2ROW(64, 3, 4, 5, 11, 12)
	OUTS2ROW(128, 6, 7, 8, 13, 14)
	OUTS2ROW(192, 15, 17, 19, 21, 22)
	OUTS2ROW(256, 16, 18, 20, 23, 24)
	MOVQ DST, P
	OUTS2COL(0, os2b0, os2a0, os2r0)
	OUTS2COL(32, os2b1, os2a1, os2r1)
	NEXTLANES(outs2lanes, os2next)

outs2done:
	VZEROUPPER
	RET

// OUT3: Y6-Y8 = Aᵀ (Y0-Y4) for F(3x3, 3x3), with Y13 = 2, Y14 = 4:
//	a = m1 + m2, b = m1 - m2
//	o0 = (m0 + a) + m3, o1 = b + 2*m3, o2 = (a + 4*m3) + m4
#define OUT3 \
	VADDPS Y2, Y1, Y10 \
	VSUBPS Y2, Y1, Y11 \
	VADDPS Y10, Y0, Y6 \
	VADDPS Y3, Y6, Y6  \
	VMULPS Y13, Y3, Y7 \
	VADDPS Y7, Y11, Y7 \
	VMULPS Y14, Y3, Y8 \
	VADDPS Y8, Y10, Y8 \
	VADDPS Y4, Y8, Y8

// EPI3 is EPI4 for Y6-Y8 (rows 0-2 of a tile column).
#define EPI3(nobias, noacc, norelu) \
	TESTQ   BIAS, BIAS              \
	JZ      nobias                  \
	VMOVUPS (BIAS), Y10             \
	VADDPS  Y10, Y6, Y6             \
	VADDPS  Y10, Y7, Y7             \
	VADDPS  Y10, Y8, Y8             \
nobias:                                 \
	TESTQ   $1, FL                  \
	JZ      noacc                   \
	VADDPS  (P), Y6, Y6             \
	VADDPS  (P)(RS*1), Y7, Y7       \
	VADDPS  (P)(RS*2), Y8, Y8       \
noacc:                                  \
	TESTQ   $2, FL                  \
	JZ      norelu                  \
	VXORPS  Y10, Y10, Y10           \
	VMAXPS  Y10, Y6, Y6             \
	VMAXPS  Y10, Y7, Y7             \
	VMAXPS  Y10, Y8, Y8             \
norelu:                                 \
	VMOVUPS Y6, (P)                 \
	VMOVUPS Y7, (P)(RS*1)           \
	VMOVUPS Y8, (P)(RS*2)

// OUT3ROW transforms row r of M (src[r*5+j], P pointing at src[r*5])
// into table row off (3 vectors) and moves P to src[(r+1)*5].
#define OUT3ROW(off) \
	LOADM5                  \
	OUT3                    \
	VMOVUPS Y6, off(TBL)    \
	VMOVUPS Y7, off+32(TBL) \
	VMOVUPS Y8, off+64(TBL) \
	LEAQ    (P)(SS5*1), P

// OUT3COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT3COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), Y0        \
	VMOVUPS off+96(TBL), Y1     \
	VMOVUPS off+192(TBL), Y2    \
	VMOVUPS off+288(TBL), Y3    \
	VMOVUPS off+384(TBL), Y4    \
	OUT3                        \
	EPI3(nobias, noacc, norelu) \
	ADDQ    CS, P

// func WinoOutput3AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·WinoOutput3AVX2(SB), NOSPLIT, $0-72
	LOADOUT
	VBROADCASTSS winoOut<>+0(SB), Y13
	VBROADCASTSS winoOut<>+4(SB), Y14
	TESTQ        N, N
	JLE          out3done

out3lanes:
	MOVQ SRC, P
	OUT3ROW(0)
	OUT3ROW(96)
	OUT3ROW(192)
	OUT3ROW(288)
	OUT3ROW(384)
	MOVQ DST, P
	OUT3COL(0, o3b0, o3a0, o3r0)
	OUT3COL(32, o3b1, o3a1, o3r1)
	OUT3COL(64, o3b2, o3a2, o3r2)
	NEXTLANES(out3lanes, o3next)

out3done:
	VZEROUPPER
	RET
