// Steps the amd64 8-bit GEMM kernels (qgemm_avx2_amd64.s,
// qgemm_pairs_avx2_amd64.s, qgemm_vnni_amd64.s) share. Every kernel takes
// A in AX, B in BX, the group count in CX and c in DX; the Direct forms
// also lda in SI and rows 3-5 of A from R8.

// QARGS loads a packed kernel's arguments (a, b, kg, c).
#define QARGS \
	MOVQ a+0(FP), AX   \
	MOVQ b+8(FP), BX   \
	MOVQ kg+16(FP), CX \
	MOVQ c+24(FP), DX

// QARGSDIRECT loads a Direct kernel's arguments (a, lda, b, kg, c) and
// points R8 at row 3 of A.
#define QARGSDIRECT \
	MOVQ a+0(FP), AX    \
	MOVQ lda+8(FP), SI  \
	MOVQ b+16(FP), BX   \
	MOVQ kg+24(FP), CX  \
	MOVQ c+32(FP), DX   \
	LEAQ (SI)(SI*2), R8 \
	ADDQ AX, R8

// QNEXTDIRECT steps a six-row Direct kernel to its next group (A 4 bytes
// on, B bstep bytes) and back to lbl while any are left.
#define QNEXTDIRECT(bstep, lbl) \
	ADDQ $4, AX     \
	ADDQ $4, R8     \
	ADDQ $bstep, BX \
	DECQ CX         \
	JNZ  lbl

// YZERO6 / YZERO12 clear Y0-Y5 / Y0-Y11.
#define YZERO6 \
	VPXOR Y0, Y0, Y0 \
	VPXOR Y1, Y1, Y1 \
	VPXOR Y2, Y2, Y2 \
	VPXOR Y3, Y3, Y3 \
	VPXOR Y4, Y4, Y4 \
	VPXOR Y5, Y5, Y5

#define YZERO12 \
	YZERO6              \
	VPXOR Y6, Y6, Y6    \
	VPXOR Y7, Y7, Y7    \
	VPXOR Y8, Y8, Y8    \
	VPXOR Y9, Y9, Y9    \
	VPXOR Y10, Y10, Y10 \
	VPXOR Y11, Y11, Y11

// YSTORE6 / YSTORE12 store Y0-Y5 / Y0-Y11 to c[0:48] / c[0:96].
#define YSTORE6 \
	VMOVDQU Y0, 0(DX)   \
	VMOVDQU Y1, 32(DX)  \
	VMOVDQU Y2, 64(DX)  \
	VMOVDQU Y3, 96(DX)  \
	VMOVDQU Y4, 128(DX) \
	VMOVDQU Y5, 160(DX)

#define YSTORE12 \
	YSTORE6              \
	VMOVDQU Y6, 192(DX)  \
	VMOVDQU Y7, 224(DX)  \
	VMOVDQU Y8, 256(DX)  \
	VMOVDQU Y9, 288(DX)  \
	VMOVDQU Y10, 320(DX) \
	VMOVDQU Y11, 352(DX)
