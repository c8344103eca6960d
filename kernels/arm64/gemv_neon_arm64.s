//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON matrix-vector kernel: one row of A against four consecutive packed
// B panels (16 floats wide each) of one K block, 64 outputs. The strip
// kernel on one row keeps four accumulators, one FMLA chain each; four
// panels give sixteen independent chains and four streams of B in flight.
//
// Each output is the same chain of operations as SgemmStripNEON computes
// for it: FMLA by element in p order from zero, then + C (flag 1), + bias,
// ReLU (flag 2, FMAXNM with zero), so a one-row GEMM gives the same bits
// either way.
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V3     panel 0, columns 0-3, 4-7, 8-11, 12-15
//	V4-V7     panel 1
//	V8-V11    panel 2
//	V12-V15   panel 3
//	V16       A[p:p+4] (k loop)
//	V20-V31   B rows, three sets of four in turn; C, bias, zero (epilogue)

#define A     R0  // &a[p]
#define B0    R1  // &panel0[p][0]
#define B1    R2  // &panel1[p][0]
#define B2    R3  // &panel2[p][0]
#define B3    R4  // &panel3[p][0]
#define K4    R5  // groups of four k steps left
#define K1    R6  // single k steps left
#define CP    R7  // &c[0]
#define BIAS  R8  // &bias[0] or nil
#define FLAGS R9  // bit 0: accumulate into c; bit 1: ReLU
#define S     R10 // distance between panels, bytes: kc*16*4

// PANEL loads panel q's row p into the four registers v0-v3 (numbered t
// to t+3) and adds it, times lane l of V16, into the panel's accumulators.
#define PANEL(q, bq, v0, v1, v2, v3, t, l) \
	VLD1.P 64(bq), [v0.S4, v1.S4, v2.S4, v3.S4] \
	FMLA_ELEM(4*(q), t, 16, l)           \
	FMLA_ELEM(4*(q)+1, (t)+1, 16, l)     \
	FMLA_ELEM(4*(q)+2, (t)+2, 16, l)     \
	FMLA_ELEM(4*(q)+3, (t)+3, 16, l)

// KSTEP is one k step, A[p] in lane l of V16.
#define KSTEP(l) \
	PANEL(0, B0, V20, V21, V22, V23, 20, l) \
	PANEL(1, B1, V24, V25, V26, V27, 24, l) \
	PANEL(2, B2, V28, V29, V30, V31, 28, l) \
	PANEL(3, B3, V20, V21, V22, V23, 20, l)

// ADD16 adds the 64 floats at (ptr) to the sixteen accumulators.
#define ADD16(ptr) \
	VLD1.P 64(ptr), [V20.S4, V21.S4, V22.S4, V23.S4] \
	VLD1.P 64(ptr), [V24.S4, V25.S4, V26.S4, V27.S4] \
	FADD_4S(0, 0, 20)   \
	FADD_4S(1, 1, 21)   \
	FADD_4S(2, 2, 22)   \
	FADD_4S(3, 3, 23)   \
	FADD_4S(4, 4, 24)   \
	FADD_4S(5, 5, 25)   \
	FADD_4S(6, 6, 26)   \
	FADD_4S(7, 7, 27)   \
	VLD1.P 64(ptr), [V20.S4, V21.S4, V22.S4, V23.S4] \
	VLD1   (ptr), [V24.S4, V25.S4, V26.S4, V27.S4]   \
	FADD_4S(8, 8, 20)   \
	FADD_4S(9, 9, 21)   \
	FADD_4S(10, 10, 22) \
	FADD_4S(11, 11, 23) \
	FADD_4S(12, 12, 24) \
	FADD_4S(13, 13, 25) \
	FADD_4S(14, 14, 26) \
	FADD_4S(15, 15, 27)

#define ZERO4(a, b, c, d) \
	VEOR a.B16, a.B16, a.B16 \
	VEOR b.B16, b.B16, b.B16 \
	VEOR c.B16, c.B16, c.B16 \
	VEOR d.B16, d.B16, d.B16

#define RELU4(a) \
	FMAXNM_4S(a, a, 31)       \
	FMAXNM_4S((a)+1, (a)+1, 31) \
	FMAXNM_4S((a)+2, (a)+2, 31) \
	FMAXNM_4S((a)+3, (a)+3, 31)

// func SgemvPanels4NEON(a *float32, b *float32, kc int, c *float32, bias *float32, flags int)
// Requires: ASIMD
TEXT ·SgemvPanels4NEON(SB), NOSPLIT, $0-48
	MOVD a+0(FP), A
	MOVD b+8(FP), B0
	MOVD kc+16(FP), K4
	LSL  $6, K4, S
	ADD  S, B0, B1
	ADD  S, B1, B2
	ADD  S, B2, B3
	AND  $3, K4, K1
	LSR  $2, K4, K4
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	CBZ  K4, tail

loop4:
	VLD1.P 16(A), [V16.S4]
	KSTEP(0)
	KSTEP(1)
	KSTEP(2)
	KSTEP(3)
	SUBS $1, K4, K4
	BNE  loop4

tail:
	CBZ     K1, epilogue
	FMOVS.P 4(A), F16
	KSTEP(0)
	SUB     $1, K1
	B       tail

epilogue:
	MOVD c+24(FP), CP
	MOVD bias+32(FP), BIAS
	MOVD flags+40(FP), FLAGS
	TBZ  $0, FLAGS, addbias
	MOVD CP, R11
	ADD16(R11)

addbias:
	CBZ BIAS, relu
	ADD16(BIAS)

relu:
	TBZ  $1, FLAGS, store
	VEOR V31.B16, V31.B16, V31.B16
	RELU4(0)
	RELU4(4)
	RELU4(8)
	RELU4(12)

store:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(CP)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(CP)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(CP)
	VST1   [V12.S4, V13.S4, V14.S4, V15.S4], (CP)
	RET
