//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// NEON pooling window kernels: the channel-wise maximum or average of
// windows of NHWC pixels (see the declarations in pool_neon_arm64.go). Each
// window is walked once per block of channels: 16 channels in four
// accumulators, then 4 in one, then the last 1-3 one at a time in scalar
// registers. Every channel's accumulator sees the window's pixels in
// (i, j) order, so the block a channel falls in changes no result. FMAX
// returns NaN when either input is NaN, as PyTorch's max pooling does.
//
// Vector registers (numbers, as the WORD macros of neon_arm64.h take them):
//	V0-V3     accumulators, channels ch..ch+15 of the current window
//	V4-V7     the pixel's inputs
//	V30       zero, the sums' start (averages)
//	V31       -Inf (maxima) or the divisor (averages), in every lane

#define DST  R0  // &dst[window][ch]; moves with the stores
#define WIN  R1  // &src[window start]
#define C    R2  // channels per pixel
#define N    R3  // windows left
#define STEP R4  // distance between window starts, bytes
#define KH   R5  // window rows
#define KW   R6  // pixels per window row
#define LDH  R7  // distance between window rows, bytes
#define LDW  R8  // distance between pixels of a window row, bytes
#define CH   R9  // channels left in this window
#define CP   R10 // &src[window start + ch]
#define ROWP R11 // &src[window row i][ch]
#define PX    R12 // &src[window row i][pixel j][ch]
#define I    R13 // window rows left
#define J    R14 // pixels left in the window row
#define TMP  R15

// LOADARGS reads the arguments, strides in bytes.
#define LOADARGS \
	MOVD dst+0(FP), DST   \
	MOVD src+8(FP), WIN   \
	MOVD c+16(FP), C      \
	MOVD n+24(FP), N      \
	MOVD step+32(FP), STEP \
	LSL  $2, STEP         \
	MOVD kh+40(FP), KH    \
	MOVD kw+48(FP), KW    \
	MOVD ldh+56(FP), LDH  \
	LSL  $2, LDH          \
	MOVD ldw+64(FP), LDW  \
	LSL  $2, LDW

// WALK runs STEP for each pixel of the window in (i, j) order, PX pointing
// at the current channel block of the pixel.
#define WALK(STEP, row, col) \
	MOVD CP, ROWP     \
	MOVD KH, I        \
row:                      \
	MOVD ROWP, PX      \
	MOVD KW, J        \
col:                      \
	STEP              \
	ADD  LDW, PX       \
	SUBS $1, J, J     \
	BNE  col          \
	ADD  LDH, ROWP    \
	SUBS $1, I, I     \
	BNE  row

// WINDOWS is the whole kernel after the argument loads: for each window,
// blocks of 16 and 4 channels, then single channels. INITk set k
// accumulators to the start value, STEPk fold in one pixel, ENDk finish
// them (the averages' division).
#define WINDOWS(INIT4, STEP4, END4, INIT1, STEP1, END1, STEPS, ENDS) \
	CMP  $0, N                                  \
	BLE  done                                   \
window:                                             \
	MOVD WIN, CP                                \
	MOVD C, CH                                  \
	CMP  $16, CH                                \
	BLT  blk4                                   \
blk16:                                              \
	INIT4                                       \
	WALK(STEP4, row16, col16)                   \
	END4                                        \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(DST) \
	ADD  $64, CP                                \
	SUB  $16, CH                                \
	CMP  $16, CH                                \
	BGE  blk16                                  \
blk4:                                               \
	CMP  $4, CH                                 \
	BLT  tail                                   \
	INIT1                                       \
	WALK(STEP1, row4, col4)                     \
	END1                                        \
	VST1.P [V0.S4], 16(DST)                     \
	ADD  $16, CP                                \
	SUB  $4, CH                                 \
	B    blk4                                   \
tail:                                               \
	CBZ  CH, next                               \
	INIT1                                       \
	WALK(STEPS, rows, cols)                     \
	ENDS                                        \
	FMOVS.P F0, 4(DST)                          \
	ADD  $4, CP                                 \
	SUB  $1, CH                                 \
	B    tail                                   \
next:                                               \
	ADD  STEP, WIN                              \
	SUBS $1, N, N                               \
	BNE  window                                 \
done:

#define SET4(v) \
	VMOV v.B16, V0.B16 \
	VMOV v.B16, V1.B16 \
	VMOV v.B16, V2.B16 \
	VMOV v.B16, V3.B16

#define SET1(v) VMOV v.B16, V0.B16

#define MAXSTEP4 \
	VLD1 (PX), [V4.S4, V5.S4, V6.S4, V7.S4] \
	FMAX_4S(0, 0, 4)                       \
	FMAX_4S(1, 1, 5)                       \
	FMAX_4S(2, 2, 6)                       \
	FMAX_4S(3, 3, 7)

#define MAXSTEP1 \
	VLD1 (PX), [V4.S4] \
	FMAX_4S(0, 0, 4)

#define MAXSTEPS \
	FMOVS (PX), F4 \
	FMAXS F4, F0, F0

#define NOTHING

// func MaxWindowsNEON(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: ASIMD
TEXT ·MaxWindowsNEON(SB), NOSPLIT, $0-76
	LOADARGS
	MOVW $0xff800000, TMP // -Inf
	VDUP TMP, V31.S4
	WINDOWS(SET4(V31), MAXSTEP4, NOTHING, SET1(V31), MAXSTEP1, NOTHING, MAXSTEPS, NOTHING)
	RET

#define SUMSTEP4 \
	VLD1 (PX), [V4.S4, V5.S4, V6.S4, V7.S4] \
	FADD_4S(0, 0, 4)                       \
	FADD_4S(1, 1, 5)                       \
	FADD_4S(2, 2, 6)                       \
	FADD_4S(3, 3, 7)

#define SUMSTEP1 \
	VLD1 (PX), [V4.S4] \
	FADD_4S(0, 0, 4)

#define SUMSTEPS \
	FMOVS (PX), F4 \
	FADDS F4, F0, F0

#define DIV4 \
	FDIV_4S(0, 0, 31) \
	FDIV_4S(1, 1, 31) \
	FDIV_4S(2, 2, 31) \
	FDIV_4S(3, 3, 31)

#define DIV1 FDIV_4S(0, 0, 31)
#define DIVS FDIVS F31, F0, F0

// func AvgWindowsNEON(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: ASIMD
TEXT ·AvgWindowsNEON(SB), NOSPLIT, $0-76
	LOADARGS
	FMOVS div+72(FP), F31
	VDUP  V31.S[0], V31.S4
	VEOR  V30.B16, V30.B16, V30.B16 // zero, the sums' start
	WINDOWS(SET4(V30), SUMSTEP4, DIV4, SET1(V30), SUMSTEP1, DIV1, SUMSTEPS, DIVS)
	RET
