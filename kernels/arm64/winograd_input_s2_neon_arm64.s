//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "winograd_input_neon_arm64.h"

// NEON Winograd input transform F(2x2) at stride 2: the register map, the
// 1-D transform (INS2) and the steps are in winograd_input_neon_arm64.h.

// func WinoInput2S2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput2S2NEON(SB), NOSPLIT, $0-56
	LOADIN
	CMP   $0, N
	BLE   input2s2done

input2s2lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	PASS(SRC, TBL, 5)

input2s2row:
	MOVD PP, Q
	LD5(CS, 0, 1, 2, 3, 4)
	INS2
	VST1.P [V5.S4], 16(TD)
	VST1.P [V2.S4], 16(TD)
	VST1.P [V7.S4], 16(TD)
	VST1.P [V1.S4], 16(TD)
	VST1.P [V3.S4], 16(TD)
	ADD  RS, PP
	COUNT(input2s2row)

	// columns: dst[WinogradStride2Position(i, k)] = 1-D transform of tbl column k
	INS2COL(0, 0, 3, 6, 15, 16)
	INS2COL(16, 1, 4, 7, 17, 18)
	INS2COL(32, 2, 5, 8, 19, 20)
	INS2COL(48, 9, 11, 13, 21, 23)
	INS2COL(64, 10, 12, 14, 22, 24)
	NEXTIN(input2s2lanes)

input2s2done:
	RET
