//go:build !purego

package arm64

// MaxWindowsNEON writes the channel-wise maximum of n windows of kh x kw
// pixels of c floats each. Its reference loop (strides in floats):
//
//	for o := 0; o < n; o++ {
//		for ch := 0; ch < c; ch++ {
//			m := float32(math.Inf(-1))
//			for i := 0; i < kh; i++ {
//				for j := 0; j < kw; j++ {
//					v := src[o*step + i*ldh + j*ldw + ch]
//					if v > m || v != v { m = v }
//				}
//			}
//			dst[o*c+ch] = m
//		}
//	}
//
// A NaN input makes the result NaN (not necessarily the same NaN); the sign
// of a zero result is unspecified when a window holds both zeros. div is
// not used (the signature is AvgWindowsNEON's). src must have every float
// the loop reads, dst n*c writable floats; c, kh, kw >= 1; n <= 0 does
// nothing; step, ldh, ldw >= 0. The CPU must have ASIMD.
//
//go:noescape
func MaxWindowsNEON(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)

// AvgWindowsNEON writes the channel-wise sum of n windows of kh x kw
// pixels of c floats each, divided by div. Its reference loop (strides in
// floats):
//
//	for o := 0; o < n; o++ {
//		for ch := 0; ch < c; ch++ {
//			s := float32(0)
//			for i := 0; i < kh; i++ {
//				for j := 0; j < kw; j++ {
//					s += src[o*step + i*ldh + j*ldw + ch]
//				}
//			}
//			dst[o*c+ch] = s / div
//		}
//	}
//
// The sums are float32 in exactly this order. src must have every float
// the loop reads, dst n*c writable floats; c, kh, kw >= 1; n <= 0 does
// nothing; step, ldh, ldw >= 0. The CPU must have ASIMD.
//
//go:noescape
func AvgWindowsNEON(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
