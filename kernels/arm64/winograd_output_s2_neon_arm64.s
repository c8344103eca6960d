//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "winograd_output_neon_arm64.h"

// NEON Winograd output transform F(2x2) at stride 2, with the epilogue: the
// register map, the 1-D transform (OUTS2), the epilogue and the steps are
// in winograd_output_neon_arm64.h.

// func WinoOutput2S2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
// Requires: ASIMD
TEXT ·WinoOutput2S2NEON(SB), NOSPLIT, $0-72
	LOADOUT
	CMP   $0, N
	BLE   out2s2done

out2s2lanes:
	LDBIAS(out2s2nobias)
	// rows: tbl[i][0:m] = 1-D transform of M row i, M[i][j] at src[WinogradStride2Position(i, j)]
	MOVD TBL, TD
	OUTS2ROW(0, 1, 2, 9, 10)
	OUTS2ROW(3, 4, 5, 11, 12)
	OUTS2ROW(6, 7, 8, 13, 14)
	OUTS2ROW(15, 17, 19, 21, 22)
	OUTS2ROW(16, 18, 20, 23, 24)

	// columns: dst[r][k] = epilogue(1-D transform of tbl column k)[r]
	PASS(TBL, DST, 2)

out2s2col:
	MOVD PP, Q
	LD5($32, 0, 1, 2, 3, 4)
	OUTS2
	EPI(OUT2REGS, out2s2b, out2s2a, out2s2r)
	NEXTCOL(CS, out2s2col)
	NEXTOUT(out2s2next, out2s2lanes)

out2s2done:
	RET
