//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "winograd_output_neon_arm64.h"

// NEON Winograd output transforms F(4x4), F(3x3) and F(2x2), stride 1,
// with the epilogue: the register map, the 1-D transforms (OUT4, OUT3,
// OUT2), the epilogue and the steps are in winograd_output_neon_arm64.h.

// func WinoOutput4NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput4NEON(SB), NOSPLIT, $0-72
	LOADOUT
	SPLAT(F13, V13, $2.0)
	SPLAT(F14, V14, $4.0)
	SPLAT(F15, V15, $8.0)
	CMP   $0, N
	BLE   out4done

out4lanes:
	LDBIAS(out4nobias)
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $6, CNT

out4row:
	LD6(SS, 0, 1, 2, 3, 4, 5)
	ADD  SS, Q
	OUT4
	VST1.P [V6.S4, V7.S4, V8.S4, V9.S4], 64(TD)
	COUNT(out4row)

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	PASS(TBL, DST, 4)

out4col:
	MOVD PP, Q
	LD6($64, 0, 1, 2, 3, 4, 5)
	OUT4
	EPI(OUT4REGS, out4b, out4a, out4r)
	NEXTCOL(CS, out4col)
	NEXTOUT(out4next, out4lanes)

out4done:
	RET

// func WinoOutput3NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput3NEON(SB), NOSPLIT, $0-72
	LOADOUT
	SPLAT(F13, V13, $2.0)
	SPLAT(F14, V14, $4.0)
	CMP   $0, N
	BLE   out3done

out3lanes:
	LDBIAS(out3nobias)
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $5, CNT

out3row:
	LD5(SS, 0, 1, 2, 3, 4)
	ADD  SS, Q
	OUT3
	VST1.P [V6.S4, V7.S4, V8.S4], 48(TD)
	COUNT(out3row)

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	PASS(TBL, DST, 3)

out3col:
	MOVD PP, Q
	LD5($48, 0, 1, 2, 3, 4)
	OUT3
	EPI(OUT3REGS, out3b, out3a, out3r)
	NEXTCOL(CS, out3col)
	NEXTOUT(out3next, out3lanes)

out3done:
	RET

// func WinoOutput2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput2NEON(SB), NOSPLIT, $0-72
	LOADOUT
	CMP   $0, N
	BLE   out2done

out2lanes:
	LDBIAS(out2nobias)
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[i*t+j]
	MOVD SRC, Q
	MOVD TBL, TD
	MOVD $4, CNT

out2row:
	LD4(SS, 0, 1, 2, 3)
	ADD  SS, Q
	OUT2
	VST1.P [V4.S4, V5.S4], 32(TD)
	COUNT(out2row)

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	PASS(TBL, DST, 2)

out2col:
	MOVD PP, Q
	LD4($32, 0, 1, 2, 3)
	OUT2
	EPI(OUT2REGS, out2b, out2a, out2r)
	NEXTCOL(CS, out2col)
	NEXTOUT(out2next, out2lanes)

out2done:
	RET
