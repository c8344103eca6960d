//go:build !purego

package arm64

// WinoTableFloats is the size of the table the NEON Winograd transforms
// take (tbl): 36 vectors of 4 floats, the largest (F(4x4) input) of them.
const WinoTableFloats = 36 * 4

// The NEON Winograd transforms are the AVX2 ones of package
// kernels/amd64 (WinoInput4AVX2 and the rest, whose doc comments give the
// reference loops) 4 lanes at a time: n is a positive multiple of 4, tbl
// points at WinoTableFloats writable floats (its contents on entry do not
// matter), strides count floats and are >= 0. They give the generic
// transforms' bits. The CPU must have ASIMD.

// WinoInput4NEON is the input transform of Winograd F(4x4, 3x3): tiles of 6x6 pixels, 36 transformed vectors.
//
//go:noescape
func WinoInput4NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput2NEON is the input transform of Winograd F(2x2, 3x3): tiles of 4x4 pixels, 16 vectors.
//
//go:noescape
func WinoInput2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput3NEON is the input transform of Winograd F(3x3, 3x3): tiles of 5x5 pixels, 25 vectors.
//
//go:noescape
func WinoInput3NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoInput2S2NEON is the input transform of Winograd F(2x2, 3x3) at stride 2: tiles of 5x5 pixels, 25 vectors, vector (i, j) at dst[q*dstStride] for q = kernels.WinogradStride2Position(i, j).
//
//go:noescape
func WinoInput2S2NEON(dst *float32, dstStride int, src *float32, rowStride, colStride, n int, tbl *float32)

// WinoOutput4NEON is the output transform of Winograd F(4x4, 3x3): 36 products, tiles of 4x4 output pixels, with the
// epilogue (flags bit 1: accumulate into dst; bit 2: ReLU, NaN and -0 to
// +0; bias, when not nil, at n floats, added before the old output).
//
//go:noescape
func WinoOutput4NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput2NEON is the output transform of Winograd F(2x2, 3x3): 16 products, tiles of 2x2, with the
// epilogue (flags bit 1: accumulate into dst; bit 2: ReLU, NaN and -0 to
// +0; bias, when not nil, at n floats, added before the old output).
//
//go:noescape
func WinoOutput2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput3NEON is the output transform of Winograd F(3x3, 3x3): 25 products, tiles of 3x3, with the
// epilogue (flags bit 1: accumulate into dst; bit 2: ReLU, NaN and -0 to
// +0; bias, when not nil, at n floats, added before the old output).
//
//go:noescape
func WinoOutput3NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)

// WinoOutput2S2NEON is the output transform of Winograd F(2x2, 3x3) at stride 2: 25 products, product (i, j) at src[q*srcStride] for q = kernels.WinogradStride2Position(i, j), tiles of 2x2, with the
// epilogue (flags bit 1: accumulate into dst; bit 2: ReLU, NaN and -0 to
// +0; bias, when not nil, at n floats, added before the old output).
//
//go:noescape
func WinoOutput2S2NEON(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int, tbl *float32)
