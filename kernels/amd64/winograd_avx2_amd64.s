//go:build !purego

#include "textflag.h"

// AVX2 Winograd tile transforms (see the declarations in winograd_amd64.go
// and the matrices in package kernels' winograd.go). Each call transforms
// one tile, 8 lanes (channels) at a time: the first pass runs the 1-D
// transform along the tile's rows into a table on the stack, the second
// along its columns, from the table to dst. Multiply and add stay separate
// instructions (no FMA), in the generic transform's order, so every level
// gives the same bits. The lanes past the last multiple of 8 are left to
// the generic code.
//
// Vector registers:
//	Y0-Y5     one row or column of the tile (inputs of a 1-D transform)
//	Y6-Y11    its outputs
//	Y10-Y12   scratch (output transforms: Y10 also bias, then zero)
//	Y13-Y15   constants: 4, 5, 2 (input, F(4x4)); 2, 4, 8 (output, F(4x4))
//
// The table is at the bottom of the frame: 0(SP) is the hardware stack
// pointer.

DATA winoConst<>+0(SB)/4, $0x40000000  // 2
DATA winoConst<>+4(SB)/4, $0x40800000  // 4
DATA winoConst<>+8(SB)/4, $0x40a00000  // 5
DATA winoConst<>+12(SB)/4, $0x41000000 // 8
GLOBL winoConst<>(SB), RODATA|NOPTR, $16

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

// IN2: Y4-Y7 = Bᵀ (Y0-Y3) for F(2x2, 3x3):
//	o0 = d0 - d2, o1 = d1 + d2, o2 = d2 - d1, o3 = d1 - d3
#define IN2 \
	VSUBPS Y2, Y0, Y4 \
	VADDPS Y2, Y1, Y5 \
	VSUBPS Y1, Y2, Y6 \
	VSUBPS Y3, Y1, Y7

// OUT2: Y4, Y5 = Aᵀ (Y0-Y3) for F(2x2, 3x3):
//	o0 = m0 + m1 + m2, o1 = m1 - m2 - m3
#define OUT2 \
	VADDPS Y1, Y0, Y4 \
	VADDPS Y2, Y4, Y4 \
	VSUBPS Y2, Y1, Y5 \
	VSUBPS Y3, Y5, Y5

// ---------------------------------------------------------------------
// Input transforms.

#define DST  DI  // &dst[0][c]
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
	LEAQ (CS)(CS*2), CS3

// IN4ROW transforms the tile row at P into table row off (6 vectors) and
// moves P to the next row.
#define IN4ROW(off) \
	VMOVUPS (P), Y0          \
	VMOVUPS (P)(CS*1), Y1    \
	VMOVUPS (P)(CS*2), Y2    \
	VMOVUPS (P)(CS3*1), Y3   \
	VMOVUPS (P)(CS*4), Y4    \
	VMOVUPS (P)(X5*1), Y5    \
	IN4                      \
	VMOVUPS Y6, off(SP)      \
	VMOVUPS Y7, off+32(SP)   \
	VMOVUPS Y8, off+64(SP)   \
	VMOVUPS Y9, off+96(SP)   \
	VMOVUPS Y10, off+128(SP) \
	VMOVUPS Y11, off+160(SP) \
	ADDQ    RS, P

// IN4COL transforms table column off into dst[r*6+k] for r < 6, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN4COL(off) \
	VMOVUPS off(SP), Y0     \
	VMOVUPS off+192(SP), Y1 \
	VMOVUPS off+384(SP), Y2 \
	VMOVUPS off+576(SP), Y3 \
	VMOVUPS off+768(SP), Y4 \
	VMOVUPS off+960(SP), Y5 \
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
TEXT ·WinoInput4AVX2(SB), 0, $1152-48
	LOADIN
	LEAQ         (CS)(CS*4), X5
	LEAQ         (DS)(DS*2), X6
	SHLQ         $1, X6
	VBROADCASTSS winoConst<>+4(SB), Y13
	VBROADCASTSS winoConst<>+8(SB), Y14
	VBROADCASTSS winoConst<>+0(SB), Y15
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
	VMOVUPS Y4, off(SP)    \
	VMOVUPS Y5, off+32(SP) \
	VMOVUPS Y6, off+64(SP) \
	VMOVUPS Y7, off+96(SP) \
	ADDQ    RS, P

// IN2COL transforms table column off into dst[r*4+k] for r < 4, P
// pointing at dst[k], and moves P to dst[k+1].
#define IN2COL(off) \
	VMOVUPS off(SP), Y0     \
	VMOVUPS off+128(SP), Y1 \
	VMOVUPS off+256(SP), Y2 \
	VMOVUPS off+384(SP), Y3 \
	IN2                     \
	VMOVUPS Y4, (P)         \
	VMOVUPS Y5, (P)(X5*1)   \
	VMOVUPS Y6, (P)(X5*2)   \
	VMOVUPS Y7, (P)(X6*1)   \
	ADDQ    DS, P

// func WinoInput2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int)
// Requires: AVX, AVX2
TEXT ·WinoInput2AVX2(SB), 0, $512-48
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

#undef DST
#undef DS
#undef SRC
#undef RS
#undef CS
#undef CS3
#undef X5
#undef X6
#undef N
#undef P
#undef Q

// ---------------------------------------------------------------------
// Output transforms.

#define DST  DI  // &dst[0][0][c]
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

// OUT4ROW transforms row r of M (src[r*6+j], P pointing at src[r*6])
// into table row off (4 vectors) and moves P to src[(r+1)*6].
#define OUT4ROW(off) \
	VMOVUPS (P), Y0         \
	VMOVUPS (P)(SS*1), Y1   \
	VMOVUPS (P)(SS*2), Y2   \
	VMOVUPS (P)(SS3*1), Y3  \
	VMOVUPS (P)(SS*4), Y4   \
	VMOVUPS (P)(SS5*1), Y5  \
	OUT4                    \
	VMOVUPS Y6, off(SP)     \
	VMOVUPS Y7, off+32(SP)  \
	VMOVUPS Y8, off+64(SP)  \
	VMOVUPS Y9, off+96(SP)  \
	LEAQ    (P)(SS*4), P    \
	LEAQ    (P)(SS*2), P

// OUT4COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT4COL(off, nobias, noacc, norelu) \
	VMOVUPS off(SP), Y0            \
	VMOVUPS off+128(SP), Y1        \
	VMOVUPS off+256(SP), Y2        \
	VMOVUPS off+384(SP), Y3        \
	VMOVUPS off+512(SP), Y4        \
	VMOVUPS off+640(SP), Y5        \
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
TEXT ·WinoOutput4AVX2(SB), 0, $768-64
	LOADOUT
	VBROADCASTSS winoConst<>+0(SB), Y13
	VBROADCASTSS winoConst<>+4(SB), Y14
	VBROADCASTSS winoConst<>+12(SB), Y15
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
	VMOVUPS Y4, off(SP)    \
	VMOVUPS Y5, off+32(SP) \
	LEAQ    (P)(SS*4), P

// OUT2COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT2COL(off, nobias, noacc, norelu) \
	VMOVUPS off(SP), Y0            \
	VMOVUPS off+64(SP), Y1         \
	VMOVUPS off+128(SP), Y2        \
	VMOVUPS off+192(SP), Y3        \
	OUT2                           \
	EPI2(nobias, noacc, norelu)    \
	ADDQ    CS, P

// func WinoOutput2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·WinoOutput2AVX2(SB), 0, $256-64
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
