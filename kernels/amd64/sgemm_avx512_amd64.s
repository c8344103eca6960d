//go:build !purego

#include "textflag.h"
#include "vec_zmm_amd64.h"
#include "sgemm_epilogue_amd64.h"

// AVX-512F single-precision GEMM kernel: a strip of rows x 32 of C, from
// rows of A read in place (lda apart) and one packed B panel 32 floats
// wide, cut into tiles of h rows (the last one shorter if need be). A tile
// of r <= 6 rows keeps its r x 32 sums in 2r ZMM registers. The structure
// is that of the AVX2 kernel (sgemm_avx2_amd64.s) with registers and B
// rows twice as wide.
//
// Its encodings were checked with objdump; it has run correctly on a
// Sapphire Rapids class Xeon (issue 13), and package kernels' self-test
// checks it on every CPU before the avx512 level is used.
//
// Vector registers (only AVX-512F instructions; Z16-Z31 are left free):
//	Z0  Z1    row 0 of the tile, columns 0-15 and 16-31
//	Z2  Z3    row 1
//	Z4  Z5    row 2
//	Z6  Z7    row 3
//	Z8  Z9    row 4
//	Z10 Z11   row 5
//	Z12 Z13   B[p][0:16], B[p][16:32]; bias in the epilogue
//	Z14 Z15   A[i][p] broadcast (two, alternating); zero for ReLU
//
// Each accumulator is one chain of FMAs in p order, whatever the tile's
// height, so an element of C does not depend on how rows are cut into tiles.

#define A0     AX  // &A[tile row 0][p]
#define A3     R10 // &A[tile row 3][p]; &C[tile row 3] in the epilogue
#define LDA    SI  // lda in bytes
#define BPTR   BX  // &Bpanel[p][0]
#define K      CX  // k steps left; the tile's height in the epilogue
#define CP     DX  // &C[tile row 0]
#define LDC    DI  // ldc in bytes
#define PF0    R8  // &A[next tile row 0][p], prefetched
#define PF3    R9  // &A[next tile row 3][p]
#define ABLK   R12 // &A[tile row 0][0]
#define PFB    R13 // the next B panel's line to prefetch
#define BIAS   AX  // bias, in the epilogue
#define TMP    AX  // scratch between tiles

// PREFETCH6 asks for the next tile's A rows at the current k offset: by the
// time that tile starts they have moved from L2, L3 or memory to L1.
#define PREFETCH6 \
	PREFETCHT0 (PF0)         \
	PREFETCHT0 (PF0)(LDA*1)  \
	PREFETCHT0 (PF0)(LDA*2)  \
	PREFETCHT0 (PF3)         \
	PREFETCHT0 (PF3)(LDA*1)  \
	PREFETCHT0 (PF3)(LDA*2)

// PREFETCHB asks for the next four lines of the next B panel, once each:
// the first two tiles of the strip bring the whole panel in while the
// strip reuses this one, and PFB then stays on the panel's last lines.
#define PREFETCHB \
	PREFETCHT0 (PFB)           \
	PREFETCHT0 64(PFB)         \
	PREFETCHT0 128(PFB)        \
	PREFETCHT0 192(PFB)        \
	ADDQ       $256, PFB       \
	CMPQ       PFB, pfend-8(SP) \
	CMOVQGT    pfend-8(SP), PFB

// FMA2 is one row of a k step: acc0, acc1 += A[i][p] * B[p][0:32].
#define FMA2(src, yb, acc0, acc1) \
	VBROADCASTSS src, yb          \
	VFMADD231PS  Z12, yb, acc0    \
	VFMADD231PS  Z13, yb, acc1

// KSTEPr is one k step for a tile of r rows: load B's row p (at byte offsets
// bo0, bo1 from BPTR) and update the r rows (A[.][p] at byte offset ao).
#define KSTEP1(bo0, bo1, ao) \
	VMOVUPS bo0(BPTR), Z12 \
	VMOVUPS bo1(BPTR), Z13 \
	FMA2(ao(A0), Z14, Z0, Z1)

#define KSTEP2(bo0, bo1, ao) \
	KSTEP1(bo0, bo1, ao) \
	FMA2(ao(A0)(LDA*1), Z15, Z2, Z3)

#define KSTEP3(bo0, bo1, ao) \
	KSTEP2(bo0, bo1, ao) \
	FMA2(ao(A0)(LDA*2), Z14, Z4, Z5)

#define KSTEP4(bo0, bo1, ao) \
	KSTEP3(bo0, bo1, ao) \
	FMA2(ao(A3), Z15, Z6, Z7)

#define KSTEP5(bo0, bo1, ao) \
	KSTEP4(bo0, bo1, ao) \
	FMA2(ao(A3)(LDA*1), Z14, Z8, Z9)

#define KSTEP6(bo0, bo1, ao) \
	KSTEP5(bo0, bo1, ao) \
	FMA2(ao(A3)(LDA*2), Z15, Z10, Z11)

// TILE is the whole k loop of a tile of r rows, four k steps at a time,
// then one at a time; it leaves r in K and jumps to the epilogue.
#define TILE(KSTEP, r, kloop, ktail, kdone) \
	MOVQ   ABLK, A0                  \
	LEAQ   (LDA)(LDA*2), A3          \
	ADDQ   A0, A3                    \
	MOVQ   $r, PF0                   \
	IMULQ  LDA, PF0                  \
	ADDQ   ABLK, PF0                 \
	LEAQ   (LDA)(LDA*2), PF3         \
	ADDQ   PF0, PF3                  \
	MOVQ   b+16(FP), BPTR            \
	MOVQ   kc+24(FP), K              \
	CMPQ   K, $4                     \
	JLT    ktail                     \
kloop:                               \
	PREFETCH6                        \
	PREFETCHB                        \
	KSTEP(0, 64, 0)                  \
	KSTEP(128, 192, 4)               \
	KSTEP(256, 320, 8)               \
	KSTEP(384, 448, 12)              \
	ADDQ   $512, BPTR                \
	ADDQ   $16, A0                   \
	ADDQ   $16, A3                   \
	ADDQ   $16, PF0                  \
	ADDQ   $16, PF3                  \
	SUBQ   $4, K                     \
	CMPQ   K, $4                     \
	JGE    kloop                     \
	TESTQ  K, K                      \
	JZ     kdone                     \
ktail:                               \
	KSTEP(0, 64, 0)                  \
	ADDQ   $128, BPTR                \
	ADDQ   $4, A0                    \
	ADDQ   $4, A3                    \
	DECQ   K                         \
	JNZ    ktail                     \
kdone:                               \
	MOVQ   $r, K                     \
	JMP    epilogue

// func SgemmStripAVX512(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows int, h int)
// Requires: AVX512F
TEXT ·SgemmStripAVX512(SB), NOSPLIT, $8-80
	MOVQ  a+0(FP), ABLK
	MOVQ  lda+8(FP), LDA
	SHLQ  $2, LDA
	MOVQ  kc+24(FP), PFB
	SHLQ  $7, PFB          // the bytes of a panel
	MOVQ  b+16(FP), TMP
	LEAQ  -256(TMP)(PFB*2), TMP
	MOVQ  TMP, pfend-8(SP) // the last four lines of the next panel
	ADDQ  b+16(FP), PFB    // the next panel
	MOVQ  c+32(FP), CP
	MOVQ  ldc+40(FP), LDC
	SHLQ  $2, LDC
	CMPQ  rows+64(FP), $0
	JLE   done

tile:
	// this tile's height: K = min(h, rows left); then its k loop
	MOVQ    h+72(FP), K
	CMPQ    K, rows+64(FP)
	CMOVQGT rows+64(FP), K
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	VPXORD  Z8, Z8, Z8
	VPXORD  Z9, Z9, Z9
	VPXORD  Z10, Z10, Z10
	VPXORD  Z11, Z11, Z11
	CMPQ    K, $6
	JGE     tile6
	CMPQ    K, $5
	JEQ     tile5
	CMPQ    K, $4
	JEQ     tile4
	CMPQ    K, $3
	JEQ     tile3
	CMPQ    K, $2
	JEQ     tile2
	JMP     tile1

tile6:
	TILE(KSTEP6, 6, kloop6, ktail6, kdone6)

tile5:
	TILE(KSTEP5, 5, kloop5, ktail5, kdone5)

tile4:
	TILE(KSTEP4, 4, kloop4, ktail4, kdone4)

tile3:
	TILE(KSTEP3, 3, kloop3, ktail3, kdone3)

tile2:
	TILE(KSTEP2, 2, kloop2, ktail2, kdone2)

tile1:
	TILE(KSTEP1, 1, kloop1, ktail1, kdone1)

epilogue:
	SGEMM_EPILOGUE

done:
	VZEROUPPER
	RET
