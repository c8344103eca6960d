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

// QRequantAVX2 requantizes rows x 8 int32 sums (acc, rows accStride int32
// apart) into uint8 or int8 (dst, rows ldc bytes apart), optionally adding
// a residual (res, rows resLd bytes apart; uint8, or int8 if flags&8):
//
//	for i < rows, j < 8:
//		f := float32(acc[i*accStride+j] + corr[j]) * scale[j]
//		if flags&4 != 0 { f += float32(float32(res[i*resLd+j] - resZero) * resScale) }
//		if flags&1 != 0 { f = max(f, 0) }
//		dst[i*ldc+j] = saturate(roundHalfToEven(f) + zero)   // to int8 if flags&2 != 0, else uint8
//
// acc[.]+corr[j] must not overflow int32. The CPU must have AVX2.
//
//go:noescape
func QRequantAVX2(acc *int32, accStride int, corr *int32, scale *float32, rows int, dst *byte, ldc int, zero int, flags int, res *byte, resLd int, resZero int, resScale float32)

// QgemmAVX2Direct is QgemmAVX2 reading A in place: rows i < 6 at a + i*lda,
// group g at byte 4g of each row (4*kg bytes readable per row).
//
//go:noescape
func QgemmAVX2Direct(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVX2Pairs is QgemmAVX2 with VPMADDUBSW, exact only for B whose k
// pairs (k = 4g+0,1 and 4g+2,3 of each column) have positive parts summing
// to at most 128 and negative parts summing to at most 128 (7-bit weights
// always do); the caller checks. The CPU must have AVX2.
//
//go:noescape
func QgemmAVX2Pairs(a *byte, b *int8, kg int, c *int32)

// QgemmAVX2PairsDirect is QgemmAVX2Pairs reading A in place, as
// QgemmAVX2Direct does.
//
//go:noescape
func QgemmAVX2PairsDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVXVNNIDirect is QgemmAVXVNNI reading A in place: rows i < 6 at
// a + i*lda, group g at byte 4g of each row. Not yet run on hardware.
//
//go:noescape
func QgemmAVXVNNIDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVX512VNNIDirect is QgemmAVX512VNNI reading A in place: rows i < 8
// at a + i*lda, group g at byte 4g of each row. Not yet run on hardware.
//
//go:noescape
func QgemmAVX512VNNIDirect(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVX2DirectFlip is QgemmAVX2Direct with every A byte XORed with
// 0x80 as it is read: an int8 A multiplied as uint8 a+128.
//
//go:noescape
func QgemmAVX2DirectFlip(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVX2PairsDirectFlip is QgemmAVX2PairsDirect with every A byte
// XORed with 0x80 as it is read.
//
//go:noescape
func QgemmAVX2PairsDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVXVNNIDirectFlip is QgemmAVXVNNIDirect with every A byte XORed
// with 0x80 as it is read. Not yet run on hardware.
//
//go:noescape
func QgemmAVXVNNIDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)

// QgemmAVX512VNNIDirectFlip is QgemmAVX512VNNIDirect with every A byte
// XORed with 0x80 as it is read. Not yet run on hardware.
//
//go:noescape
func QgemmAVX512VNNIDirectFlip(a *byte, lda int, b *int8, kg int, c *int32)
