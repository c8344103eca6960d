//go:build !purego

package arm64

// SgemvPanels4NEON computes 64 outputs of a one-row GEMM from four
// consecutive packed B panels of one K block (16 floats wide, kc*16 floats
// each, panel q at b[q*kc*16:]). Its reference loop (flags bit 1:
// accumulate into c; bit 2: ReLU, NaN to zero):
//
//	for q := 0; q < 4; q++ {
//		for j := 0; j < 16; j++ {
//			acc := float32(0)
//			for p := 0; p < kc; p++ {
//				acc = fma(a[p], b[q*kc*16+p*16+j], acc)
//			}
//			if flags&1 != 0 {
//				acc += c[q*16+j]
//			}
//			if bias != nil {
//				acc += bias[q*16+j]
//			}
//			if flags&2 != 0 && !(acc > 0) {
//				acc = 0
//			}
//			c[q*16+j] = acc
//		}
//	}
//
// Every output is the chain SgemmStripNEON computes for it on one row.
// a points at kc readable floats, b at 4*kc*16, c at 64 writable floats,
// bias, when not nil, at 64. kc >= 1. The CPU must have ASIMD.
//
//go:noescape
func SgemvPanels4NEON(a *float32, b *float32, kc int, c *float32, bias *float32, flags int)
