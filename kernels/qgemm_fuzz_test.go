package kernels

import (
	"math/rand/v2"
	"testing"
)

// FuzzQGemm drives every 8-bit level with fuzzer-chosen sizes, strides,
// types and epilogue flags, each element compared exactly with the int64
// reference inside guard bands.
func FuzzQGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint16(1), uint8(0), uint64(1))
	f.Add(uint8(13), uint8(17), uint16(35), uint8(3), uint64(2))
	f.Add(uint8(25), uint8(33), uint16(301), uint8(6), uint64(3))
	f.Add(uint8(49), uint8(64), uint16(9), uint8(15), uint64(4))
	f.Fuzz(func(t *testing.T, m8, n8 uint8, k16 uint16, flags uint8, seed uint64) {
		m, n, k := int(m8%64)+1, int(n8%80)+1, int(k16%1100)
		for _, q := range QImpls() {
			if !q.Available() {
				continue
			}
			r := rand.New(rand.NewPCG(seed, 14))
			c := newQCase(r, m, n, k, flags&1 != 0)
			c.ep.ReLU = flags&2 != 0
			if flags&4 != 0 {
				c.ep.Bias = nil
			}
			if flags&8 != 0 { // values at the ends of their ranges
				for i := range c.a {
					c.a[i] = map[bool]int64{false: 255, true: -128}[c.aSigned] * int64(i%2)
				}
				for i := range c.bt {
					c.bt[i] = int8(-128 + 255*(i/3%2))
				}
			}
			checkQ(t, q, c, nil)
		}
	})
}
