//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "winograd_input_neon_arm64.h"

// NEON Winograd input transforms F(4x4), F(3x3) and F(2x2), stride 1: the
// register map, the 1-D transforms (IN4, IN3, IN2) and the steps are in
// winograd_input_neon_arm64.h.

// func WinoInput4NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput4NEON(SB), NOSPLIT, $0-56
	LOADIN
	SPLAT(F13, V13, $4.0)
	SPLAT(F14, V14, $5.0)
	SPLAT(F15, V15, $2.0)
	MOVD  $6, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input4done

input4lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	PASS(SRC, TBL, 6)

input4row:
	MOVD PP, Q
	LD6(CS, 0, 1, 2, 3, 4, 5)
	IN4
	VST1.P [V6.S4, V7.S4, V8.S4, V9.S4], 64(TD)
	VST1.P [V10.S4, V11.S4], 32(TD)
	ADD  RS, PP
	COUNT(input4row)

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	PASS(TBL, DST, 6)

input4col:
	MOVD PP, Q
	LD6($96, 0, 1, 2, 3, 4, 5)
	IN4
	MOVD TD, Q
	ST6(TDS, 6, 7, 8, 9, 10, 11)
	NEXTCOL(DS, input4col)
	NEXTIN(input4lanes)

input4done:
	RET

// func WinoInput3NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput3NEON(SB), NOSPLIT, $0-56
	LOADIN
	SPLAT(F15, V15, $2.0)
	MOVD  $5, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input3done

input3lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	PASS(SRC, TBL, 5)

input3row:
	MOVD PP, Q
	LD5(CS, 0, 1, 2, 3, 4)
	IN3
	VST1.P [V5.S4, V6.S4, V7.S4, V8.S4], 64(TD)
	VST1.P [V9.S4], 16(TD)
	ADD  RS, PP
	COUNT(input3row)

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	PASS(TBL, DST, 5)

input3col:
	MOVD PP, Q
	LD5($80, 0, 1, 2, 3, 4)
	IN3
	MOVD TD, Q
	ST5(TDS, 5, 6, 7, 8, 9)
	NEXTCOL(DS, input3col)
	NEXTIN(input3lanes)

input3done:
	RET

// func WinoInput2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoInput2NEON(SB), NOSPLIT, $0-56
	LOADIN
	MOVD  $4, TDS
	MUL   DS, TDS
	CMP   $0, N
	BLE   input2done

input2lanes:
	// rows: tbl[r][0:t] = 1-D transform of src row r
	PASS(SRC, TBL, 4)

input2row:
	MOVD PP, Q
	LD4(CS, 0, 1, 2, 3)
	IN2
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(TD)
	ADD  RS, PP
	COUNT(input2row)

	// columns: dst[i*t+k] = 1-D transform of tbl column k
	PASS(TBL, DST, 4)

input2col:
	MOVD PP, Q
	LD4($64, 0, 1, 2, 3)
	IN2
	MOVD TD, Q
	ST4(TDS, 4, 5, 6, 7)
	NEXTCOL(DS, input2col)
	NEXTIN(input2lanes)

input2done:
	RET
