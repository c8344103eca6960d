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
// one kernel row when the dilation is 1) are moved with copy, except for the
// two hot moves, which on amd64 CPUs with AVX2 go through assembly
// (kernels/amd64, unless built with the purego tag): a kernel row into the
// A rows of a run of output pixels, 32 bytes at a time with one call per
// run rather than one copy per row, and the Cin = 3 stem's groups of three
// channels into its stacks. BenchmarkRows, one thread, Zen 3, medians of 6,
// assembly against Go: the stem's stacks 172 µs against 256, its A rows
// 394 against 912; 3x3 over 64 channels 166 against 209; 1x1 stride 2 over
// 256 channels 24 against 30; 3x3 over 256 and 512 channels within 5 %.
//
// For a stacked layout whose GEMM reads A in place, [StackedRow] builds
// one output row's stack and returns the stride of its overlapping A rows.
package im2col
