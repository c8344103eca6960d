// im2col's row copy, the body shared by the AVX2 and AVX-512 levels (see
// im2col_amd64.go): whole kernel rows in vector loads and stores (the
// including file defines the width, vec_ymm_amd64.h or vec_zmm_amd64.h),
// blocks of 4*LANES floats, then of LANES, then a last vector that ends at
// the row's end (overlapping what is already stored) or, for rows shorter
// than a vector, single floats.

// COPYROWSBODY is the body of CopyRows<level>.
#define COPYROWSBODY \
	MOVQ  dst+0(FP), DI \
	MOVQ  ldd+8(FP), R8 \
	SHLQ  $2, R8 \
	MOVQ  src+16(FP), SI \
	MOVQ  step+24(FP), R9 \
	SHLQ  $2, R9 \
	MOVQ  n+32(FP), R10 \
	MOVQ  count+40(FP), CX \
	TESTQ CX, CX \
	JLE   done \
	TESTQ R10, R10 \
	JLE   done \
row: \
	MOVQ DI, AX \
	MOVQ SI, BX \
	MOVQ R10, DX \
	CMPQ DX, $LANES4 \
	JLT  by8 \
by32: \
	VMOVUPS (BX), V0 \
	VMOVUPS VB(BX), V1 \
	VMOVUPS 2*VB(BX), V2 \
	VMOVUPS 3*VB(BX), V3 \
	VMOVUPS V0, (AX) \
	VMOVUPS V1, VB(AX) \
	VMOVUPS V2, 2*VB(AX) \
	VMOVUPS V3, 3*VB(AX) \
	ADDQ    $VB4, BX \
	ADDQ    $VB4, AX \
	SUBQ    $LANES4, DX \
	CMPQ    DX, $LANES4 \
	JGE     by32 \
by8: \
	CMPQ DX, $LANES \
	JLT  tail \
loop8: \
	VMOVUPS (BX), V0 \
	VMOVUPS V0, (AX) \
	ADDQ    $VB, BX \
	ADDQ    $VB, AX \
	SUBQ    $LANES, DX \
	CMPQ    DX, $LANES \
	JGE     loop8 \
tail: \
	TESTQ DX, DX \
	JZ    next \
	CMPQ  R10, $LANES \
	JLT   scalar \
	VMOVUPS -VB(BX)(DX*4), V0 \
	VMOVUPS V0, -VB(AX)(DX*4) \
	JMP     next \
scalar: \
	MOVL (BX), R11 \
	MOVL R11, (AX) \
	ADDQ $4, BX \
	ADDQ $4, AX \
	DECQ DX \
	JNZ  scalar \
next: \
	ADDQ R8, DI \
	ADDQ R9, SI \
	DECQ CX \
	JNZ  row

