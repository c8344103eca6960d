// Elementwise kernels, the bodies shared by the AVX2 and AVX-512 levels:
// per-channel scale+shift and the sum of two vectors, each with an optional
// ReLU (see elementwise_amd64.go). The including file defines the vector
// width (vec_ymm_amd64.h or vec_zmm_amd64.h). Blocks of 4*LANES floats in
// four vector registers, then of LANES, then the last ones one at a time
// in scalar registers (not masked moves: see pool_amd64.h). Multiply and
// add stay separate instructions (no FMA): the pure-Go level rounds twice
// too, so every level gives the same bits.
//
// Vector registers:
//	V0-V3     values
//	V15       zero, for ReLU

// RELUk clamp k registers at zero: y = y > 0 ? y : +0 (VMAXPS returns its
// second source, zero, when y is NaN).
#define RELU4 \
	VMAXPS V15, V0, V0 \
	VMAXPS V15, V1, V1 \
	VMAXPS V15, V2, V2 \
	VMAXPS V15, V3, V3

#define RELU1 VMAXPS V15, V0, V0
#define RELUS VMAXSS X15, X0, X0
#define NOTHING4
#define NOTHING1
#define NOTHINGS

#define DST  DI  // &dst[r][ch]
#define SRC  SI  // &src[r][ch]
#define SC   R8  // &scale[0]
#define SH   R9  // &shift[0]
#define C    CX  // channels
#define ROWS DX  // rows left
#define CH   R10 // channels left in this row
#define S    R11 // &scale[ch]
#define T    R12 // &shift[ch]
#define TMP  AX

// AFFINE4 computes 4*LANES channels: y = float32(src*scale) + shift.
#define AFFINE4 \
	VMOVUPS (SRC), V0    \
	VMOVUPS VB(SRC), V1  \
	VMOVUPS 2*VB(SRC), V2  \
	VMOVUPS 3*VB(SRC), V3  \
	VMULPS  (S), V0, V0   \
	VMULPS  VB(S), V1, V1 \
	VMULPS  2*VB(S), V2, V2 \
	VMULPS  3*VB(S), V3, V3 \
	VADDPS  (T), V0, V0   \
	VADDPS  VB(T), V1, V1 \
	VADDPS  2*VB(T), V2, V2 \
	VADDPS  3*VB(T), V3, V3

#define STORE4 \
	VMOVUPS V0, (DST)   \
	VMOVUPS V1, VB(DST) \
	VMOVUPS V2, 2*VB(DST) \
	VMOVUPS V3, 3*VB(DST)

// SSROWS is the row loop of ScaleShiftAVX2 with OP4/OP1 (ReLU or nothing)
// applied before the stores.
#define SSROWS(OP4, OP1, OPS, row, b32, b8, tail, next) \
row:                                  \
	MOVQ SC, S                    \
	MOVQ SH, T                    \
	MOVQ C, CH                    \
	CMPQ CH, $LANES4                  \
	JLT  b8                       \
b32:                                  \
	AFFINE4                       \
	OP4                           \
	STORE4                        \
	ADDQ $VB4, SRC                \
	ADDQ $VB4, DST                \
	ADDQ $VB4, S                  \
	ADDQ $VB4, T                  \
	SUBQ $LANES4, CH                  \
	CMPQ CH, $LANES4                  \
	JGE  b32                      \
b8:                                   \
	CMPQ CH, $LANES                   \
	JLT  tail                     \
	VMOVUPS (SRC), V0             \
	VMULPS  (S), V0, V0           \
	VADDPS  (T), V0, V0           \
	OP1                           \
	VMOVUPS V0, (DST)             \
	ADDQ $VB, SRC                 \
	ADDQ $VB, DST                 \
	ADDQ $VB, S                   \
	ADDQ $VB, T                   \
	SUBQ $LANES, CH                   \
	JMP  b8                       \
tail:                                 \
	TESTQ CH, CH                  \
	JZ    next                    \
	VMOVSS (SRC), X0              \
	VMULSS (S), X0, X0            \
	VADDSS (T), X0, X0            \
	OPS                           \
	VMOVSS X0, (DST)              \
	ADDQ $4, SRC                  \
	ADDQ $4, DST                  \
	ADDQ $4, S                    \
	ADDQ $4, T                    \
	DECQ CH                       \
	JMP  tail                     \
next:                                 \
	DECQ ROWS                     \
	JNZ  row

// SCALESHIFTBODY is the body of ScaleShift<level>.
#define SCALESHIFTBODY \
	MOVQ   dst+0(FP), DST \
	MOVQ   src+8(FP), SRC \
	MOVQ   scale+16(FP), SC \
	MOVQ   shift+24(FP), SH \
	MOVQ   c+32(FP), C \
	MOVQ   rows+40(FP), ROWS \
	VZERO(V15) \
	TESTQ  ROWS, ROWS \
	JLE    done \
	MOVQ   flags+48(FP), TMP \
	TESTQ  $2, TMP \
	JNZ    relu \
	SSROWS(NOTHING4, NOTHING1, NOTHINGS, row, b32, b8, tail, next) \
	JMP    done \
relu: \
	SSROWS(RELU4, RELU1, RELUS, rrow, rb32, rb8, rtail, rnext)

#define A  SI  // &a[i]
#define B  R8  // &b[i]
#define K  CX  // floats left

// ADDLOOP is AddAVX2's loop with OP4/OP1 (ReLU or nothing) applied before
// the stores: dst = a + b.
#define ADDLOOP(OP4, OP1, OPS, b32, b8, tail) \
	CMPQ K, $LANES4                   \
	JLT  b8                       \
b32:                                  \
	VMOVUPS (A), V0               \
	VMOVUPS VB(A), V1             \
	VMOVUPS 2*VB(A), V2             \
	VMOVUPS 3*VB(A), V3             \
	VADDPS  (B), V0, V0           \
	VADDPS  VB(B), V1, V1         \
	VADDPS  2*VB(B), V2, V2         \
	VADDPS  3*VB(B), V3, V3         \
	OP4                           \
	STORE4                        \
	ADDQ $VB4, A                  \
	ADDQ $VB4, B                  \
	ADDQ $VB4, DST                \
	SUBQ $LANES4, K                   \
	CMPQ K, $LANES4                   \
	JGE  b32                      \
b8:                                   \
	CMPQ K, $LANES                    \
	JLT  tail                     \
	VMOVUPS (A), V0               \
	VADDPS  (B), V0, V0           \
	OP1                           \
	VMOVUPS V0, (DST)             \
	ADDQ $VB, A                   \
	ADDQ $VB, B                   \
	ADDQ $VB, DST                 \
	SUBQ $LANES, K                    \
	JMP  b8                       \
tail:                                 \
	TESTQ K, K                    \
	JZ    done                    \
	VMOVSS (A), X0                \
	VADDSS (B), X0, X0            \
	OPS                           \
	VMOVSS X0, (DST)              \
	ADDQ $4, A                    \
	ADDQ $4, B                    \
	ADDQ $4, DST                  \
	DECQ K                        \
	JMP  tail

// ADDBODY is the body of Add<level>.
#define ADDBODY \
	MOVQ   dst+0(FP), DST \
	MOVQ   a+8(FP), A \
	MOVQ   b+16(FP), B \
	MOVQ   n+24(FP), K \
	VZERO(V15) \
	TESTQ  K, K \
	JLE    done \
	MOVQ   flags+32(FP), TMP \
	TESTQ  $2, TMP \
	JNZ    relu \
	ADDLOOP(NOTHING4, NOTHING1, NOTHINGS, b32, b8, tail) \
relu: \
	ADDLOOP(RELU4, RELU1, RELUS, rb32, rb8, rtail)
