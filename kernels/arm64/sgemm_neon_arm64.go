//go:build !purego

package arm64

// SgemmStripNEON computes rows x 16 floats of C from rows of A and one
// packed B panel, in tiles of h rows (1 <= h <= 5; the last tile may be
// shorter). Its reference loop (flags bit 1: accumulate into C; bit 2:
// ReLU, NaN to zero):
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < 16; j++ {
//			acc := float32(0)
//			for p := 0; p < kc; p++ {
//				acc = fma(a[i*lda+p], b[p*16+j], acc)
//			}
//			if flags&1 != 0 {
//				acc += c[i*ldc+j]
//			}
//			if bias != nil {
//				acc += bias[j]
//			}
//			if flags&2 != 0 && !(acc > 0) {
//				acc = 0
//			}
//			c[i*ldc+j] = acc
//		}
//	}
//
// a points at rows rows of kc readable floats, lda apart; b at kc*16
// floats; c at rows rows of 16 writable floats, ldc apart; bias, when not
// nil, at 16 floats. kc >= 1; rows <= 0 does nothing; h is clamped to
// [1, 5]. The tiling does not change any result. The CPU must have ASIMD
// (every arm64 CPU does; GODEBUG=cpu.asimd=off only turns off its use).
//
//go:noescape
func SgemmStripNEON(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows int, h int)
