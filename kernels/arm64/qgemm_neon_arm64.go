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

// QRequantNEON requantizes rows x 8 int32 sums into uint8 or int8, with
// an optional residual, to the same bits as the Go epilogue; its contract
// is amd64.QRequantAVX2's:
//
//	for i < rows, j < 8:
//		f := float32(acc[i*accStride+j] + corr[j]) * scale[j]
//		if flags&4 != 0 { f += float32(float32(res[i*resLd+j] - resZero) * resScale) }  // res int8 if flags&8
//		if flags&1 != 0 { f = max(f, 0) }
//		dst[i*ldc+j] = saturate(roundHalfToEven(f) + zero)   // to int8 if flags&2 != 0, else uint8
//
// acc[.]+corr[j] must not overflow int32.
//
//go:noescape
func QRequantNEON(acc *int32, accStride int, corr *int32, scale *float32, rows int, dst *byte, ldc int, zero int, flags int, res *byte, resLd int, resZero int, resScale float32)

// QgemmNEONDirect, QgemmNEONDotDirect and QgemmNEONMMDirect are QgemmNEON,
// QgemmNEONDot and QgemmNEONMM reading A in place: row i of the tile at
// a + i*lda, group g at byte G*g of each row (G = 4, 4, 8), kg*G bytes
// readable per row. The Flip forms XOR every A byte with 0x80 as they read
// it (uint8 a as int8 a-128, or int8 a as uint8 a+128). The CPU features
// are those of the packed forms.
//
//go:noescape
func QgemmNEONDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmNEONDirectFlip: see QgemmNEONDirect.
//
//go:noescape
func QgemmNEONDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmNEONDotDirect: see QgemmNEONDirect.
//
//go:noescape
func QgemmNEONDotDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmNEONDotDirectFlip: see QgemmNEONDirect.
//
//go:noescape
func QgemmNEONDotDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmNEONMMDirect: see QgemmNEONDirect.
//
//go:noescape
func QgemmNEONMMDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmNEONMMDirectFlip: see QgemmNEONDirect.
//
//go:noescape
func QgemmNEONMMDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
