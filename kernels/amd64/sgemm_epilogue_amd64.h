// The epilogue shared by the AVX2 and AVX-512 GEMM strip kernels
// (sgemm_avx2_amd64.s, sgemm_avx512_amd64.s). The including file defines
// the vector width (vec_ymm_amd64.h or vec_zmm_amd64.h: V0-V15, VB bytes a
// vector, VZERO) and the kernel's registers (CP, LDC, A3, K, BIAS, TMP,
// ABLK, LDA) and labels (tile, done), and keeps a tile's rows in V0-V11,
// two vectors a row.

// ROWOP applies op to the two accumulators of a row with sources s0, s1.
#define ROWOP(op, s0, s1, y0, y1) \
	op s0, y0, y0 \
	op s1, y1, y1

// ALLROWS applies op with sources s0, s1 to all twelve accumulators.
#define ALLROWS(op, s0, s1) \
	ROWOP(op, s0, s1, V0, V1)   \
	ROWOP(op, s0, s1, V2, V3)   \
	ROWOP(op, s0, s1, V4, V5)   \
	ROWOP(op, s0, s1, V6, V7)   \
	ROWOP(op, s0, s1, V8, V9)   \
	ROWOP(op, s0, s1, V10, V11)

// ONROWS jumps to the label for the tile's height K (1 to 6): r6 ... r1
// fall through one into the next, from the last row to row 0.
#define ONROWS(r6, r5, r4, r3, r2, r1) \
	CMPQ K, $6 \
	JEQ  r6    \
	CMPQ K, $5 \
	JEQ  r5    \
	CMPQ K, $4 \
	JEQ  r4    \
	CMPQ K, $3 \
	JEQ  r3    \
	CMPQ K, $2 \
	JEQ  r2    \
	JMP  r1

// SGEMM_EPILOGUE finishes a tile of K rows (1 to 6) whose sums are in
// V0-V11, the tile's top row of C at CP, A3 = &C[3][0]:
//	acc += C, rows K-1 down to 0 (flags bit 1, accumulate)
//	acc += bias (bias+48(FP) not nil; rows past K hold zeros and are not
//	  stored), the bias in V12, V13
//	acc = max(acc, 0) (flags bit 2): VMAXPS returns its second source
//	  (zero, V14) when either is NaN, and +0 for -0
//	C = acc, rows K-1 down to 0
// then moves ABLK and CP K rows down, counts down the rows left (the rows
// argument slot) and loops to tile while any are left.
#define SGEMM_EPILOGUE \
	LEAQ  (LDC)(LDC*2), A3 \
	ADDQ  CP, A3 \
	TESTQ $1, flags+56(FP) \
	JZ    addbias \
	ONROWS(addc6, addc5, addc4, addc3, addc2, addc1) \
addc6: \
	ROWOP(VADDPS, (A3)(LDC*2), VB(A3)(LDC*2), V10, V11) \
addc5: \
	ROWOP(VADDPS, (A3)(LDC*1), VB(A3)(LDC*1), V8, V9) \
addc4: \
	ROWOP(VADDPS, (A3), VB(A3), V6, V7) \
addc3: \
	ROWOP(VADDPS, (CP)(LDC*2), VB(CP)(LDC*2), V4, V5) \
addc2: \
	ROWOP(VADDPS, (CP)(LDC*1), VB(CP)(LDC*1), V2, V3) \
addc1: \
	ROWOP(VADDPS, (CP), VB(CP), V0, V1) \
addbias: \
	MOVQ  bias+48(FP), BIAS \
	TESTQ BIAS, BIAS \
	JZ    relu \
	VMOVUPS (BIAS), V12 \
	VMOVUPS VB(BIAS), V13 \
	ALLROWS(VADDPS, V12, V13) \
relu: \
	TESTQ $2, flags+56(FP) \
	JZ    store \
	VZERO(V14) \
	ALLROWS(VMAXPS, V14, V14) \
store: \
	ONROWS(st6, st5, st4, st3, st2, st1) \
st6: \
	VMOVUPS V10, (A3)(LDC*2) \
	VMOVUPS V11, VB(A3)(LDC*2) \
st5: \
	VMOVUPS V8, (A3)(LDC*1) \
	VMOVUPS V9, VB(A3)(LDC*1) \
st4: \
	VMOVUPS V6, (A3) \
	VMOVUPS V7, VB(A3) \
st3: \
	VMOVUPS V4, (CP)(LDC*2) \
	VMOVUPS V5, VB(CP)(LDC*2) \
st2: \
	VMOVUPS V2, (CP)(LDC*1) \
	VMOVUPS V3, VB(CP)(LDC*1) \
st1: \
	VMOVUPS V0, (CP) \
	VMOVUPS V1, VB(CP) \
	MOVQ  K, TMP \
	IMULQ LDA, TMP \
	ADDQ  TMP, ABLK \
	MOVQ  K, TMP \
	IMULQ LDC, TMP \
	ADDQ  TMP, CP \
	SUBQ  K, rows+64(FP) \
	JG    tile
