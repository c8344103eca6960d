//go:build !purego

#include "textflag.h"

// AVX2 elementwise kernels: per-channel scale+shift and the sum of two
// vectors, each with an optional ReLU (see elementwise_amd64.go). Blocks of
// 32 floats in four YMM registers, then of 8, then the last 1-7 one at a
// time in scalar registers (not VMASKMOVPS: see pool_avx2_amd64.s). Multiply
// and add stay separate
// instructions (no FMA): the pure-Go level rounds twice too, so every level
// gives the same bits.
//
// Vector registers:
//	Y0-Y3     values
//	Y15       zero, for ReLU

// RELUk clamp k registers at zero: y = y > 0 ? y : +0 (VMAXPS returns its
// second source, zero, when y is NaN).
#define RELU4 \
	VMAXPS Y15, Y0, Y0 \
	VMAXPS Y15, Y1, Y1 \
	VMAXPS Y15, Y2, Y2 \
	VMAXPS Y15, Y3, Y3

#define RELU1 VMAXPS Y15, Y0, Y0
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

// AFFINE4 computes 32 channels: y = float32(src*scale) + shift.
#define AFFINE4 \
	VMOVUPS (SRC), Y0    \
	VMOVUPS 32(SRC), Y1  \
	VMOVUPS 64(SRC), Y2  \
	VMOVUPS 96(SRC), Y3  \
	VMULPS  (S), Y0, Y0   \
	VMULPS  32(S), Y1, Y1 \
	VMULPS  64(S), Y2, Y2 \
	VMULPS  96(S), Y3, Y3 \
	VADDPS  (T), Y0, Y0   \
	VADDPS  32(T), Y1, Y1 \
	VADDPS  64(T), Y2, Y2 \
	VADDPS  96(T), Y3, Y3

#define STORE4 \
	VMOVUPS Y0, (DST)   \
	VMOVUPS Y1, 32(DST) \
	VMOVUPS Y2, 64(DST) \
	VMOVUPS Y3, 96(DST)

// SSROWS is the row loop of ScaleShiftAVX2 with OP4/OP1 (ReLU or nothing)
// applied before the stores.
#define SSROWS(OP4, OP1, OPS, row, b32, b8, tail, next) \
row:                                  \
	MOVQ SC, S                    \
	MOVQ SH, T                    \
	MOVQ C, CH                    \
	CMPQ CH, $32                  \
	JLT  b8                       \
b32:                                  \
	AFFINE4                       \
	OP4                           \
	STORE4                        \
	ADDQ $128, SRC                \
	ADDQ $128, DST                \
	ADDQ $128, S                  \
	ADDQ $128, T                  \
	SUBQ $32, CH                  \
	CMPQ CH, $32                  \
	JGE  b32                      \
b8:                                   \
	CMPQ CH, $8                   \
	JLT  tail                     \
	VMOVUPS (SRC), Y0             \
	VMULPS  (S), Y0, Y0           \
	VADDPS  (T), Y0, Y0           \
	OP1                           \
	VMOVUPS Y0, (DST)             \
	ADDQ $32, SRC                 \
	ADDQ $32, DST                 \
	ADDQ $32, S                   \
	ADDQ $32, T                   \
	SUBQ $8, CH                   \
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

// func ScaleShiftAVX2(dst, src, scale, shift *float32, c, rows, flags int)
// Requires: AVX, AVX2
TEXT ·ScaleShiftAVX2(SB), NOSPLIT, $0-56
	MOVQ   dst+0(FP), DST
	MOVQ   src+8(FP), SRC
	MOVQ   scale+16(FP), SC
	MOVQ   shift+24(FP), SH
	MOVQ   c+32(FP), C
	MOVQ   rows+40(FP), ROWS
	VXORPS Y15, Y15, Y15
	TESTQ  ROWS, ROWS
	JLE    done
	MOVQ   flags+48(FP), TMP
	TESTQ  $2, TMP
	JNZ    relu
	SSROWS(NOTHING4, NOTHING1, NOTHINGS, row, b32, b8, tail, next)
	JMP    done

relu:
	SSROWS(RELU4, RELU1, RELUS, rrow, rb32, rb8, rtail, rnext)

done:
	VZEROUPPER
	RET

#define A  SI  // &a[i]
#define B  R8  // &b[i]
#define K  CX  // floats left

// ADDLOOP is AddAVX2's loop with OP4/OP1 (ReLU or nothing) applied before
// the stores: dst = a + b.
#define ADDLOOP(OP4, OP1, OPS, b32, b8, tail) \
	CMPQ K, $32                   \
	JLT  b8                       \
b32:                                  \
	VMOVUPS (A), Y0               \
	VMOVUPS 32(A), Y1             \
	VMOVUPS 64(A), Y2             \
	VMOVUPS 96(A), Y3             \
	VADDPS  (B), Y0, Y0           \
	VADDPS  32(B), Y1, Y1         \
	VADDPS  64(B), Y2, Y2         \
	VADDPS  96(B), Y3, Y3         \
	OP4                           \
	STORE4                        \
	ADDQ $128, A                  \
	ADDQ $128, B                  \
	ADDQ $128, DST                \
	SUBQ $32, K                   \
	CMPQ K, $32                   \
	JGE  b32                      \
b8:                                   \
	CMPQ K, $8                    \
	JLT  tail                     \
	VMOVUPS (A), Y0               \
	VADDPS  (B), Y0, Y0           \
	OP1                           \
	VMOVUPS Y0, (DST)             \
	ADDQ $32, A                   \
	ADDQ $32, B                   \
	ADDQ $32, DST                 \
	SUBQ $8, K                    \
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

// func AddAVX2(dst, a, b *float32, n, flags int)
// Requires: AVX, AVX2
TEXT ·AddAVX2(SB), NOSPLIT, $0-40
	MOVQ   dst+0(FP), DST
	MOVQ   a+8(FP), A
	MOVQ   b+16(FP), B
	MOVQ   n+24(FP), K
	VXORPS Y15, Y15, Y15
	TESTQ  K, K
	JLE    done
	MOVQ   flags+32(FP), TMP
	TESTQ  $2, TMP
	JNZ    relu
	ADDLOOP(NOTHING4, NOTHING1, NOTHINGS, b32, b8, tail)

relu:
	ADDLOOP(RELU4, RELU1, RELUS, rb32, rb8, rtail)

done:
	VZEROUPPER
	RET
