//go:build !purego

#include "textflag.h"

// AVX-512 im2col moves: the row copy of im2col_amd64.h at ZMM width.

#include "vec_zmm_amd64.h"
#include "im2col_amd64.h"

// func CopyRowsAVX512(dst *float32, ldd int, src *float32, step, n, count int)
// Requires: AVX512F
TEXT ·CopyRowsAVX512(SB), NOSPLIT, $0-48
	COPYROWSBODY

done:
	VZEROUPPER
	RET
