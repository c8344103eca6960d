//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON elementwise kernels: per-channel scale+shift and the sum of two
// vectors, each with an optional ReLU (see elementwise_neon_arm64.go).
// Blocks of 16 floats in four registers, then of 4, then the last 1-3 one
// at a time in scalar registers. Multiply and add stay separate
// instructions (no FMLA): the pure-Go level rounds twice too, so every
// level gives the same bits.
//
// ReLU is FMAXNM with zero: it returns the number when the other operand is
// a quiet NaN (every NaN FMUL or FADD produces is quiet, an input NaN
// included), and +0 for max(-0, +0): exactly "0 unless v > 0".
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V3     values
//	V4-V7     scales (scale-shift) or b (add)
//	V8-V11    shifts
//	V31       zero, for ReLU

#define RELU4 \
	FMAXNM_4S(0, 0, 31) \
	FMAXNM_4S(1, 1, 31) \
	FMAXNM_4S(2, 2, 31) \
	FMAXNM_4S(3, 3, 31)

#define RELU1 FMAXNM_4S(0, 0, 31)
#define RELUS FMAXNMS F31, F0, F0
#define NOTHING

#define DST  R0  // &dst[r][ch]
#define SRC  R1  // &src[r][ch]
#define SC   R2  // &scale[0]
#define SH   R3  // &shift[0]
#define C    R4  // channels
#define ROWS R5  // rows left
#define CH   R6  // channels left in this row
#define S    R7  // &scale[ch]
#define T    R8  // &shift[ch]
#define TMP  R9

// SSROWS is the row loop of ScaleShiftNEON with OP4/OP1/OPS (ReLU or
// nothing) applied before the stores.
#define SSROWS(OP4, OP1, OPS, row, b16, b4, tail, next) \
row:                                                  \
	MOVD SC, S                                    \
	MOVD SH, T                                    \
	MOVD C, CH                                    \
	CMP  $16, CH                                  \
	BLT  b4                                       \
b16:                                                  \
	VLD1.P 64(SRC), [V0.S4, V1.S4, V2.S4, V3.S4]  \
	VLD1.P 64(S), [V4.S4, V5.S4, V6.S4, V7.S4]    \
	VLD1.P 64(T), [V8.S4, V9.S4, V10.S4, V11.S4]  \
	FMUL_4S(0, 0, 4)                              \
	FMUL_4S(1, 1, 5)                              \
	FMUL_4S(2, 2, 6)                              \
	FMUL_4S(3, 3, 7)                              \
	FADD_4S(0, 0, 8)                              \
	FADD_4S(1, 1, 9)                              \
	FADD_4S(2, 2, 10)                             \
	FADD_4S(3, 3, 11)                             \
	OP4                                           \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DST)  \
	SUB  $16, CH                                  \
	CMP  $16, CH                                  \
	BGE  b16                                      \
b4:                                                   \
	CMP  $4, CH                                   \
	BLT  tail                                     \
	VLD1.P 16(SRC), [V0.S4]                       \
	VLD1.P 16(S), [V4.S4]                         \
	VLD1.P 16(T), [V8.S4]                         \
	FMUL_4S(0, 0, 4)                              \
	FADD_4S(0, 0, 8)                              \
	OP1                                           \
	VST1.P [V0.S4], 16(DST)                       \
	SUB  $4, CH                                   \
	B    b4                                       \
tail:                                                 \
	CBZ  CH, next                                 \
	FMOVS.P 4(SRC), F0                            \
	FMOVS.P 4(S), F4                              \
	FMOVS.P 4(T), F8                              \
	FMULS F4, F0, F0                              \
	FADDS F8, F0, F0                              \
	OPS                                           \
	FMOVS.P F0, 4(DST)                            \
	SUB  $1, CH                                   \
	B    tail                                     \
next:                                                 \
	SUBS $1, ROWS, ROWS                           \
	BNE  row

// func ScaleShiftNEON(dst, src, scale, shift *float32, c, rows, flags int)
// Requires: ASIMD
TEXT ·ScaleShiftNEON(SB), NOSPLIT, $0-56
	MOVD dst+0(FP), DST
	MOVD src+8(FP), SRC
	MOVD scale+16(FP), SC
	MOVD shift+24(FP), SH
	MOVD c+32(FP), C
	MOVD rows+40(FP), ROWS
	VEOR V31.B16, V31.B16, V31.B16
	CMP  $0, ROWS
	BLE  done
	MOVD flags+48(FP), TMP
	TBNZ $1, TMP, relu
	SSROWS(NOTHING, NOTHING, NOTHING, row, b16, b4, tail, next)
	B    done

relu:
	SSROWS(RELU4, RELU1, RELUS, rrow, rb16, rb4, rtail, rnext)

done:
	RET

#define A  R1 // &a[i]
#define B_ R2 // &b[i]
#define K  R3 // floats left

// ADDLOOP is AddNEON's loop with OP4/OP1/OPS (ReLU or nothing) applied
// before the stores: dst = a + b.
#define ADDLOOP(OP4, OP1, OPS, b16, b4, tail) \
	CMP  $16, K                                   \
	BLT  b4                                       \
b16:                                                  \
	VLD1.P 64(A), [V0.S4, V1.S4, V2.S4, V3.S4]    \
	VLD1.P 64(B_), [V4.S4, V5.S4, V6.S4, V7.S4]   \
	FADD_4S(0, 0, 4)                              \
	FADD_4S(1, 1, 5)                              \
	FADD_4S(2, 2, 6)                              \
	FADD_4S(3, 3, 7)                              \
	OP4                                           \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DST)  \
	SUB  $16, K                                   \
	CMP  $16, K                                   \
	BGE  b16                                      \
b4:                                                   \
	CMP  $4, K                                    \
	BLT  tail                                     \
	VLD1.P 16(A), [V0.S4]                         \
	VLD1.P 16(B_), [V4.S4]                        \
	FADD_4S(0, 0, 4)                              \
	OP1                                           \
	VST1.P [V0.S4], 16(DST)                       \
	SUB  $4, K                                    \
	B    b4                                       \
tail:                                                 \
	CBZ  K, done                                  \
	FMOVS.P 4(A), F0                              \
	FMOVS.P 4(B_), F4                             \
	FADDS F4, F0, F0                              \
	OPS                                           \
	FMOVS.P F0, 4(DST)                            \
	SUB  $1, K                                    \
	B    tail

// func AddNEON(dst, a, b *float32, n, flags int)
// Requires: ASIMD
TEXT ·AddNEON(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), DST
	MOVD a+8(FP), A
	MOVD b+16(FP), B_
	MOVD n+24(FP), K
	VEOR V31.B16, V31.B16, V31.B16
	CMP  $0, K
	BLE  done
	MOVD flags+32(FP), TMP
	TBNZ $1, TMP, relu
	ADDLOOP(NOTHING, NOTHING, NOTHING, b16, b4, tail)

relu:
	ADDLOOP(RELU4, RELU1, RELUS, rb16, rb4, rtail)

done:
	RET
