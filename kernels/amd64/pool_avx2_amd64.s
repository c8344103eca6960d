//go:build !purego

#include "textflag.h"

// AVX2 pooling window kernels: the channel-wise maximum or average of
// windows of NHWC pixels (see the declarations in pool_amd64.go). Each
// window is walked once per block of channels: 32 channels in four YMM
// accumulators, then 8 in one, then the last 1-7 one at a time in scalar
// registers. Every channel's accumulator sees the window's pixels in
// (i, j) order, so the block a channel falls in changes no result.
//
// The tail is scalar rather than VMASKMOVPS: the hardware neither reads
// nor faults on masked-off lanes, but qemu-x86_64 7.2 does, and the
// guard-page tests run under it (make test-levels). Tails are rare: ResNet
// channel counts are multiples of 32.
//
// Vector registers:
//	Y0-Y3     accumulators, channels ch..ch+31 of the current window
//	Y4-Y7     the pixel's inputs (maxima only; sums add from memory)
//	Y8-Y11    second maxima (maxima only)
//	Y15       -Inf (maxima) or the divisor, broadcast (averages)

#define DST  DI  // &dst[window][ch]; moves with the stores
#define WIN  SI  // &src[window start]
#define C    CX  // channels per pixel
#define N    DX  // windows left
#define STEP R8  // distance between window starts, bytes
#define TMP  R9
#define J    R10 // pixels left in the window row
#define LDH  R11 // distance between window rows, bytes
#define LDW  R12 // distance between pixels of a window row, bytes
#define CH   R13 // channels left in this window
#define CP   R14 // &src[window start + ch]
#define ROWP R15 // &src[window row i][ch]
#define P    AX  // &src[window row i][pixel j][ch]
#define I    BX  // window rows left

// LOADARGS reads the arguments, strides in bytes.
#define LOADARGS \
	MOVQ dst+0(FP), DST  \
	MOVQ src+8(FP), WIN  \
	MOVQ c+16(FP), C     \
	MOVQ n+24(FP), N     \
	MOVQ step+32(FP), STEP \
	SHLQ $2, STEP        \
	MOVQ ldh+56(FP), LDH \
	SHLQ $2, LDH         \
	MOVQ ldw+64(FP), LDW \
	SHLQ $2, LDW

// WALK runs STEP for each pixel of the window in (i, j) order, P pointing
// at the current channel block of the pixel.
#define WALK(STEP, row, col) \
	MOVQ CP, ROWP      \
	MOVQ kh+40(FP), I  \
row:                       \
	MOVQ ROWP, P       \
	MOVQ kw+48(FP), J  \
col:                       \
	STEP               \
	ADDQ LDW, P        \
	DECQ J             \
	JNZ  col           \
	ADDQ LDH, ROWP     \
	DECQ I             \
	JNZ  row

// WINDOWS is the whole kernel between the argument loads and VZEROUPPER:
// for each window, blocks of 32 and 8 channels, then single channels.
// INITk set k accumulators to the start value, STEPk fold in one pixel,
// ENDk finish them (the averages' division).
#define WINDOWS(INIT4, STEP4, END4, INIT1, STEP1, END1, STEPS, ENDS) \
	TESTQ N, N                        \
	JLE   done                        \
window:                                   \
	MOVQ WIN, CP                      \
	MOVQ C, CH                        \
	CMPQ CH, $32                      \
	JLT  blk8                         \
blk32:                                    \
	INIT4                             \
	WALK(STEP4, row32, col32)         \
	END4                              \
	VMOVUPS Y0, (DST)                 \
	VMOVUPS Y1, 32(DST)               \
	VMOVUPS Y2, 64(DST)               \
	VMOVUPS Y3, 96(DST)               \
	ADDQ $128, CP                     \
	ADDQ $128, DST                    \
	SUBQ $32, CH                      \
	CMPQ CH, $32                      \
	JGE  blk32                        \
blk8:                                     \
	CMPQ CH, $8                       \
	JLT  tail                         \
	INIT1                             \
	WALK(STEP1, row8, col8)           \
	END1                              \
	VMOVUPS Y0, (DST)                 \
	ADDQ $32, CP                      \
	ADDQ $32, DST                     \
	SUBQ $8, CH                       \
	JMP  blk8                         \
tail:                                     \
	TESTQ CH, CH                      \
	JZ    next                        \
	INIT1                             \
	WALK(STEPS, rows, cols)           \
	ENDS                              \
	VMOVSS X0, (DST)                  \
	ADDQ $4, CP                       \
	ADDQ $4, DST                      \
	DECQ CH                           \
	JMP  tail                         \
next:                                     \
	ADDQ STEP, WIN                    \
	DECQ N                            \
	JNZ  window                       \
done:

// MAXV folds the input x into acc, NaN winning: t = acc > x ? acc : x is x
// when either is NaN, acc' = x > acc ? x : acc is acc when either is NaN;
// without NaN both are the maximum (they differ at most in the sign of a
// zero), and ORing a NaN's bits with anything leaves a NaN.
#define MAXV(x, t, acc) \
	VMAXPS x, acc, t   \
	VMAXPS acc, x, acc \
	VORPS  t, acc, acc

#define MAXSTEP4 \
	VMOVUPS (P), Y4   \
	VMOVUPS 32(P), Y5 \
	VMOVUPS 64(P), Y6 \
	VMOVUPS 96(P), Y7 \
	MAXV(Y4, Y8, Y0)  \
	MAXV(Y5, Y9, Y1)  \
	MAXV(Y6, Y10, Y2) \
	MAXV(Y7, Y11, Y3)

#define MAXSTEP1 \
	VMOVUPS (P), Y4 \
	MAXV(Y4, Y8, Y0)

#define MAXSTEPS \
	VMOVSS (P), X4 \
	VMAXSS X4, X0, X8 \
	VMAXSS X0, X4, X0 \
	VORPS  X8, X0, X0

#define NEGINF4 \
	VMOVAPS Y15, Y0 \
	VMOVAPS Y15, Y1 \
	VMOVAPS Y15, Y2 \
	VMOVAPS Y15, Y3

#define NEGINF1 VMOVAPS Y15, Y0
#define NOTHING

// func MaxWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX, AVX2
TEXT ·MaxWindowsAVX2(SB), NOSPLIT, $0-76
	LOADARGS
	MOVL         $0xff800000, TMP // -Inf
	VMOVD        TMP, X15
	VPBROADCASTD X15, Y15
	WINDOWS(NEGINF4, MAXSTEP4, NOTHING, NEGINF1, MAXSTEP1, NOTHING, MAXSTEPS, NOTHING)
	VZEROUPPER
	RET

#define SUMSTEP4 \
	VADDPS (P), Y0, Y0   \
	VADDPS 32(P), Y1, Y1 \
	VADDPS 64(P), Y2, Y2 \
	VADDPS 96(P), Y3, Y3

#define SUMSTEP1 VADDPS (P), Y0, Y0

#define SUMSTEPS VADDSS (P), X0, X0

#define ZERO4 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3

#define ZERO1 VXORPS Y0, Y0, Y0

#define DIV4 \
	VDIVPS Y15, Y0, Y0 \
	VDIVPS Y15, Y1, Y1 \
	VDIVPS Y15, Y2, Y2 \
	VDIVPS Y15, Y3, Y3

#define DIV1 VDIVPS Y15, Y0, Y0
#define DIVS VDIVSS X15, X0, X0

// func AvgWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
// Requires: AVX, AVX2
TEXT ·AvgWindowsAVX2(SB), NOSPLIT, $0-76
	LOADARGS
	VBROADCASTSS div+72(FP), Y15
	WINDOWS(ZERO4, SUMSTEP4, DIV4, ZERO1, SUMSTEP1, DIV1, SUMSTEPS, DIVS)
	VZEROUPPER
	RET
