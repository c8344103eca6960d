//go:build !purego

package amd64

// CopyRowsAVX2 copies count rows of n floats, src rows step floats apart,
// dst rows ldd floats apart:
//
//	for i := 0; i < count; i++ {
//		copy(dst[i*ldd:i*ldd+n], src[i*step:i*step+n])
//	}
//
// It is im2col's move of a kernel row (KW*C contiguous input floats) into
// the A rows of a run of output pixels. dst and src must not overlap;
// count or n <= 0 does nothing. The CPU must have AVX.
//
//go:noescape
func CopyRowsAVX2(dst *float32, ldd int, src *float32, step, n, count int)

// Scatter3 copies count groups of three floats, consecutive in src, to dst,
// stride floats apart: dst[j*stride+i] = src[3*j+i], i < 3. It is the
// stacking of the Cin = 3 stem's input rows. count <= 0 does nothing.
//
//go:noescape
func Scatter3(dst *float32, stride int, src *float32, count int)

// CopyRowsAVX512 is CopyRowsAVX2 with 64-byte loads and stores. The CPU
// must have AVX-512F.
//
//go:noescape
func CopyRowsAVX512(dst *float32, ldd int, src *float32, step, n, count int)
