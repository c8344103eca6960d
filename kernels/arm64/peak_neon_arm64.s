//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// FMLA throughput probe: 24 independent chains of FMLA by element, enough
// to cover a latency of 4 cycles on 4 pipes (Neoverse V1, Apple M1) or 6
// on 2 (Cortex-A72), and nothing else in the loop but SUBS and BNE.
//
// Vector registers:
//	V0-V23    accumulators (24 independent chains)
//	V24 V25   multiplicands (zero)

#define N R0 // iterations left

#define FMLA8(d) \
	FMLA_ELEM(d, 24, 25, 0)   \
	FMLA_ELEM(d+1, 24, 25, 1) \
	FMLA_ELEM(d+2, 24, 25, 2) \
	FMLA_ELEM(d+3, 24, 25, 3) \
	FMLA_ELEM(d+4, 24, 25, 0) \
	FMLA_ELEM(d+5, 24, 25, 1) \
	FMLA_ELEM(d+6, 24, 25, 2) \
	FMLA_ELEM(d+7, 24, 25, 3)

#define ZERO4(a, b, c, d) \
	VEOR a.B16, a.B16, a.B16 \
	VEOR b.B16, b.B16, b.B16 \
	VEOR c.B16, c.B16, c.B16 \
	VEOR d.B16, d.B16, d.B16

// func FMAPeakNEON(n int)
// Requires: ASIMD
TEXT ·FMAPeakNEON(SB), NOSPLIT, $0-8
	MOVD n+0(FP), N
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	CMP  $0, N
	BLE  done

loop:
	// 24 FMLAs of 4 lanes: 192 FLOP per iteration
	FMLA8(0)
	FMLA8(8)
	FMLA8(16)
	SUBS $1, N, N
	BNE  loop

done:
	RET
