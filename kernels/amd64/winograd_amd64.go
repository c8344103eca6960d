//go:build !purego

package amd64

// WinoTableFloats is the size of the table the Winograd transforms take
// (tbl): 36 vectors of 8 floats, the largest (F(4x4) input) of the four.
const WinoTableFloats = 36 * 8

// WinoInput4AVX2 is the input transform of Winograd F(4x4, 3x3) for one
// tile of 6x6 pixels, lanes [0, n) of each pixel's vector. Its reference
// loop (Bᵀ as in package kernels' winograd.go; every product and sum
// rounds separately, in the order of kernels' generic transform):
//
//	for c := 0; c < n; c++ {
//		for i := 0; i < 6; i++ {
//			for j := 0; j < 6; j++ {
//				d[i][j] = src[i*rowStride+j*colStride+c]
//			}
//		}
//		v := Bᵀ d B // rows first, then columns
//		for p := 0; p < 36; p++ {
//			dst[p*dstStride+c] = v[p/6][p%6]
//		}
//	}
//
// Strides count floats and are >= 0. n is a positive multiple of 8. tbl
// points at WinoTableFloats writable floats, the table between the row and
// the column pass (its contents on entry do not matter). The CPU must have
// AVX2.
//
//go:noescape
func WinoInput4AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput4AVX2 is the output transform of Winograd F(4x4, 3x3) for one
// tile of 4x4 output pixels, with the epilogue, lanes [0, n). Its
// reference loop (flags bit 1: accumulate into dst; bit 2: ReLU, NaN and
// -0 to +0):
//
//	for c := 0; c < n; c++ {
//		for i := 0; i < 6; i++ {
//			for j := 0; j < 6; j++ {
//				m[i][j] = src[(i*6+j)*srcStride+c]
//			}
//		}
//		y := Aᵀ m A // rows first, then columns
//		for r := 0; r < 4; r++ {
//			for k := 0; k < 4; k++ {
//				v := y[r][k]
//				if bias != nil {
//					v += bias[c]
//				}
//				at := r*rowStride + k*colStride + c
//				if flags&1 != 0 {
//					v = dst[at] + v
//				}
//				if flags&2 != 0 && !(v > 0) {
//					v = 0
//				}
//				dst[at] = v
//			}
//		}
//	}
//
// Strides count floats and are >= 0; bias, when not nil, points at n
// floats. n is a positive multiple of 8. tbl is as for WinoInput4AVX2. The
// CPU must have AVX2.
//
//go:noescape
func WinoOutput4AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoInput2AVX2 is WinoInput4AVX2 for Winograd F(2x2, 3x3): tiles of 4x4
// pixels, 16 transformed vectors.
//
//go:noescape
func WinoInput2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput2AVX2 is WinoOutput4AVX2 for Winograd F(2x2, 3x3): 16 vectors
// in, tiles of 2x2 output pixels.
//
//go:noescape
func WinoOutput2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoInput2S2AVX2 is WinoInput4AVX2 for Winograd F(2x2, 3x3) at stride 2:
// tiles of 5x5 pixels, 25 transformed vectors, vector (i, j) at
// dst[q*dstStride] for q = kernels.WinogradStride2Position(i, j).
//
//go:noescape
func WinoInput2S2AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput2S2AVX2 is WinoOutput4AVX2 for Winograd F(2x2, 3x3) at stride
// 2: 25 vectors in, product (i, j) at src[q*srcStride] for q =
// kernels.WinogradStride2Position(i, j); tiles of 2x2 output pixels.
//
//go:noescape
func WinoOutput2S2AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoInput3AVX2 is WinoInput4AVX2 for Winograd F(3x3, 3x3): tiles of 5x5
// pixels, 25 transformed vectors.
//
//go:noescape
func WinoInput3AVX2(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput3AVX2 is WinoOutput4AVX2 for Winograd F(3x3, 3x3): 25 vectors
// in, tiles of 3x3 output pixels.
//
//go:noescape
func WinoOutput3AVX2(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoTableFloatsAVX512 is the size of the table the AVX-512 Winograd
// transforms take: 36 vectors of 16 floats.
const WinoTableFloatsAVX512 = 36 * 16

// The AVX-512 transforms are their AVX2 namesakes 16 lanes at a time: n is
// a positive multiple of 16, tbl points at WinoTableFloatsAVX512 writable
// floats, and the CPU must have AVX-512F. They give the same bits as the
// AVX2 ones.

// WinoInput4AVX512 is WinoInput4AVX2 for ZMM registers.
//
//go:noescape
func WinoInput4AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput2AVX512 is WinoInput2AVX2 for ZMM registers.
//
//go:noescape
func WinoInput2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput2S2AVX512 is WinoInput2S2AVX2 for ZMM registers.
//
//go:noescape
func WinoInput2S2AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput3AVX512 is WinoInput3AVX2 for ZMM registers.
//
//go:noescape
func WinoInput3AVX512(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput4AVX512 is WinoOutput4AVX2 for ZMM registers.
//
//go:noescape
func WinoOutput4AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput2AVX512 is WinoOutput2AVX2 for ZMM registers.
//
//go:noescape
func WinoOutput2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput2S2AVX512 is WinoOutput2S2AVX2 for ZMM registers.
//
//go:noescape
func WinoOutput2S2AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput3AVX512 is WinoOutput3AVX2 for ZMM registers.
//
//go:noescape
func WinoOutput3AVX512(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
