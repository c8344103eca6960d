//go:build !purego

#include "textflag.h"

// FMA throughput probe: twelve independent chains of VFMADD231PS, enough
// to cover the FMA latency on every pipe, and nothing else in the loop.
//
// Vector registers:
//	Y0..Y11   accumulators (12 independent chains)
//	Y12 Y13   multiplicands

#define N CX // iterations left

#define FMA12 \
	VFMADD231PS Y12, Y13, Y0  \
	VFMADD231PS Y12, Y13, Y1  \
	VFMADD231PS Y12, Y13, Y2  \
	VFMADD231PS Y12, Y13, Y3  \
	VFMADD231PS Y12, Y13, Y4  \
	VFMADD231PS Y12, Y13, Y5  \
	VFMADD231PS Y12, Y13, Y6  \
	VFMADD231PS Y12, Y13, Y7  \
	VFMADD231PS Y12, Y13, Y8  \
	VFMADD231PS Y12, Y13, Y9  \
	VFMADD231PS Y12, Y13, Y10 \
	VFMADD231PS Y12, Y13, Y11

// func FMAPeakAVX2(n int)
// Requires: AVX2, FMA
TEXT ·FMAPeakAVX2(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), N
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ  N, N
	JLE    done

loop:
	// 24 FMAs of 8 lanes: 384 FLOP per iteration
	FMA12
	FMA12
	DECQ N
	JNZ  loop

done:
	VZEROUPPER
	RET
