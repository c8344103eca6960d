//go:build !purego

#include "textflag.h"

// AVX2+FMA single-precision GEMM micro-kernel: 6x16 tiles of C, from six
// rows of A read in place (lda apart) and a packed B panel 16 floats wide.
//
// Vector registers:
//	Y0  Y1    row 0 of the tile, columns 0-7 and 8-15
//	Y2  Y3    row 1
//	Y4  Y5    row 2
//	Y6  Y7    row 3
//	Y8  Y9    row 4
//	Y10 Y11   row 5
//	Y12 Y13   B[p][0:8], B[p][8:16]; bias in the epilogue
//	Y14 Y15   A[i][p] broadcast (two, alternating); zero for ReLU
//
// Each accumulator is one chain of FMAs in p order.

#define A0     AX  // &A[row 0][p]
#define A3     R10 // &A[row 3][p]; &C[row 3] in the epilogue
#define LDA    SI  // lda in bytes
#define BPTR     BX  // &Bpanel[p][0]
#define K      CX  // k steps left
#define CP     DX  // &C[row 0] of the current tile
#define LDC    DI  // ldc in bytes
#define BIAS   R8
#define FLAGS  R9
#define BLOCKS R11 // tiles left
#define ABLK   R12 // &A[row 0][0] of the current tile
#define BPANEL R13 // &Bpanel[0][0]

// KSTEP is one k step: acc[i][:] += A[i][p] * B[p][:] for the six rows.
// bo is the byte offset of B's row p from BPTR, ao that of A[.][p] from A0/A3.
#define KSTEP(bo0, bo1, ao) \
	VMOVUPS      bo0(BPTR), Y12             \
	VMOVUPS      bo1(BPTR), Y13             \
	VBROADCASTSS ao(A0), Y14              \
	VFMADD231PS  Y12, Y14, Y0             \
	VFMADD231PS  Y13, Y14, Y1             \
	VBROADCASTSS ao(A0)(LDA*1), Y15       \
	VFMADD231PS  Y12, Y15, Y2             \
	VFMADD231PS  Y13, Y15, Y3             \
	VBROADCASTSS ao(A0)(LDA*2), Y14       \
	VFMADD231PS  Y12, Y14, Y4             \
	VFMADD231PS  Y13, Y14, Y5             \
	VBROADCASTSS ao(A3), Y15              \
	VFMADD231PS  Y12, Y15, Y6             \
	VFMADD231PS  Y13, Y15, Y7             \
	VBROADCASTSS ao(A3)(LDA*1), Y14       \
	VFMADD231PS  Y12, Y14, Y8             \
	VFMADD231PS  Y13, Y14, Y9             \
	VBROADCASTSS ao(A3)(LDA*2), Y15       \
	VFMADD231PS  Y12, Y15, Y10            \
	VFMADD231PS  Y13, Y15, Y11

// ROW applies op (with a memory or register source) to the two
// accumulators of a row: op src0, acc0; op src1, acc1.
#define ROW(op, m0, m1, y0, y1) \
	op m0, y0, y0 \
	op m1, y1, y1

// func Sgemm6x16AVX2(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, blocks int)
// Requires: AVX2, FMA
TEXT ·Sgemm6x16AVX2(SB), NOSPLIT, $0-72
	MOVQ  a+0(FP), ABLK
	MOVQ  lda+8(FP), LDA
	SHLQ  $2, LDA
	MOVQ  b+16(FP), BPANEL
	MOVQ  c+32(FP), CP
	MOVQ  ldc+40(FP), LDC
	SHLQ  $2, LDC
	MOVQ  bias+48(FP), BIAS
	MOVQ  flags+56(FP), FLAGS
	MOVQ  blocks+64(FP), BLOCKS
	TESTQ BLOCKS, BLOCKS
	JLE   done

tile:
	// acc = 0; A0, A3 = &A[0][0], &A[3][0]; BPTR = &Bpanel[0][0]
	MOVQ   ABLK, A0
	LEAQ   (LDA)(LDA*2), A3
	ADDQ   A0, A3
	MOVQ   BPANEL, BPTR
	MOVQ   kc+24(FP), K
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	CMPQ   K, $4
	JLT    ktail

kloop4:
	// four k steps: p, p+1, p+2, p+3
	KSTEP(0, 32, 0)
	KSTEP(64, 96, 4)
	KSTEP(128, 160, 8)
	KSTEP(192, 224, 12)
	ADDQ $256, BPTR
	ADDQ $16, A0
	ADDQ $16, A3
	SUBQ $4, K
	CMPQ K, $4
	JGE  kloop4
	TESTQ K, K
	JZ   epilogue

ktail:
	// one k step at a time for the last kc%4
	KSTEP(0, 32, 0)
	ADDQ $64, BPTR
	ADDQ $4, A0
	ADDQ $4, A3
	DECQ K
	JNZ  ktail

epilogue:
	LEAQ  (LDC)(LDC*2), A3
	ADDQ  CP, A3 // A3 = &C[3][0]
	TESTQ $1, FLAGS
	JZ    addbias

	// acc += C
	ROW(VADDPS, (CP), 32(CP), Y0, Y1)
	ROW(VADDPS, (CP)(LDC*1), 32(CP)(LDC*1), Y2, Y3)
	ROW(VADDPS, (CP)(LDC*2), 32(CP)(LDC*2), Y4, Y5)
	ROW(VADDPS, (A3), 32(A3), Y6, Y7)
	ROW(VADDPS, (A3)(LDC*1), 32(A3)(LDC*1), Y8, Y9)
	ROW(VADDPS, (A3)(LDC*2), 32(A3)(LDC*2), Y10, Y11)

addbias:
	TESTQ BIAS, BIAS
	JZ    relu

	// acc += bias
	VMOVUPS (BIAS), Y12
	VMOVUPS 32(BIAS), Y13
	ROW(VADDPS, Y12, Y13, Y0, Y1)
	ROW(VADDPS, Y12, Y13, Y2, Y3)
	ROW(VADDPS, Y12, Y13, Y4, Y5)
	ROW(VADDPS, Y12, Y13, Y6, Y7)
	ROW(VADDPS, Y12, Y13, Y8, Y9)
	ROW(VADDPS, Y12, Y13, Y10, Y11)

relu:
	TESTQ $2, FLAGS
	JZ    store

	// acc = max(acc, 0): VMAXPS returns its second source (zero) when
	// either is NaN, and +0 for -0.
	VXORPS Y14, Y14, Y14
	ROW(VMAXPS, Y14, Y14, Y0, Y1)
	ROW(VMAXPS, Y14, Y14, Y2, Y3)
	ROW(VMAXPS, Y14, Y14, Y4, Y5)
	ROW(VMAXPS, Y14, Y14, Y6, Y7)
	ROW(VMAXPS, Y14, Y14, Y8, Y9)
	ROW(VMAXPS, Y14, Y14, Y10, Y11)

store:
	VMOVUPS Y0, (CP)
	VMOVUPS Y1, 32(CP)
	VMOVUPS Y2, (CP)(LDC*1)
	VMOVUPS Y3, 32(CP)(LDC*1)
	VMOVUPS Y4, (CP)(LDC*2)
	VMOVUPS Y5, 32(CP)(LDC*2)
	VMOVUPS Y6, (A3)
	VMOVUPS Y7, 32(A3)
	VMOVUPS Y8, (A3)(LDC*1)
	VMOVUPS Y9, 32(A3)(LDC*1)
	VMOVUPS Y10, (A3)(LDC*2)
	VMOVUPS Y11, 32(A3)(LDC*2)

	// next tile: six rows down in A and C
	LEAQ (LDA)(LDA*2), A0
	LEAQ (ABLK)(A0*2), ABLK
	LEAQ (LDC)(LDC*2), A0
	LEAQ (CP)(A0*2), CP
	DECQ BLOCKS
	JNZ  tile

done:
	VZEROUPPER
	RET
