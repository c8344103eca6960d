//go:build !purego

package arm64

// QgemmNEON computes one 4x8 tile of int32 sums of an 8-bit GEMM, int8 A
// times int8 B packed in groups of four k steps:
//
//	for i < 4, j < 8: c[i*8+j] = sum_{g<kg, q<4} int32(a[g*16+i*4+q]) * int32(b[g*32+j*4+q])
//
// with SMULL and SADALP (plain ASIMD). kg >= 1.
//
//go:noescape
func QgemmNEON(a *byte, b *int8, kg int, c *int32)

// QgemmNEONDot is QgemmNEON for a 12x8 tile with SDOT:
//
//	for i < 12, j < 8: c[i*8+j] = sum_{g<kg, q<4} int32(a[g*48+i*4+q]) * int32(b[g*32+j*4+q])
//
// a and b as int8. The CPU must have the dot product extension (ASIMDDP).
//
//go:noescape
func QgemmNEONDot(a *byte, b *int8, kg int, c *int32)

// QgemmNEONMM computes an 8x8 tile with USMMLA, uint8 A times int8 B packed
// in groups of eight k steps:
//
//	for i < 8, j < 8: c[i*8+j] = sum_{g<kg, q<8} int32(uint8 a[g*64+i*8+q]) * int32(b[g*64+j*8+q])
//
// The CPU must have the int8 matrix multiply extension (I8MM).
//
//go:noescape
func QgemmNEONMM(a *byte, b *int8, kg int, c *int32)
