// Package amd64 holds gorn's hand-written amd64 assembly kernels and their
// Go declarations. It has no logic of its own: packages kernels and im2col
// decide, from the CPU's features, which of them to call. On other
// architectures, and with the purego build tag, it is empty.
//
//   - SgemmStripAVX2 (AVX2+FMA): a strip of rows x 16 of C in tiles of up to
//     6x16, twelve YMM accumulators, eight k steps per loop pass, A read in
//     place and prefetched a tile ahead, the next B panel prefetched, bias,
//     accumulate and ReLU fused into the store.
//   - SgemmStripAVX512 (AVX-512F): the same with ZMM registers and 32-wide
//     panels. It has not yet run on AVX-512 hardware; package kernels uses
//     it only when GORN_AVX512=1.
//   - MaxWindowsAVX2, AvgWindowsAVX2 (AVX2): the channel-wise maximum (NaN
//     propagating) or average of a row of NHWC pooling windows, 32 channels
//     per pass over a window.
//   - ScaleShiftAVX2, AddAVX2 (AVX2): per-channel scale+shift and the sum
//     of two vectors, each with an optional ReLU.
//   - SgemvPanels4AVX2 (AVX2+FMA): one row of A against four packed B
//     panels, the same bits as SgemmStripAVX2 on one row.
//   - WinoInput4AVX2, WinoInput2AVX2, WinoOutput4AVX2, WinoOutput2AVX2
//     (AVX2): the Winograd F(4x4,3x3) and F(2x2,3x3) input transform
//     (B^T d B) and output transform (A^T m A, with bias, accumulate and
//     ReLU), eight channels at a time.
//   - CopyRowsAVX2 (AVX), Scatter3: im2col's moves, a kernel row of KW*C
//     floats into the A rows of a run of output pixels, and the stem's
//     groups of three channels into its stacks.
//   - QgemmAVX2 (AVX2), QgemmAVXVNNI (AVX-VNNI), QgemmAVX512VNNI (AVX-512
//     VNNI): a tile of int32 sums of an 8-bit GEMM, uint8 A x int8 B packed
//     in groups of four k steps; AVX2 widens to int16 (VPMADDWD) to stay
//     exact, the VNNI ones use VPDPBUSD (not yet run on hardware);
//     QgemmAVX2Pairs (VPMADDUBSW) for pair-safe weights; *Direct forms read
//     A in place. QRequantAVX2 requantizes rows of eight int32 sums to
//     uint8/int8 (optional residual, ReLU), the same bits as the Go epilogue.
//   - FMAPeakAVX2: an FMA-only loop that measures the CPU's peak for
//     benchmarks.
package amd64
