//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON single-precision GEMM micro-kernel: 5x16 tiles of C, from five rows
// of A read in place (lda apart) and a packed B panel 16 floats wide.
//
// A is not packed, so each row's k values sit next to each other: one
// 128-bit load takes A[i][p:p+4], and FMLA by element uses its four lanes
// in four k steps. 8x12 would need 24 accumulators + 8 A rows + 3 B
// vectors = 35 registers; 5x16 needs 20 + 5 + 4 = 29 of the 32.
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V3     row 0 of the tile, columns 0-3, 4-7, 8-11, 12-15
//	V4-V7     row 1
//	V8-V11    row 2
//	V12-V15   row 3
//	V16-V19   row 4
//	V20-V24   A[0..4][p:p+4] (k loop); C rows and bias, zero (epilogue)
//	V28-V31   B[p][0:16] (k loop); V25-V27 are unused
//
// Each accumulator is one chain of FMLAs in p order.

#define ABLK   R0  // &A[row 0][0] of the current tile; then of the next one
#define LDA    R1  // lda in bytes
#define BPANEL R2  // &Bpanel[0][0]
#define KC     R3  // kc
#define CBLK   R4  // &C[row 0][0] of the current tile
#define LDC    R5  // ldc in bytes
#define BIAS   R6  // &bias[0] or nil
#define FLAGS  R7  // bit 0: accumulate into C; bit 1: ReLU
#define BLOCKS R8  // tiles left
#define A0     R9  // &A[row 0][p]
#define A1     R10 // &A[row 1][p]
#define A2     R11 // &A[row 2][p]
#define A3     R12 // &A[row 3][p]
#define A4     R13 // &A[row 4][p]
#define BPTR   R14 // &Bpanel[p][0]
#define K4     R15 // groups of four k steps left
#define K1     R19 // single k steps left
#define CLD    R20 // &C[row][0] being read

// KSTEP is one k step, lane l of the A registers holding A[i][p]:
// acc[i][j:j+4] += B[p][j:j+4] * A[i][p] for the five rows i.
#define KSTEP(l) \
	FMLA_ELEM(0, 28, 20, l)  \
	FMLA_ELEM(1, 29, 20, l)  \
	FMLA_ELEM(2, 30, 20, l)  \
	FMLA_ELEM(3, 31, 20, l)  \
	FMLA_ELEM(4, 28, 21, l)  \
	FMLA_ELEM(5, 29, 21, l)  \
	FMLA_ELEM(6, 30, 21, l)  \
	FMLA_ELEM(7, 31, 21, l)  \
	FMLA_ELEM(8, 28, 22, l)  \
	FMLA_ELEM(9, 29, 22, l)  \
	FMLA_ELEM(10, 30, 22, l) \
	FMLA_ELEM(11, 31, 22, l) \
	FMLA_ELEM(12, 28, 23, l) \
	FMLA_ELEM(13, 29, 23, l) \
	FMLA_ELEM(14, 30, 23, l) \
	FMLA_ELEM(15, 31, 23, l) \
	FMLA_ELEM(16, 28, 24, l) \
	FMLA_ELEM(17, 29, 24, l) \
	FMLA_ELEM(18, 30, 24, l) \
	FMLA_ELEM(19, 31, 24, l)

// ROWADD adds vectors t..t+3 to the four accumulators of row r.
#define ROWADD(r, t) \
	FADD_4S(4*(r), 4*(r), t)           \
	FADD_4S(4*(r)+1, 4*(r)+1, (t)+1)   \
	FADD_4S(4*(r)+2, 4*(r)+2, (t)+2)   \
	FADD_4S(4*(r)+3, 4*(r)+3, (t)+3)

// ROWRELU sets the accumulators of row r to max(acc, Vz), Vz being zero.
// FMAXNM returns the number when the other operand is a quiet NaN (every
// NaN an FMLA or FADD produces is quiet), and +0 for max(-0, +0): exactly
// "0 unless acc > 0".
#define ROWRELU(r, z) \
	FMAXNM_4S(4*(r), 4*(r), z)     \
	FMAXNM_4S(4*(r)+1, 4*(r)+1, z) \
	FMAXNM_4S(4*(r)+2, 4*(r)+2, z) \
	FMAXNM_4S(4*(r)+3, 4*(r)+3, z)

#define ZERO4(a, b, c, d) \
	VEOR a.B16, a.B16, a.B16 \
	VEOR b.B16, b.B16, b.B16 \
	VEOR c.B16, c.B16, c.B16 \
	VEOR d.B16, d.B16, d.B16

// func Sgemm5x16NEON(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, blocks int)
// Requires: ASIMD
TEXT ·Sgemm5x16NEON(SB), NOSPLIT, $0-72
	MOVD a+0(FP), ABLK
	MOVD lda+8(FP), LDA
	LSL  $2, LDA, LDA
	MOVD b+16(FP), BPANEL
	MOVD kc+24(FP), KC
	MOVD c+32(FP), CBLK
	MOVD ldc+40(FP), LDC
	LSL  $2, LDC, LDC
	MOVD bias+48(FP), BIAS
	MOVD flags+56(FP), FLAGS
	MOVD blocks+64(FP), BLOCKS
	CMP  $0, BLOCKS
	BLE  done

tile:
	// A0..A4 = &A[0..4][0]; ABLK = the next tile's row 0; acc = 0
	MOVD  ABLK, A0
	ADD   LDA, A0, A1
	ADD   LDA, A1, A2
	ADD   LDA, A2, A3
	ADD   LDA, A3, A4
	ADD   LDA, A4, ABLK
	MOVD  BPANEL, BPTR
	LSR   $2, KC, K4
	AND   $3, KC, K1
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	CBZ   K4, ktail

kloop4:
	// four k steps: A[i][p:p+4] once, then B[p+s] for s = 0..3
	VLD1.P 16(A0), [V20.S4]
	VLD1.P 16(A1), [V21.S4]
	VLD1.P 16(A2), [V22.S4]
	VLD1.P 16(A3), [V23.S4]
	VLD1.P 16(A4), [V24.S4]
	VLD1.P 64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]
	KSTEP(0)
	VLD1.P 64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]
	KSTEP(1)
	VLD1.P 64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]
	KSTEP(2)
	VLD1.P 64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]
	KSTEP(3)
	SUBS   $1, K4, K4
	BNE    kloop4

ktail:
	// the last kc%4 steps: A[i][p] alone into lane 0
	CBZ K1, epilogue

kloop1:
	FMOVS.P 4(A0), F20
	FMOVS.P 4(A1), F21
	FMOVS.P 4(A2), F22
	FMOVS.P 4(A3), F23
	FMOVS.P 4(A4), F24
	VLD1.P  64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]
	KSTEP(0)
	SUBS    $1, K1, K1
	BNE     kloop1

epilogue:
	TBZ  $0, FLAGS, addbias

	// acc += C, a row at a time, two sets of scratch registers in turn
	MOVD   CBLK, CLD
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	VLD1.P (CLD)(LDC), [V24.S4, V25.S4, V26.S4, V27.S4]
	ROWADD(0, 20)
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(1, 24)
	VLD1.P (CLD)(LDC), [V24.S4, V25.S4, V26.S4, V27.S4]
	ROWADD(2, 20)
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(3, 24)
	ROWADD(4, 20)

addbias:
	CBZ  BIAS, relu

	// acc += bias
	VLD1 (BIAS), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(0, 20)
	ROWADD(1, 20)
	ROWADD(2, 20)
	ROWADD(3, 20)
	ROWADD(4, 20)

relu:
	TBZ  $1, FLAGS, store

	// acc = max(acc, 0), NaN to 0
	VEOR V20.B16, V20.B16, V20.B16
	ROWRELU(0, 20)
	ROWRELU(1, 20)
	ROWRELU(2, 20)
	ROWRELU(3, 20)
	ROWRELU(4, 20)

store:
	// C rows; CBLK moves on to the next tile's row 0
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], (CBLK)(LDC)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], (CBLK)(LDC)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], (CBLK)(LDC)
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], (CBLK)(LDC)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], (CBLK)(LDC)
	SUBS   $1, BLOCKS, BLOCKS
	BNE    tile

done:
	RET
