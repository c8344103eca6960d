//go:build !purego

package amd64

// QgemmAVX2 computes one 6x8 tile of int32 sums of an 8-bit GEMM:
//
//	for i < 6, j < 8: c[i*8+j] = sum_{g<kg, q<4} int32(a[g*24+i*4+q]) * int32(b[g*32+j*4+q])
//
// with a read as uint8 and b as int8: A and B packed in groups of four k
// steps. The sums are exact for every input (no 16-bit saturation). kg >= 1.
// The CPU must have AVX2.
//
//go:noescape
func QgemmAVX2(a *byte, b *int8, kg int, c *int32)

// QgemmAVXVNNI is QgemmAVX2 with VEX VPDPBUSD for a 6x16 tile:
//
//	for i < 6, j < 16: c[i*16+j] = sum_{g<kg, q<4} int32(a[g*24+i*4+q]) * int32(b[g*64+j*4+q])
//
// The CPU must have AVX-VNNI (Alder Lake, Zen 5 and later). It has not been
// run on such a CPU: its encodings are checked against GNU as
// (TestQgemmVEXEncoding), and package kernels self-tests it before use.
//
//go:noescape
func QgemmAVXVNNI(a *byte, b *int8, kg int, c *int32)

// QgemmAVX512VNNI is the AVX-512 VNNI form for an 8x32 tile:
//
//	for i < 8, j < 32: c[i*32+j] = sum_{g<kg, q<4} int32(a[g*32+i*4+q]) * int32(b[g*128+j*4+q])
//
// The CPU must have AVX-512F, AVX-512BW and AVX-512 VNNI. It has not been
// run on such a CPU: its encodings were checked with objdump, and package
// kernels self-tests it before use.
//
//go:noescape
func QgemmAVX512VNNI(a *byte, b *int8, kg int, c *int32)
