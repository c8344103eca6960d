//go:build !purego

package amd64

// MaxWindowsAVX2 writes the channel-wise maximum of n windows of kh x kw
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
// not used (the signature is AvgWindowsAVX2's). src must have every float
// the loop reads, dst n*c writable floats; c, kh, kw >= 1; n <= 0 does
// nothing; step, ldh, ldw >= 0. The CPU must have AVX2.
//
//go:noescape
func MaxWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)

// AvgWindowsAVX2 writes the channel-wise sum of n windows of kh x kw
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
// nothing; step, ldh, ldw >= 0. The CPU must have AVX2.
//
//go:noescape
func AvgWindowsAVX2(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)

// MaxWindowsAVX512 is MaxWindowsAVX2 in ZMM registers, 64 channels per
// pass over a window. The CPU must have AVX-512F.
//
//go:noescape
func MaxWindowsAVX512(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)

// AvgWindowsAVX512 is AvgWindowsAVX2 in ZMM registers (the same bits), 64
// channels per pass over a window. The CPU must have AVX-512F.
//
//go:noescape
func AvgWindowsAVX512(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32)
