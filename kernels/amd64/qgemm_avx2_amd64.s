//go:build !purego

#include "textflag.h"
#include "qgemm_amd64.h"

// AVX2 8-bit GEMM kernel: one 6x8 tile of int32 sums, uint8 A times int8 B,
// both packed in groups of four k steps (see QgemmAVX2).
//
// VPMADDUBSW would multiply 32 byte pairs per instruction, but it adds two
// products into a saturating int16: 255*127 + 255*127 = 64770 does not fit,
// so it is wrong for some inputs (or exact only with 7-bit weights or
// activations, which changes the model's arithmetic). This kernel widens
// instead: B to int16 with VPMOVSXBW, A to int16 with VPMOVZXBW, then
// VPMADDWD, whose sums of two int16 products go to int32 and cannot
// overflow for 8-bit values (|sum| <= 2*255*128). That is 16 multiply-adds
// per multiply instruction, as many as the VPMADDUBSW + VPMADDWD pair does
// per two, and the widening runs on the shuffle ports, which the multiplies
// do not use. Results are exact for every input (TestQGemmSaturation).
//
// Lanes: a group of 16 B bytes (4 columns x 4 k) widens to one YMM whose
// dword 2c holds column c's k pair 0-1 and dword 2c+1 its pair 2-3; a row's
// 4 A bytes, broadcast to 16 and widened, put the pairs in the same places,
// so VPMADDWD leaves two partial sums per column, folded by VPHADDD at the
// end.
//
// Vector registers:
//	Y0  Y1    row 0: columns 0-3 and 4-7, two partial sums each
//	...
//	Y10 Y11   row 5
//	Y12 Y13   B group, columns 0-3 and 4-7, as int16
//	Y14       A[i][4g:4g+4] as int16, repeated
//	Y15       products

// QROW is one row of a group: acc0, acc1 += A row (4 bytes at addr) * B.
#define QROW(addr, acc0, acc1) \
	VPBROADCASTD addr, X14 \
	VPMOVZXBW    X14, Y14     \
	VPMADDWD     Y12, Y14, Y15 \
	VPADDD       Y15, acc0, acc0 \
	VPMADDWD     Y13, Y14, Y15 \
	VPADDD       Y15, acc1, acc1

// QROWX is QROW for A given in the other signedness: its bytes are
// XORed with 0x80 (int8 a becomes uint8 a+128; the caller moves the zero
// point to match).
#define QROWX(addr, acc0, acc1) \
	VPBROADCASTD addr, X14      \
	VPXOR        q80<>(SB), X14, X14 \
	VPMOVZXBW    X14, Y14       \
	VPMADDWD     Y12, Y14, Y15  \
	VPADDD       Y15, acc0, acc0 \
	VPMADDWD     Y13, Y14, Y15  \
	VPADDD       Y15, acc1, acc1

DATA q80<>+0(SB)/8, $0x8080808080808080
DATA q80<>+8(SB)/8, $0x8080808080808080
GLOBL q80<>(SB), RODATA|NOPTR, $16

// QFOLD adds each column's two partial sums and stores the row's 8 sums.
#define QFOLD(acc0, acc1, off) \
	VPHADDD acc1, acc0, acc0 \
	VPERMQ  $0xD8, acc0, acc0 \
	VMOVDQU acc0, off(DX)

// QSTORE folds and stores the tile's six rows.
#define QSTORE \
	QFOLD(Y0, Y1, 0)    \
	QFOLD(Y2, Y3, 32)   \
	QFOLD(Y4, Y5, 64)   \
	QFOLD(Y6, Y7, 96)   \
	QFOLD(Y8, Y9, 128)  \
	QFOLD(Y10, Y11, 160)

// QDIRECT is the in-place k loop: rows 0-2 from AX (lda = SI apart), rows
// 3-5 from R8, each row through ROW.
#define QDIRECT(ROW, lbl) \
	QARGSDIRECT              \
	YZERO12                  \
lbl:                         \
	VPMOVSXBW (BX), Y12      \
	VPMOVSXBW 16(BX), Y13    \
	ROW((AX), Y0, Y1)        \
	ROW((AX)(SI*1), Y2, Y3)  \
	ROW((AX)(SI*2), Y4, Y5)  \
	ROW((R8), Y6, Y7)        \
	ROW((R8)(SI*1), Y8, Y9)  \
	ROW((R8)(SI*2), Y10, Y11) \
	QNEXTDIRECT(32, lbl)     \
	QSTORE                   \
	VZEROUPPER               \
	RET

// A read in place.
//
// func QgemmAVX2Direct(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2Direct(SB), NOSPLIT, $0-40
	QDIRECT(QROW, dloop)

// A read in place, each byte XORed with 0x80.
//
// func QgemmAVX2DirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2DirectFlip(SB), NOSPLIT, $0-40
	QDIRECT(QROWX, xloop)

// func QgemmAVX2(a *byte, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2(SB), NOSPLIT, $0-32
	QARGS
	YZERO12

loop:
	VPMOVSXBW (BX), Y12
	VPMOVSXBW 16(BX), Y13
	QROW(0(AX), Y0, Y1)
	QROW(4(AX), Y2, Y3)
	QROW(8(AX), Y4, Y5)
	QROW(12(AX), Y6, Y7)
	QROW(16(AX), Y8, Y9)
	QROW(20(AX), Y10, Y11)
	ADDQ $24, AX
	ADDQ $32, BX
	DECQ CX
	JNZ  loop

	QSTORE
	VZEROUPPER
	RET
