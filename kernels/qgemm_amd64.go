//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// qAVX2 widens A and B to int16 and multiplies with VPMADDWD: exact for
// every input, where VPMADDUBSW's int16 pair sums would saturate (see
// kernels/amd64/qgemm_avx2_amd64.s). Weights whose neighbouring k pairs
// cannot saturate it (7-bit weights among them; checked at packing) run
// the VPMADDUBSW kernels instead, with twice the multiply-adds per
// instruction and the same exact sums.
var qAVX2 = &QImpl{
	name: "avx2", fp32: "avx2", requires: "AVX2",
	available: cpu.X86.HasAVX2,
	mr:        6, nr: 8, group: 4,
	kernel: amd64.QgemmAVX2, direct: amd64.QgemmAVX2Direct, directFlip: amd64.QgemmAVX2DirectFlip,
	requant: amd64.QRequantAVX2,
	pairs:   amd64.QgemmAVX2Pairs, pairsDirect: amd64.QgemmAVX2PairsDirect,
	pairsDirectFlip: amd64.QgemmAVX2PairsDirectFlip,
}

// qAVXVNNI is the VEX VPDPBUSD level (Alder Lake, Zen 5 and later). Not yet
// run on such a CPU; the self-test in qRegister guards it.
var qAVXVNNI = &QImpl{
	name: "avx-vnni", fp32: "avx2", requires: "AVX2, AVX-VNNI",
	available: cpu.X86.HasAVX2 && cpu.X86.HasAVXVNNI,
	mr:        6, nr: 16, group: 4,
	kernel: amd64.QgemmAVXVNNI, direct: amd64.QgemmAVXVNNIDirect, directFlip: amd64.QgemmAVXVNNIDirectFlip,
	requant: amd64.QRequantAVX2,
}

// qAVX512VNNI is the ZMM VPDPBUSD level (Ice Lake, Sapphire Rapids, Zen 4).
// Not yet run on such a CPU; the self-test in qRegister guards it. It pairs
// with the fp32 avx512 level and, since that one is opt-in, with avx2 too.
var qAVX512VNNI = &QImpl{
	name: "avx512-vnni", fp32: "avx512", requires: "AVX-512F, AVX-512BW, AVX-512 VNNI",
	available: cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI,
	mr:        8, nr: 32, group: 4,
	kernel: amd64.QgemmAVX512VNNI, direct: amd64.QgemmAVX512VNNIDirect, directFlip: amd64.QgemmAVX512VNNIDirectFlip,
	requant: amd64.QRequantAVX2,
}

func init() {
	qRegister(qAVX2)
	qRegister(qAVXVNNI)
	qRegister(qAVX512VNNI)
	qTable["avx2"] = append([]*QImpl{qAVX512VNNI}, qTable["avx2"]...)
}
