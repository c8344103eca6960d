//go:build !purego

#include "textflag.h"
#include "qgemm_amd64.h"

// AVX2 8-bit GEMM kernels with VPMADDUBSW, for weights whose k pairs
// cannot saturate it: VPMADDUBSW adds a0*b0 + a1*b1 (a uint8, b int8) into
// a saturating int16, which is exact for every A exactly when
// 255*(b0+ + b1+) <= 32767 and 255*(b0- + b1-) <= 32768, that is when the
// positive parts of each pair sum to at most 128 and so do the negative
// ones (b+ = max(b, 0), b- = max(-b, 0)). Package kernels checks this when
// it packs B and uses these kernels only then; 7-bit weights (ONNX
// Runtime's reduce_range) always pass. VPMADDWD by ones then adds the two
// int16 pair sums of each column into an int32 lane: 32 multiply-adds per
// two multiply instructions, twice the widening kernels' rate.
//
// A 6x8 tile: Y0-Y5 hold rows 0-5 (8 columns each), Y12 a group of B (8
// columns x 4 k), Y13 int16 ones, Y14 a row's 4 A bytes broadcast, Y15
// products.

// PROW is one row of a group: acc += A row (4 bytes at addr) * B.
#define PROW(addr, acc) \
	VPBROADCASTD addr, Y14   \
	VPMADDUBSW   Y12, Y14, Y15 \
	VPMADDWD     Y13, Y15, Y15 \
	VPADDD       Y15, acc, acc

// PROWX is PROW for A given in the other signedness: its bytes are XORed
// with 0x80 (int8 a becomes uint8 a+128; the caller moves the zero point).
#define PROWX(addr, acc) \
	VPBROADCASTD addr, Y14     \
	VPXOR        p80<>(SB), Y14, Y14 \
	VPMADDUBSW   Y12, Y14, Y15 \
	VPMADDWD     Y13, Y15, Y15 \
	VPADDD       Y15, acc, acc

DATA p80<>+0(SB)/8, $0x8080808080808080
DATA p80<>+8(SB)/8, $0x8080808080808080
DATA p80<>+16(SB)/8, $0x8080808080808080
DATA p80<>+24(SB)/8, $0x8080808080808080
GLOBL p80<>(SB), RODATA|NOPTR, $32

// PSETUP clears the accumulators and sets Y13 to int16 ones.
#define PSETUP \
	YZERO6                 \
	VPCMPEQW Y13, Y13, Y13 \
	VPSRLW   $15, Y13, Y13

// PDIRECT is the in-place k loop: rows 0-2 from AX (lda = SI apart), rows
// 3-5 from R8, each row through ROW.
#define PDIRECT(ROW, lbl) \
	QARGSDIRECT          \
	PSETUP               \
lbl:                     \
	VMOVDQU (BX), Y12    \
	ROW((AX), Y0)        \
	ROW((AX)(SI*1), Y1)  \
	ROW((AX)(SI*2), Y2)  \
	ROW((R8), Y3)        \
	ROW((R8)(SI*1), Y4)  \
	ROW((R8)(SI*2), Y5)  \
	QNEXTDIRECT(32, lbl) \
	YSTORE6              \
	VZEROUPPER           \
	RET

// func QgemmAVX2Pairs(a *byte, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2Pairs(SB), NOSPLIT, $0-32
	QARGS
	PSETUP

ploop:
	VMOVDQU (BX), Y12
	PROW(0(AX), Y0)
	PROW(4(AX), Y1)
	PROW(8(AX), Y2)
	PROW(12(AX), Y3)
	PROW(16(AX), Y4)
	PROW(20(AX), Y5)
	ADDQ $24, AX
	ADDQ $32, BX
	DECQ CX
	JNZ  ploop

	YSTORE6
	VZEROUPPER
	RET

// A read in place.
//
// func QgemmAVX2PairsDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2PairsDirect(SB), NOSPLIT, $0-40
	PDIRECT(PROW, pdloop)

// A read in place, each byte XORed with 0x80.
//
// func QgemmAVX2PairsDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2
TEXT ·QgemmAVX2PairsDirectFlip(SB), NOSPLIT, $0-40
	PDIRECT(PROWX, pxloop)
