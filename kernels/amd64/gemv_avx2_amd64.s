//go:build !purego

#include "textflag.h"

// AVX2+FMA matrix-vector kernel: one row of A against four consecutive
// packed B panels (16 floats wide each) of one K block, 64 outputs. The
// strip kernel on one row keeps two accumulators, so each k step waits
// for the previous step's FMA (latency 4 cycles on Zen 3); four panels give
// eight independent chains, enough to keep both FMA pipes busy, and four
// streams of B in flight.
//
// Each output is the same chain of operations as SgemmStripAVX2 computes
// for it: FMAs in p order from zero, then + C (flag 1), + bias, ReLU
// (flag 2), so a one-row GEMM gives the same bits either way.
//
// Vector registers:
//	Y0 Y1     panel 0, columns 0-7 and 8-15
//	Y2 Y3     panel 1
//	Y4 Y5     panel 2
//	Y6 Y7     panel 3
//	Y8 Y9     A[p] broadcast (two, alternating); zero for ReLU

#define A    AX // &a[p]
#define B0   BX // &panel0[p][0]; panel 1 at (B0)(S*1)
#define B2   CX // &panel2[p][0]; panel 3 at (B2)(S*1)
#define S    DX // distance between panels, bytes: kc*16*4
#define K    SI // k steps left
#define CP   DI // &c[0]
#define BIAS R8 // &bias[0]

// KSTEP is one k step: A[p] at byte offset ao, B's row p at bo.
#define KSTEP(ao, bo, y) \
	VBROADCASTSS ao(A), y                 \
	VFMADD231PS  bo(B0), y, Y0            \
	VFMADD231PS  bo+32(B0), y, Y1         \
	VFMADD231PS  bo(B0)(S*1), y, Y2       \
	VFMADD231PS  bo+32(B0)(S*1), y, Y3    \
	VFMADD231PS  bo(B2), y, Y4            \
	VFMADD231PS  bo+32(B2), y, Y5         \
	VFMADD231PS  bo(B2)(S*1), y, Y6       \
	VFMADD231PS  bo+32(B2)(S*1), y, Y7

// ALL8 applies op with memory operands at base+0, 32, ..., 224.
#define ALL8(op, base) \
	op 0(base), Y0, Y0   \
	op 32(base), Y1, Y1  \
	op 64(base), Y2, Y2  \
	op 96(base), Y3, Y3  \
	op 128(base), Y4, Y4 \
	op 160(base), Y5, Y5 \
	op 192(base), Y6, Y6 \
	op 224(base), Y7, Y7

// func SgemvPanels4AVX2(a *float32, b *float32, kc int, c *float32, bias *float32, flags int)
// Requires: AVX2, FMA
TEXT ·SgemvPanels4AVX2(SB), NOSPLIT, $0-48
	MOVQ   a+0(FP), A
	MOVQ   b+8(FP), B0
	MOVQ   kc+16(FP), K
	MOVQ   K, S
	SHLQ   $6, S
	LEAQ   (B0)(S*2), B2
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   K, $4
	JLT    tail

loop4:
	KSTEP(0, 0, Y8)
	KSTEP(4, 64, Y9)
	KSTEP(8, 128, Y8)
	KSTEP(12, 192, Y9)
	ADDQ $16, A
	ADDQ $256, B0
	ADDQ $256, B2
	SUBQ $4, K
	CMPQ K, $4
	JGE  loop4

tail:
	TESTQ K, K
	JZ    epilogue
	KSTEP(0, 0, Y8)
	ADDQ  $4, A
	ADDQ  $64, B0
	ADDQ  $64, B2
	DECQ  K
	JMP   tail

epilogue:
	MOVQ  c+24(FP), CP
	TESTQ $1, flags+40(FP)
	JZ    addbias
	ALL8(VADDPS, CP)

addbias:
	MOVQ  bias+32(FP), BIAS
	TESTQ BIAS, BIAS
	JZ    relu
	ALL8(VADDPS, BIAS)

relu:
	TESTQ  $2, flags+40(FP)
	JZ     store
	VXORPS Y8, Y8, Y8
	VMAXPS Y8, Y0, Y0
	VMAXPS Y8, Y1, Y1
	VMAXPS Y8, Y2, Y2
	VMAXPS Y8, Y3, Y3
	VMAXPS Y8, Y4, Y4
	VMAXPS Y8, Y5, Y5
	VMAXPS Y8, Y6, Y6
	VMAXPS Y8, Y7, Y7

store:
	VMOVUPS Y0, (CP)
	VMOVUPS Y1, 32(CP)
	VMOVUPS Y2, 64(CP)
	VMOVUPS Y3, 96(CP)
	VMOVUPS Y4, 128(CP)
	VMOVUPS Y5, 160(CP)
	VMOVUPS Y6, 192(CP)
	VMOVUPS Y7, 224(CP)
	VZEROUPPER
	RET
