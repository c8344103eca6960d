// Winograd output transforms with the epilogue, the bodies shared by the
// AVX2 and AVX-512 levels (see the declarations in winograd_amd64.go and
// the matrices in package kernels' winograd.go). The including file
// defines the vector width (see vec_ymm_amd64.h, vec_zmm_amd64.h): V0-V15,
// VB bytes or LANES floats per vector, VZERO(v). Each call transforms one
// tile, LANES lanes (channels) at a time: the first
// pass runs the 1-D transform along the rows of the t x t products into a
// caller's table, the second along its columns, adds the bias and the
// old output (accumulate), applies ReLU and stores. Multiply and add stay
// separate instructions (no FMA), in the generic transform's order, so
// every level gives the same bits. n is a multiple of LANES; the caller
// leaves the other lanes to a narrower level or the generic code.
//
// Vector registers:
//	V0-V5     one row or column of products (inputs of a 1-D transform;
//	          V0-V3 for F(2x2), V0-V4 for F(3x3) and stride 2)
//	V6-V9     its outputs for F(4x4); V4, V5 for F(2x2) and stride 2;
//	          V6-V8 for F(3x3)
//	V10-V12   scratch; V10 also holds the bias, then zero for ReLU
//	V13-V15   constants 2, 4 and 8 (F(4x4)); V13, V14 = 2, 4 (F(3x3))
//
// The table between the two passes is the caller's (the tbl argument, see
// WinoTableFloats), so the functions need no frame of their own.

DATA winoOut<>+0(SB)/4, $0x40000000 // 2
DATA winoOut<>+4(SB)/4, $0x40800000 // 4
DATA winoOut<>+8(SB)/4, $0x41000000 // 8
GLOBL winoOut<>(SB), RODATA|NOPTR, $12

// OUT4: V6-V9 = Aᵀ (V0-V5) for F(4x4, 3x3), with V13 = 2, V14 = 4, V15 = 8
// (V3 is overwritten):
//	a = m1 + m2, b = m1 - m2, e = m3 + m4, f = m3 - m4
//	o0 = m0 + a + e, o1 = b + 2*f, o2 = a + 4*e, o3 = b + 8*f + m5
#define OUT4 \
	VADDPS V2, V1, V10  \
	VSUBPS V2, V1, V11  \
	VADDPS V4, V3, V12  \
	VSUBPS V4, V3, V3   \
	VADDPS V10, V0, V6  \
	VADDPS V12, V6, V6  \
	VMULPS V13, V3, V7  \
	VADDPS V7, V11, V7  \
	VMULPS V14, V12, V8 \
	VADDPS V8, V10, V8  \
	VMULPS V15, V3, V9  \
	VADDPS V9, V11, V9  \
	VADDPS V5, V9, V9

// OUT2: V4, V5 = Aᵀ (V0-V3) for F(2x2, 3x3):
//	o0 = m0 + m1 + m2, o1 = m1 - m2 - m3
#define OUT2 \
	VADDPS V1, V0, V4 \
	VADDPS V2, V4, V4 \
	VSUBPS V2, V1, V5 \
	VSUBPS V3, V5, V5

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

// EPI adds the bias to the vectors of a tile column whose top pixel is at
// P, adds dst if accumulating, applies ReLU and stores them. ROWS is
// ROWS4, ROWS3 or ROWS2: it applies a per-row op(vector, its pixel) to
// the column's rows.
#define EPI(ROWS, nobias, noacc, norelu) \
	TESTQ   BIAS, BIAS  \
	JZ      nobias      \
	VMOVUPS (BIAS), V10 \
	ROWS(EPIBIAS)       \
nobias:                     \
	TESTQ   $1, FL      \
	JZ      noacc       \
	ROWS(EPIACC)        \
noacc:                      \
	TESTQ   $2, FL      \
	JZ      norelu      \
	VZERO(V10)          \
	ROWS(EPIRELU)       \
norelu:                     \
	ROWS(EPISTORE)

// The per-row ops of EPI: add the bias (V10), add the old pixel, clamp at
// zero (V10 = 0: VMAXPS returns its second source, zero, for NaN, and +0
// for -0), store.
#define EPIBIAS(y, at) VADDPS V10, y, y
#define EPIACC(y, at) VADDPS at, y, y
#define EPIRELU(y, at) VMAXPS V10, y, y
#define EPISTORE(y, at) VMOVUPS y, at

// ROWS4, ROWS3 and ROWS2 apply op to the outputs of OUT4 (V6-V9), OUT3
// (V6-V8) and OUT2 or OUTS2 (V4, V5), rows 0 to 3 of a tile column.
#define ROWS4(op) op(V6, (P)); op(V7, (P)(RS*1)); op(V8, (P)(RS*2)); op(V9, (P)(RS3*1))
#define ROWS3(op) op(V6, (P)); op(V7, (P)(RS*1)); op(V8, (P)(RS*2))
#define ROWS2(op) op(V4, (P)); op(V5, (P)(RS*1))

// LOADM5 loads the first five products of the row of M at P into V0-V4.
#define LOADM5 \
	VMOVUPS (P), V0        \
	VMOVUPS (P)(SS*1), V1  \
	VMOVUPS (P)(SS*2), V2  \
	VMOVUPS (P)(SS3*1), V3 \
	VMOVUPS (P)(SS*4), V4

// OUT4ROW transforms row r of M (src[r*6+j], P pointing at src[r*6])
// into table row off (4 vectors) and moves P to src[(r+1)*6].
#define OUT4ROW(off) \
	LOADM5                  \
	VMOVUPS (P)(SS5*1), V5  \
	OUT4                    \
	VMOVUPS V6, off(TBL)     \
	VMOVUPS V7, off+1*VB(TBL)  \
	VMOVUPS V8, off+2*VB(TBL)  \
	VMOVUPS V9, off+3*VB(TBL)  \
	LEAQ    (P)(SS*4), P    \
	LEAQ    (P)(SS*2), P

// OUT4COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT4COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), V0            \
	VMOVUPS off+4*VB(TBL), V1        \
	VMOVUPS off+8*VB(TBL), V2        \
	VMOVUPS off+12*VB(TBL), V3        \
	VMOVUPS off+16*VB(TBL), V4        \
	VMOVUPS off+20*VB(TBL), V5        \
	OUT4                           \
	EPI(ROWS4, nobias, noacc, norelu)    \
	ADDQ    CS, P

// NEXTLANES moves to the next 8 lanes and loops to lanes while any are
// left.
#define NEXTLANES(lanes, nobias) \
	ADDQ  $VB, SRC   \
	ADDQ  $VB, DST   \
	TESTQ BIAS, BIAS \
	JZ    nobias     \
	ADDQ  $VB, BIAS  \
nobias:                  \
	SUBQ  $LANES, N     \
	JG    lanes

// WINOOUTPUT4BODY is the body of WinoOutput4<level>, jumping to
// out4done when done.
#define WINOOUTPUT4BODY \
	LOADOUT \
	VBROADCASTSS winoOut<>+0(SB), V13 \
	VBROADCASTSS winoOut<>+4(SB), V14 \
	VBROADCASTSS winoOut<>+8(SB), V15 \
	TESTQ        N, N \
	JLE          out4done \
out4lanes: \
	MOVQ SRC, P \
	OUT4ROW(0) \
	OUT4ROW(4*VB) \
	OUT4ROW(8*VB) \
	OUT4ROW(12*VB) \
	OUT4ROW(16*VB) \
	OUT4ROW(20*VB) \
	MOVQ DST, P \
	OUT4COL(0, o4b0, o4a0, o4r0) \
	OUT4COL(1*VB, o4b1, o4a1, o4r1) \
	OUT4COL(2*VB, o4b2, o4a2, o4r2) \
	OUT4COL(3*VB, o4b3, o4a3, o4r3) \
	NEXTLANES(out4lanes, o4next)

// OUT2ROW transforms row r of M (src[r*4+j], P pointing at src[r*4])
// into table row off (2 vectors) and moves P to src[(r+1)*4].
#define OUT2ROW(off) \
	VMOVUPS (P), V0        \
	VMOVUPS (P)(SS*1), V1  \
	VMOVUPS (P)(SS*2), V2  \
	VMOVUPS (P)(SS3*1), V3 \
	OUT2                   \
	VMOVUPS V4, off(TBL)    \
	VMOVUPS V5, off+1*VB(TBL) \
	LEAQ    (P)(SS*4), P

// OUT2COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT2COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), V0            \
	VMOVUPS off+2*VB(TBL), V1         \
	VMOVUPS off+4*VB(TBL), V2        \
	VMOVUPS off+6*VB(TBL), V3        \
	OUT2                           \
	EPI(ROWS2, nobias, noacc, norelu)    \
	ADDQ    CS, P

// WINOOUTPUT2BODY is the body of WinoOutput2<level>, jumping to
// out2done when done.
#define WINOOUTPUT2BODY \
	LOADOUT \
	TESTQ N, N \
	JLE   out2done \
out2lanes: \
	MOVQ SRC, P \
	OUT2ROW(0) \
	OUT2ROW(2*VB) \
	OUT2ROW(4*VB) \
	OUT2ROW(6*VB) \
	MOVQ DST, P \
	OUT2COL(0, o2b0, o2a0, o2r0) \
	OUT2COL(1*VB, o2b1, o2a1, o2r1) \
	NEXTLANES(out2lanes, o2next)

// OUTS2: V4, V5 = Aᵀ (V0-V4) for F(2x2, 3x3) at stride 2 (V4 is an input
// too, used before it is overwritten):
//	o0 = (m0 + m1) + m3, o1 = (m1 + m2) + m4
#define OUTS2 \
	VADDPS V2, V1, V5 \
	VADDPS V4, V5, V5 \
	VADDPS V1, V0, V4 \
	VADDPS V3, V4, V4

#define QS2 R12 // an offset into src (SS3 is not used at stride 2)

// OUTS2LOAD loads M at src[q] into y.
#define OUTS2LOAD(y, q) \
	IMUL3Q  $q, SS, QS2 \
	VMOVUPS (SRC)(QS2*1), y

// OUTS2ROW transforms row r of M, at src[qj] for qj =
// WinogradStride2Position(r, j), into table row off (2 vectors).
#define OUTS2ROW(off, q0, q1, q2, q3, q4) \
	OUTS2LOAD(V0, q0)      \
	OUTS2LOAD(V1, q1)      \
	OUTS2LOAD(V2, q2)      \
	OUTS2LOAD(V3, q3)      \
	OUTS2LOAD(V4, q4)      \
	OUTS2                  \
	VMOVUPS V4, off(TBL)   \
	VMOVUPS V5, off+1*VB(TBL)

// OUTS2COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUTS2COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), V0        \
	VMOVUPS off+2*VB(TBL), V1     \
	VMOVUPS off+4*VB(TBL), V2    \
	VMOVUPS off+6*VB(TBL), V3    \
	VMOVUPS off+8*VB(TBL), V4    \
	OUTS2                       \
	EPI(ROWS2, nobias, noacc, norelu) \
	ADDQ    CS, P

// WINOOUTPUT2S2BODY is the body of WinoOutput2S2<level>, jumping to
// outs2done when done.
#define WINOOUTPUT2S2BODY \
	LOADOUT \
	TESTQ N, N \
	JLE   outs2done \
outs2lanes: \
	OUTS2ROW(0, 0, 1, 2, 9, 10) \
	OUTS2ROW(2*VB, 3, 4, 5, 11, 12) \
	OUTS2ROW(4*VB, 6, 7, 8, 13, 14) \
	OUTS2ROW(6*VB, 15, 17, 19, 21, 22) \
	OUTS2ROW(8*VB, 16, 18, 20, 23, 24) \
	MOVQ DST, P \
	OUTS2COL(0, os2b0, os2a0, os2r0) \
	OUTS2COL(1*VB, os2b1, os2a1, os2r1) \
	NEXTLANES(outs2lanes, os2next)

// OUT3: V6-V8 = Aᵀ (V0-V4) for F(3x3, 3x3), with V13 = 2, V14 = 4:
//	a = m1 + m2, b = m1 - m2
//	o0 = (m0 + a) + m3, o1 = b + 2*m3, o2 = (a + 4*m3) + m4
#define OUT3 \
	VADDPS V2, V1, V10 \
	VSUBPS V2, V1, V11 \
	VADDPS V10, V0, V6 \
	VADDPS V3, V6, V6  \
	VMULPS V13, V3, V7 \
	VADDPS V7, V11, V7 \
	VMULPS V14, V3, V8 \
	VADDPS V8, V10, V8 \
	VADDPS V4, V8, V8

// OUT3ROW transforms row r of M (src[r*5+j], P pointing at src[r*5])
// into table row off (3 vectors) and moves P to src[(r+1)*5].
#define OUT3ROW(off) \
	LOADM5                  \
	OUT3                    \
	VMOVUPS V6, off(TBL)    \
	VMOVUPS V7, off+1*VB(TBL) \
	VMOVUPS V8, off+2*VB(TBL) \
	LEAQ    (P)(SS5*1), P

// OUT3COL transforms table column off into the tile's output column,
// whose top pixel is at P, and moves P to the next column.
#define OUT3COL(off, nobias, noacc, norelu) \
	VMOVUPS off(TBL), V0        \
	VMOVUPS off+3*VB(TBL), V1     \
	VMOVUPS off+6*VB(TBL), V2    \
	VMOVUPS off+9*VB(TBL), V3    \
	VMOVUPS off+12*VB(TBL), V4    \
	OUT3                        \
	EPI(ROWS3, nobias, noacc, norelu) \
	ADDQ    CS, P

// WINOOUTPUT3BODY is the body of WinoOutput3<level>, jumping to
// out3done when done.
#define WINOOUTPUT3BODY \
	LOADOUT \
	VBROADCASTSS winoOut<>+0(SB), V13 \
	VBROADCASTSS winoOut<>+4(SB), V14 \
	TESTQ        N, N \
	JLE          out3done \
out3lanes: \
	MOVQ SRC, P \
	OUT3ROW(0) \
	OUT3ROW(3*VB) \
	OUT3ROW(6*VB) \
	OUT3ROW(9*VB) \
	OUT3ROW(12*VB) \
	MOVQ DST, P \
	OUT3COL(0, o3b0, o3a0, o3r0) \
	OUT3COL(1*VB, o3b1, o3a1, o3r1) \
	OUT3COL(2*VB, o3b2, o3a2, o3r2) \
	NEXTLANES(out3lanes, o3next)
