package kernels

import (
	"math/rand/v2"
	"testing"
)

// FuzzSgemm drives every level with fuzzer-chosen sizes, strides and
// epilogue flags and checks each against the float64 reference inside NaN
// guard bands.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint16(1), uint8(0), uint8(0), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(7), uint8(17), uint16(300), uint8(1), uint8(2), uint8(3), uint8(7), uint64(2))
	f.Add(uint8(13), uint8(33), uint16(513), uint8(0), uint8(5), uint8(0), uint8(5), uint64(3))
	f.Add(uint8(49), uint8(64), uint16(65), uint8(9), uint8(0), uint8(1), uint8(2), uint64(4))
	f.Add(uint8(23), uint8(40), uint16(147), uint8(8), uint8(1), uint8(0), uint8(22), uint64(5))
	f.Fuzz(func(t *testing.T, m8, n8 uint8, k16 uint16, pa, pb, pc, flags uint8, seed uint64) {
		gc := gemmCase{
			m: int(m8%64) + 1, n: int(n8%80) + 1, k: int(k16 % 1100),
			lda: int(pa % 9), ldb: int(pb % 9), ldc: int(pc % 9),
			accumulate: flags&1 != 0, bias: flags&2 != 0, relu: flags&4 != 0,
			transposedPack: flags&8 != 0,
		}
		if flags&16 != 0 { // overlapping rows of A: 1 <= lda < k
			gc.lda = -min(int(pa%9), gc.k-1)
		}
		for _, im := range Impls() {
			if im.Available() {
				runCase(t, im, rand.New(rand.NewPCG(seed, 9)), gc, nil)
			}
		}
	})
}
