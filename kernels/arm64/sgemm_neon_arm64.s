//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON single-precision GEMM strip kernel: rows x 16 of C in tiles of up to
// 5x16, from rows of A read in place (lda apart) and a packed B panel 16
// floats wide.
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
//	V20-V24   A[0..4][p:p+4] (k loop); C rows, bias, zero (epilogue)
//	V28-V31   B[p][0:16] (k loop); V25-V27 are unused
//
// Each accumulator is one chain of FMLAs in p order, whatever the tile
// height, so the tiling changes no result.

#define ABLK   R0  // &A[row 0][0] of the current tile
#define LDA    R1  // lda in bytes
#define BPANEL R2  // &Bpanel[0][0]
#define KC     R3  // kc
#define CBLK   R4  // &C[row 0][0] of the current tile; moves with the stores
#define LDC    R5  // ldc in bytes
#define BIAS   R6  // &bias[0] or nil
#define FLAGS  R7  // bit 0: accumulate into C; bit 1: ReLU
#define ROWS   R8  // rows left
#define A0     R9  // &A[row 0][p]
#define A1     R10 // &A[row 1][p]
#define A2     R11 // &A[row 2][p]
#define A3     R12 // &A[row 3][p]
#define A4     R13 // &A[row 4][p]
#define BPTR   R14 // &Bpanel[p][0]
#define K4     R15 // groups of four k steps left
#define K1     R19 // single k steps left
#define CLD    R20 // &C[row][0] being read
#define HMAX   R21 // tile height asked for, clamped to [1, 5]
#define H      R22 // this tile's height: min(HMAX, ROWS)
#define TMP    R23

// ROWSTEP is one k step for row r, lane l of its A register holding
// A[r][p]: acc[r][j:j+4] += B[p][j:j+4] * A[r][p].
#define ROWSTEP(r, l) \
	FMLA_ELEM(4*(r), 28, 20+(r), l)   \
	FMLA_ELEM(4*(r)+1, 29, 20+(r), l) \
	FMLA_ELEM(4*(r)+2, 30, 20+(r), l) \
	FMLA_ELEM(4*(r)+3, 31, 20+(r), l)

// KSTEPh is one k step for the h rows of a tile.
#define KSTEP1(l) ROWSTEP(0, l)
#define KSTEP2(l) KSTEP1(l); ROWSTEP(1, l)
#define KSTEP3(l) KSTEP2(l); ROWSTEP(2, l)
#define KSTEP4(l) KSTEP3(l); ROWSTEP(3, l)
#define KSTEP5(l) KSTEP4(l); ROWSTEP(4, l)

// LOAD4h loads A[i][p:p+4] for the h rows; LOAD1h loads A[i][p] into lane 0.
#define LOAD41 VLD1.P 16(A0), [V20.S4]
#define LOAD42 LOAD41; VLD1.P 16(A1), [V21.S4]
#define LOAD43 LOAD42; VLD1.P 16(A2), [V22.S4]
#define LOAD44 LOAD43; VLD1.P 16(A3), [V23.S4]
#define LOAD45 LOAD44; VLD1.P 16(A4), [V24.S4]
#define LOAD11 FMOVS.P 4(A0), F20
#define LOAD12 LOAD11; FMOVS.P 4(A1), F21
#define LOAD13 LOAD12; FMOVS.P 4(A2), F22
#define LOAD14 LOAD13; FMOVS.P 4(A3), F23
#define LOAD15 LOAD14; FMOVS.P 4(A4), F24

#define LOADB VLD1.P 64(BPTR), [V28.S4, V29.S4, V30.S4, V31.S4]

// KLOOP is the whole k loop of a tile of h rows: kc/4 groups of four k
// steps (one A load per row, four B loads), then kc%4 single steps.
#define KLOOP(LOAD4, LOAD1, KSTEP, loop4, tail, loop1) \
	CBZ  K4, tail                   \
loop4:                                  \
	LOAD4                           \
	LOADB; KSTEP(0)                 \
	LOADB; KSTEP(1)                 \
	LOADB; KSTEP(2)                 \
	LOADB; KSTEP(3)                 \
	SUBS $1, K4, K4                 \
	BNE  loop4                      \
tail:                                   \
	CBZ  K1, epilogue               \
loop1:                                  \
	LOAD1                           \
	LOADB; KSTEP(0)                 \
	SUBS $1, K1, K1                 \
	BNE  loop1                      \
	B    epilogue

// ROWADD adds vectors t..t+3 to the four accumulators of row r.
#define ROWADD(r, t) \
	FADD_4S(4*(r), 4*(r), t)         \
	FADD_4S(4*(r)+1, 4*(r)+1, (t)+1) \
	FADD_4S(4*(r)+2, 4*(r)+2, (t)+2) \
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

// ROWEND branches to out once the tile's n rows are done.
#define ROWEND(n, out) \
	CMP $n, H \
	BEQ out

// func SgemmStripNEON(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows int, h int)
// Requires: ASIMD
TEXT ·SgemmStripNEON(SB), NOSPLIT, $0-80
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
	MOVD rows+64(FP), ROWS
	MOVD h+72(FP), HMAX
	MOVD $1, TMP
	CMP  TMP, HMAX
	CSEL LT, TMP, HMAX, HMAX // HMAX = max(h, 1)
	MOVD $5, TMP
	CMP  TMP, HMAX
	CSEL GT, TMP, HMAX, HMAX // HMAX = min(HMAX, 5)
	CMP  $0, ROWS
	BLE  done

tile:
	// H = min(HMAX, ROWS); A0..A4 = &A[0..4][0]; ABLK = the next tile's
	// row 0; acc = 0
	CMP   HMAX, ROWS
	CSEL  LT, ROWS, HMAX, H
	MOVD  ABLK, A0
	ADD   LDA, A0, A1
	ADD   LDA, A1, A2
	ADD   LDA, A2, A3
	ADD   LDA, A3, A4
	MUL   H, LDA, TMP
	ADD   TMP, ABLK, ABLK
	MOVD  BPANEL, BPTR
	LSR   $2, KC, K4
	AND   $3, KC, K1
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	CMP   $5, H
	BEQ   k5
	CMP   $4, H
	BEQ   k4
	CMP   $3, H
	BEQ   k3
	CMP   $2, H
	BEQ   k2

	KLOOP(LOAD41, LOAD11, KSTEP1, k1loop4, k1tail, k1loop1)
k2:
	KLOOP(LOAD42, LOAD12, KSTEP2, k2loop4, k2tail, k2loop1)
k3:
	KLOOP(LOAD43, LOAD13, KSTEP3, k3loop4, k3tail, k3loop1)
k4:
	KLOOP(LOAD44, LOAD14, KSTEP4, k4loop4, k4tail, k4loop1)
k5:
	KLOOP(LOAD45, LOAD15, KSTEP5, k5loop4, k5tail, k5loop1)

epilogue:
	TBZ  $0, FLAGS, addbias

	// acc += C for the tile's H rows, two sets of scratch registers in turn
	MOVD   CBLK, CLD
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(0, 20)
	ROWEND(1, addbias)
	VLD1.P (CLD)(LDC), [V24.S4, V25.S4, V26.S4, V27.S4]
	ROWADD(1, 24)
	ROWEND(2, addbias)
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(2, 20)
	ROWEND(3, addbias)
	VLD1.P (CLD)(LDC), [V24.S4, V25.S4, V26.S4, V27.S4]
	ROWADD(3, 24)
	ROWEND(4, addbias)
	VLD1.P (CLD)(LDC), [V20.S4, V21.S4, V22.S4, V23.S4]
	ROWADD(4, 20)

addbias:
	CBZ  BIAS, relu

	// acc += bias (rows past H are computed and never stored)
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
	// the H rows of C; CBLK moves on to the next tile's row 0
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], (CBLK)(LDC)
	ROWEND(1, next)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], (CBLK)(LDC)
	ROWEND(2, next)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], (CBLK)(LDC)
	ROWEND(3, next)
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], (CBLK)(LDC)
	ROWEND(4, next)
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], (CBLK)(LDC)

next:
	SUBS H, ROWS, ROWS
	BGT  tile

done:
	RET
