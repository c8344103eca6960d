//go:build !purego

#include "textflag.h"
#include "vec_ymm_amd64.h"
#include "sgemm_epilogue_amd64.h"

// AVX2+FMA single-precision GEMM kernel: a strip of rows x 16 of C, from
// rows of A read in place (lda apart) and one packed B panel 16 floats
// wide, cut into tiles of h rows (the last one shorter if need be). A tile
// of r <= 6 rows keeps its r x 16 sums in 2r YMM registers.
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

// PREFETCH6 asks for the next tile's A rows at the current k offset (once
// per eight k steps, half a line): by the time that tile starts they have
// moved from L2, L3 or memory to L1.
#define PREFETCH6 \
	PREFETCHT0 (PF0)         \
	PREFETCHT0 (PF0)(LDA*1)  \
	PREFETCHT0 (PF0)(LDA*2)  \
	PREFETCHT0 (PF3)         \
	PREFETCHT0 (PF3)(LDA*1)  \
	PREFETCHT0 (PF3)(LDA*2)

// PREFETCHB asks for the next two lines of the next B panel, once each;
// twice per eight k steps, the first two tiles of the strip bring the whole
// panel in while the strip reuses this one, and PFB then stays on the
// panel's last lines (later tiles skip it, see TILE). It matters when the weights come from memory, as in a
// network (ResNet-50's 100 MB do not fit in L3): without it the layer set
// ran about 5 % slower; BenchmarkSgemm, whose B stays in cache, does not
// show it.
#define PREFETCHB \
	PREFETCHT0 (PFB)            \
	PREFETCHT0 64(PFB)          \
	ADDQ       $128, PFB        \
	CMPQ       PFB, pfend-8(SP) \
	CMOVQGT    pfend-8(SP), PFB

// PREFCROWS asks for three rows of C from base, LDC apart: the two lines
// that each row's sixteen floats may span (prefetching never faults, so
// rows past the matrix are harmless).
#define PREFCROWS(base) \
	PREFETCHT0 (base)          \
	PREFETCHT0 60(base)        \
	PREFETCHT0 (base)(LDC*1)   \
	PREFETCHT0 60(base)(LDC*1) \
	PREFETCHT0 (base)(LDC*2)   \
	PREFETCHT0 60(base)(LDC*2)

// FMA2 is one row of a k step: acc0, acc1 += A[i][p] * B[p][0:16].
#define FMA2(src, yb, acc0, acc1) \
	VBROADCASTSS src, yb          \
	VFMADD231PS  Y12, yb, acc0    \
	VFMADD231PS  Y13, yb, acc1

// KSTEPr is one k step for a tile of r rows: load B's row p (at byte offsets
// bo0, bo1 from BPTR) and update the r rows (A[.][p] at byte offset ao).
#define KSTEP1(bo0, bo1, ao) \
	VMOVUPS bo0(BPTR), Y12 \
	VMOVUPS bo1(BPTR), Y13 \
	FMA2(ao(A0), Y14, Y0, Y1)

#define KSTEP2(bo0, bo1, ao) \
	KSTEP1(bo0, bo1, ao) \
	FMA2(ao(A0)(LDA*1), Y15, Y2, Y3)

#define KSTEP3(bo0, bo1, ao) \
	KSTEP2(bo0, bo1, ao) \
	FMA2(ao(A0)(LDA*2), Y14, Y4, Y5)

#define KSTEP4(bo0, bo1, ao) \
	KSTEP3(bo0, bo1, ao) \
	FMA2(ao(A3), Y15, Y6, Y7)

#define KSTEP5(bo0, bo1, ao) \
	KSTEP4(bo0, bo1, ao) \
	FMA2(ao(A3)(LDA*1), Y14, Y8, Y9)

#define KSTEP6(bo0, bo1, ao) \
	KSTEP5(bo0, bo1, ao) \
	FMA2(ao(A3)(LDA*2), Y15, Y10, Y11)

// KBODY is eight k steps of a tile (KSTEP) and the moves to the next eight.
#define KBODY(KSTEP) \
	KSTEP(0, 32, 0)     \
	KSTEP(64, 96, 4)    \
	KSTEP(128, 160, 8)  \
	KSTEP(192, 224, 12) \
	KSTEP(256, 288, 16) \
	KSTEP(320, 352, 20) \
	KSTEP(384, 416, 24) \
	KSTEP(448, 480, 28) \
	ADDQ $512, BPTR     \
	ADDQ $32, A0        \
	ADDQ $32, A3        \
	ADDQ $32, PF0       \
	ADDQ $32, PF3       \
	SUBQ $8, K

// TILE is the whole k loop of a tile of r rows, eight k steps at a time,
// then one at a time; it leaves r in K and jumps to the epilogue. While
// the next B panel has lines left to ask for (the strip's first two
// tiles), the loop is kloop, which asks for them; later tiles run kloopq,
// which does not: in cache the B prefetches cost about 7 % when every
// tile ran them (BenchmarkKernel, kc=256, 8 tiles, alternating: median
// 81.4 GFLOP/s with them on every tile, 86.6 on the first two only, 89
// with none).
#define TILE(KSTEP, r, kloop, kloopq, kend, ktail, kdone) \
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
	CMPQ   K, $8                     \
	JLT    ktail                     \
	CMPQ   PFB, pfend-8(SP)          \
	JGE    kloopq                    \
kloop:                               \
	PREFETCH6                        \
	PREFETCHB                        \
	PREFETCHB                        \
	KBODY(KSTEP)                     \
	CMPQ   K, $8                     \
	JGE    kloop                     \
	JMP    kend                      \
kloopq:                              \
	PREFETCH6                        \
	KBODY(KSTEP)                     \
	CMPQ   K, $8                     \
	JGE    kloopq                    \
kend:                                \
	TESTQ  K, K                      \
	JZ     kdone                     \
ktail:                               \
	KSTEP(0, 32, 0)                  \
	ADDQ   $64, BPTR                 \
	ADDQ   $4, A0                    \
	ADDQ   $4, A3                    \
	DECQ   K                         \
	JNZ    ktail                     \
kdone:                               \
	MOVQ   $r, K                     \
	JMP    epilogue

// func SgemmStripAVX2(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows int, h int)
// Requires: AVX2, FMA
TEXT ·SgemmStripAVX2(SB), NOSPLIT, $8-80
	MOVQ  a+0(FP), ABLK
	MOVQ  lda+8(FP), LDA
	SHLQ  $2, LDA
	MOVQ  kc+24(FP), PFB
	SHLQ  $6, PFB          // the bytes of a panel
	MOVQ  b+16(FP), TMP
	LEAQ  -128(TMP)(PFB*2), TMP
	MOVQ  TMP, pfend-8(SP) // the last two lines of the next panel
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

	// With accumulation, ask for the tile's rows of C now: the epilogue
	// reads them after the k loop, and a residual that has left the
	// caches stalled every tile for its latency (ResNet-50's expanding
	// 1x1 convolutions, which add the shortcut, ran at 60-68 GFLOP/s
	// where the same shapes without it ran at 72-81).
	TESTQ $1, flags+56(FP)
	JZ    zero
	PREFCROWS(CP)
	LEAQ  (LDC)(LDC*2), TMP
	ADDQ  CP, TMP
	PREFCROWS(TMP)

zero:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	VXORPS  Y8, Y8, Y8
	VXORPS  Y9, Y9, Y9
	VXORPS  Y10, Y10, Y10
	VXORPS  Y11, Y11, Y11
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
	TILE(KSTEP6, 6, kloop6, kloopq6, kend6, ktail6, kdone6)

tile5:
	TILE(KSTEP5, 5, kloop5, kloopq5, kend5, ktail5, kdone5)

tile4:
	TILE(KSTEP4, 4, kloop4, kloopq4, kend4, ktail4, kdone4)

tile3:
	TILE(KSTEP3, 3, kloop3, kloopq3, kend3, ktail3, kdone3)

tile2:
	TILE(KSTEP2, 2, kloop2, kloopq2, kend2, ktail2, kdone2)

tile1:
	TILE(KSTEP1, 1, kloop1, kloopq1, kend1, ktail1, kdone1)

epilogue:
	SGEMM_EPILOGUE

done:
	VZEROUPPER
	RET
