//go:build !purego

#include "textflag.h"
#include "qgemm_amd64.h"

// VNNI 8-bit GEMM kernels: VPDPBUSD multiplies four uint8 A bytes by four
// int8 B bytes and adds the four products to an int32 lane (no
// intermediate saturation), which is exactly one packed group of four k
// steps per column. Neither kernel has run on hardware yet (this was
// written on a Zen 3): package kernels runs them only where CPUID reports
// the feature and a start-up self-test against the generic level passes.

// VPDPBUSD_VEX is the VEX (AVX-VNNI) form that Go's assembler lacks (it
// encodes VPDPBUSD as EVEX, which needs AVX-512 VL):
//	{vex} vpdpbusd %ymm<s2>, %ymm<s1>, %ymm<d>   (GNU as, AT&T)
//	Yd.dword[l] += sum_{q<4} uint8 Ys1.byte[4l+q] * int8 Ys2.byte[4l+q]
// VEX.256.66.0F38.W0 50 /r: C4, RXB.mmmmm (R = ~d bit 3, B = ~s2 bit 3,
// mmmmm = 00010), W.vvvv.L.pp (vvvv = ~s1, L = 1, pp = 01), 50, ModRM
// (mod 11, reg = d, rm = s2). Registers 0-15. Checked by
// TestQgemmVEXEncoding, which has GNU objdump read every use back.
#define VPDPBUSD_VEX(d, s1, s2) \
	BYTE $0xC4; BYTE $(0xE2 ^ (((d)&8)<<4) ^ (((s2)&8)<<2)); BYTE $(0x7D ^ (((s1)&15)<<3)); \
	BYTE $0x50; BYTE $(0xC0 | (((d)&7)<<3) | ((s2)&7))

// ZZERO and ZSTORE clear and store the AVX-512 accumulators (YZERO12
// and YSTORE12 of qgemm_amd64.h the AVX ones).
#define ZZERO \
	VPXORD Z0, Z0, Z0 \
	VPXORD Z1, Z1, Z1 \
	VPXORD Z2, Z2, Z2 \
	VPXORD Z3, Z3, Z3 \
	VPXORD Z4, Z4, Z4 \
	VPXORD Z5, Z5, Z5 \
	VPXORD Z6, Z6, Z6 \
	VPXORD Z7, Z7, Z7 \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15

#define ZSTORE \
	VMOVDQU32 Z0, 0(DX) \
	VMOVDQU32 Z1, 64(DX) \
	VMOVDQU32 Z2, 128(DX) \
	VMOVDQU32 Z3, 192(DX) \
	VMOVDQU32 Z4, 256(DX) \
	VMOVDQU32 Z5, 320(DX) \
	VMOVDQU32 Z6, 384(DX) \
	VMOVDQU32 Z7, 448(DX) \
	VMOVDQU32 Z8, 512(DX) \
	VMOVDQU32 Z9, 576(DX) \
	VMOVDQU32 Z10, 640(DX) \
	VMOVDQU32 Z11, 704(DX) \
	VMOVDQU32 Z12, 768(DX) \
	VMOVDQU32 Z13, 832(DX) \
	VMOVDQU32 Z14, 896(DX) \
	VMOVDQU32 Z15, 960(DX)

// VROW is one row of a group: Y(acc0), Y(acc1) += A row (4 bytes at addr)
// * B columns 0-7, 8-15 (Y12, Y13).
#define VROW(addr, acc0, acc1) \
	VPBROADCASTD addr, Y14 \
	VPDPBUSD_VEX(acc0, 14, 12) \
	VPDPBUSD_VEX(acc1, 14, 13)

// VROWX is VROW for A given in the other signedness: its bytes are XORed
// with 0x80 (Y15 holds 0x80s; the caller moves the zero point).
#define VROWX(addr, acc0, acc1) \
	VPBROADCASTD addr, Y14     \
	VPXOR        Y15, Y14, Y14 \
	VPDPBUSD_VEX(acc0, 14, 12) \
	VPDPBUSD_VEX(acc1, 14, 13)

// ZROW is one row of a group: acc0, acc1 += A row (4 bytes at addr) * B
// columns 0-15, 16-31 (Z16, Z17). VPDPBUSD's second source (here Z18, the
// broadcast A) is the unsigned one.
#define ZROW(addr, acc0, acc1) \
	VPBROADCASTD addr, Z18 \
	VPDPBUSD     Z16, Z18, acc0 \
	VPDPBUSD     Z17, Z18, acc1

// ZROWX is ZROW with the A bytes XORed with 0x80 (Z19 holds 0x80s).
#define ZROWX(addr, acc0, acc1) \
	VPBROADCASTD addr, Z18      \
	VPXORD       Z19, Z18, Z18  \
	VPDPBUSD     Z16, Z18, acc0 \
	VPDPBUSD     Z17, Z18, acc1

// VDIRECT and ZDIRECT are the in-place k loops: rows 0-2 from AX (lda = SI
// apart), rows 3-5 from R8, rows 6-7 from R9, each row through ROW.
#define VDIRECT(ROW, lbl) \
	QARGSDIRECT              \
	MOVL $0x80808080, R10    \
	VMOVD R10, X15           \
	VPBROADCASTD X15, Y15    \
	YZERO12                  \
lbl:                         \
	VMOVDQU (BX), Y12        \
	VMOVDQU 32(BX), Y13      \
	ROW((AX), 0, 1)          \
	ROW((AX)(SI*1), 2, 3)    \
	ROW((AX)(SI*2), 4, 5)    \
	ROW((R8), 6, 7)          \
	ROW((R8)(SI*1), 8, 9)    \
	ROW((R8)(SI*2), 10, 11)  \
	QNEXTDIRECT(64, lbl)     \
	YSTORE12                 \
	VZEROUPPER               \
	RET

#define ZDIRECT(ROW, lbl) \
	QARGSDIRECT              \
	LEAQ (R8)(SI*2), R9      \
	ADDQ SI, R9              \
	MOVL $0x80808080, R10    \
	VMOVD R10, X19           \
	VPBROADCASTD X19, Z19    \
	ZZERO                    \
lbl:                         \
	VMOVDQU32 (BX), Z16      \
	VMOVDQU32 64(BX), Z17    \
	ROW((AX), Z0, Z1)        \
	ROW((AX)(SI*1), Z2, Z3)  \
	ROW((AX)(SI*2), Z4, Z5)  \
	ROW((R8), Z6, Z7)        \
	ROW((R8)(SI*1), Z8, Z9)  \
	ROW((R8)(SI*2), Z10, Z11) \
	ROW((R9), Z12, Z13)      \
	ROW((R9)(SI*1), Z14, Z15) \
	ADDQ $4, AX              \
	ADDQ $4, R8              \
	ADDQ $4, R9              \
	ADDQ $128, BX            \
	DECQ CX                  \
	JNZ  lbl                 \
	ZSTORE                   \
	VZEROUPPER               \
	RET

// A 6x16 tile: Y0-Y11 hold rows 0-5 (two YMM of 8 columns each), Y12-Y13
// a group of B (16 columns x 4 k), Y14 a row's 4 A bytes broadcast.
//
// func QgemmAVXVNNI(a *byte, b *int8, kg int, c *int32)
// Requires: AVX2, AVXVNNI
TEXT ·QgemmAVXVNNI(SB), NOSPLIT, $0-32
	QARGS
	YZERO12

vloop:
	VMOVDQU (BX), Y12
	VMOVDQU 32(BX), Y13
	VROW(0(AX), 0, 1)
	VROW(4(AX), 2, 3)
	VROW(8(AX), 4, 5)
	VROW(12(AX), 6, 7)
	VROW(16(AX), 8, 9)
	VROW(20(AX), 10, 11)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  vloop

	YSTORE12
	VZEROUPPER
	RET

// An 8x32 tile: Z0-Z15 hold rows 0-7 (two ZMM of 16 columns each),
// Z16-Z17 a group of B (32 columns x 4 k), Z18 a row's A bytes broadcast.
//
// func QgemmAVX512VNNI(a *byte, b *int8, kg int, c *int32)
// Requires: AVX512F, AVX512BW, AVX512VNNI
TEXT ·QgemmAVX512VNNI(SB), NOSPLIT, $0-32
	QARGS
	ZZERO

zloop:
	VMOVDQU32 (BX), Z16
	VMOVDQU32 64(BX), Z17
	ZROW(0(AX), Z0, Z1)
	ZROW(4(AX), Z2, Z3)
	ZROW(8(AX), Z4, Z5)
	ZROW(12(AX), Z6, Z7)
	ZROW(16(AX), Z8, Z9)
	ZROW(20(AX), Z10, Z11)
	ZROW(24(AX), Z12, Z13)
	ZROW(28(AX), Z14, Z15)
	ADDQ $32, AX
	ADDQ $128, BX
	DECQ CX
	JNZ  zloop

	ZSTORE
	VZEROUPPER
	RET

// QgemmAVXVNNI reading A in place.
//
// func QgemmAVXVNNIDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2, AVXVNNI
TEXT ·QgemmAVXVNNIDirect(SB), NOSPLIT, $0-40
	VDIRECT(VROW, vdloop)

// QgemmAVXVNNI reading A in place, each byte XORed with 0x80.
//
// func QgemmAVXVNNIDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX2, AVXVNNI
TEXT ·QgemmAVXVNNIDirectFlip(SB), NOSPLIT, $0-40
	VDIRECT(VROWX, vxloop)

// QgemmAVX512VNNI reading A in place.
//
// func QgemmAVX512VNNIDirect(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX512F, AVX512BW, AVX512VNNI
TEXT ·QgemmAVX512VNNIDirect(SB), NOSPLIT, $0-40
	ZDIRECT(ZROW, zdloop)

// QgemmAVX512VNNI reading A in place, each byte XORed with 0x80.
//
// func QgemmAVX512VNNIDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
// Requires: AVX512F, AVX512BW, AVX512VNNI
TEXT ·QgemmAVX512VNNIDirectFlip(SB), NOSPLIT, $0-40
	ZDIRECT(ZROWX, zxloop)
