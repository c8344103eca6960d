// Pooling window kernels, the bodies shared by the AVX2 and AVX-512
// levels: the channel-wise maximum or average of windows of NHWC pixels
// (see the declarations in pool_amd64.go). The including file defines the
// vector width (vec_ymm_amd64.h or vec_zmm_amd64.h). Each window is walked
// once per block of channels: 4*LANES channels in four accumulators, then
// LANES in one, then the last ones one at a time in scalar registers. Every channel's accumulator sees the window's pixels in
// (i, j) order, so the block a channel falls in changes no result.
//
// The tail is scalar rather than masked (VMASKMOVPS, or an AVX-512 mask): the hardware neither reads
// nor faults on masked-off lanes, but qemu-x86_64 7.2 does, and the
// guard-page tests run under it (make test-levels). Tails are rare: ResNet
// channel counts are multiples of 32.
//
// Vector registers:
//	V0-V3     accumulators, channels ch..ch+4*LANES-1 of the current window
//	V4-V7     the pixel's inputs (maxima only; sums add from memory)
//	V8-V11    second maxima (maxima only)
//	V15       -Inf (maxima) or the divisor, broadcast (averages)

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
// for each window, blocks of 4*LANES and LANES channels, then single channels.
// INITk set k accumulators to the start value, STEPk fold in one pixel,
// ENDk finish them (the averages' division).
#define WINDOWS(INIT4, STEP4, END4, INIT1, STEP1, END1, STEPS, ENDS) \
	TESTQ N, N                        \
	JLE   done                        \
window:                                   \
	MOVQ WIN, CP                      \
	MOVQ C, CH                        \
	CMPQ CH, $LANES4                      \
	JLT  blk8                         \
blk32:                                    \
	INIT4                             \
	WALK(STEP4, row32, col32)         \
	END4                              \
	VMOVUPS V0, (DST)                 \
	VMOVUPS V1, VB(DST)               \
	VMOVUPS V2, 2*VB(DST)               \
	VMOVUPS V3, 3*VB(DST)               \
	ADDQ $VB4, CP                     \
	ADDQ $VB4, DST                    \
	SUBQ $LANES4, CH                      \
	CMPQ CH, $LANES4                      \
	JGE  blk32                        \
blk8:                                     \
	CMPQ CH, $LANES                       \
	JLT  tail                         \
	INIT1                             \
	WALK(STEP1, row8, col8)           \
	END1                              \
	VMOVUPS V0, (DST)                 \
	ADDQ $VB, CP                      \
	ADDQ $VB, DST                     \
	SUBQ $LANES, CH                       \
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
// zero), and ORing a NaN's bits with anything leaves a NaN (VORV: VORPS
// on YMM, VPORD on ZMM, where VORPS needs AVX512DQ).
#define MAXV(x, t, acc) \
	VMAXPS x, acc, t   \
	VMAXPS acc, x, acc \
	VORV  t, acc, acc

#define MAXSTEP4 \
	VMOVUPS (P), V4   \
	VMOVUPS VB(P), V5 \
	VMOVUPS 2*VB(P), V6 \
	VMOVUPS 3*VB(P), V7 \
	MAXV(V4, V8, V0)  \
	MAXV(V5, V9, V1)  \
	MAXV(V6, V10, V2) \
	MAXV(V7, V11, V3)

#define MAXSTEP1 \
	VMOVUPS (P), V4 \
	MAXV(V4, V8, V0)

#define MAXSTEPS \
	VMOVSS (P), X4 \
	VMAXSS X4, X0, X8 \
	VMAXSS X0, X4, X0 \
	VORPS  X8, X0, X0

#define NEGINF4 \
	VMOVAPS V15, V0 \
	VMOVAPS V15, V1 \
	VMOVAPS V15, V2 \
	VMOVAPS V15, V3

#define NEGINF1 VMOVAPS V15, V0
#define NOTHING

// MAXWINDOWSBODY is the body of MaxWindows<level>.
#define MAXWINDOWSBODY \
	LOADARGS \
	MOVL         $0xff800000, TMP \
	VMOVD        TMP, X15 \
	VPBROADCASTD X15, V15 \
	WINDOWS(NEGINF4, MAXSTEP4, NOTHING, NEGINF1, MAXSTEP1, NOTHING, MAXSTEPS, NOTHING)

#define SUMSTEP4 \
	VADDPS (P), V0, V0   \
	VADDPS VB(P), V1, V1 \
	VADDPS 2*VB(P), V2, V2 \
	VADDPS 3*VB(P), V3, V3

#define SUMSTEP1 VADDPS (P), V0, V0

#define SUMSTEPS VADDSS (P), X0, X0

#define ZERO4 \
	VZERO(V0) \
	VZERO(V1) \
	VZERO(V2) \
	VZERO(V3)

#define ZERO1 VZERO(V0)

#define DIV4 \
	VDIVPS V15, V0, V0 \
	VDIVPS V15, V1, V1 \
	VDIVPS V15, V2, V2 \
	VDIVPS V15, V3, V3

#define DIV1 VDIVPS V15, V0, V0
#define DIVS VDIVSS X15, X0, X0

// AVGWINDOWSBODY is the body of AvgWindows<level>.
#define AVGWINDOWSBODY \
	LOADARGS \
	VBROADCASTSS div+72(FP), V15 \
	WINDOWS(ZERO4, SUMSTEP4, DIV4, ZERO1, SUMSTEP1, DIV1, SUMSTEPS, DIVS)
