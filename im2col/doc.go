// Package im2col extracts convolution patches from channels-last (NHWC)
// float32 tensors: each output pixel becomes one row of the GEMM operand A,
//
//	A[pixel][(kh*KW + kw)*C + c] = src[n][oy*SH - PadT + kh*DH][ox*SW - PadL + kw*DW][c]
//
// with zero where the tap falls in the padding. Rows are produced in any
// range, so a convolution can extract blocks of rows that fit the cache and
// multiply each block as soon as it is written. A range of channels can be
// gathered on its own (grouped convolution), in which case the row holds
// KH*KW*cn values in (kh, kw, c) order.
//
// The gather is pure data movement: its output equals a direct loop over the
// taps bit for bit. Contiguous runs (all channels of one tap, or all taps of
// one kernel row when the dilation is 1) are moved with copy, which compiles
// to the runtime's vectorised memmove.
package im2col
