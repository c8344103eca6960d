//go:build !purego

package arm64

// Sgemm5x16NEON computes blocks tiles of 5x16 floats of C, one below the
// other, from five rows of A each and one packed B panel. Its reference
// loop (flags bit 1: accumulate into C; bit 2: ReLU, NaN to zero):
//
//	for t := 0; t < blocks; t++ {
//		for i := 0; i < 5; i++ {
//			for j := 0; j < 16; j++ {
//				acc := float32(0)
//				for p := 0; p < kc; p++ {
//					acc = fma(a[(5*t+i)*lda+p], b[p*16+j], acc)
//				}
//				if flags&1 != 0 {
//					acc += c[(5*t+i)*ldc+j]
//				}
//				if bias != nil {
//					acc += bias[j]
//				}
//				if flags&2 != 0 && !(acc > 0) {
//					acc = 0
//				}
//				c[(5*t+i)*ldc+j] = acc
//			}
//		}
//	}
//
// a points at 5*blocks rows of kc readable floats, lda apart; b at kc*16
// floats; c at 5*blocks rows of 16 writable floats, ldc apart; bias, when
// not nil, at 16 floats. kc >= 1; blocks <= 0 does nothing. The CPU must
// have ASIMD (every arm64 CPU does; GODEBUG=cpu.asimd=off only turns off
// its use).
//
//go:noescape
func Sgemm5x16NEON(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, blocks int)
