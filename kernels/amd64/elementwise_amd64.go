//go:build !purego

package amd64

// ScaleShiftAVX2 applies a per-channel affine map to rows of c floats, then
// ReLU if flags&2 != 0. Its reference loop:
//
//	for r := 0; r < rows; r++ {
//		for ch := 0; ch < c; ch++ {
//			v := float32(src[r*c+ch]*scale[ch]) + shift[ch] // not fused
//			if flags&2 != 0 && !(v > 0) {
//				v = 0
//			}
//			dst[r*c+ch] = v
//		}
//	}
//
// src and dst point at rows*c floats (dst may be src), scale and shift at
// c floats; c >= 1; rows <= 0 does nothing. The CPU must have AVX2.
//
//go:noescape
func ScaleShiftAVX2(dst, src, scale, shift *float32, c, rows, flags int)

// AddAVX2 sets dst[i] = a[i] + b[i] for i < n, then ReLU (NaN and -0 to +0)
// if flags&2 != 0. dst, a and b point at n floats; dst may be a or b.
// n <= 0 does nothing. The CPU must have AVX2.
//
//go:noescape
func AddAVX2(dst, a, b *float32, n, flags int)

// ScaleShiftAVX512 is ScaleShiftAVX2 in ZMM registers (the same bits). The
// CPU must have AVX-512F.
//
//go:noescape
func ScaleShiftAVX512(dst, src, scale, shift *float32, c, rows, flags int)

// AddAVX512 is AddAVX2 in ZMM registers (the same bits). The CPU must have
// AVX-512F.
//
//go:noescape
func AddAVX512(dst, a, b *float32, n, flags int)
