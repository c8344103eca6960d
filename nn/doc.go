// Package nn holds the layers a ResNet is made of, on channels-last (NHWC)
// float32 tensors: convolution ([Conv]) with a fused bias, residual addition
// and ReLU, max and average pooling ([MaxPool], [AvgPool], [GlobalAvgPool]),
// the fully connected layer ([Linear]), per-channel affine maps
// ([ScaleShift], the BatchNorm that cannot be folded) and conversions
// between NCHW and NHWC.
//
// # Tensors
//
// A tensor of n images of h x w pixels with c channels is a []float32 in
// NHWC order: element (i, y, x, ch) is at ((i*h+y)*w+x)*c+ch. Slices may be
// longer than the tensor; the extra elements are not touched.
//
// # Convolution
//
// A convolution is one GEMM per group (see package kernels):
//
//	C[pixels x Cout] = A[pixels x (KH*KW*Cin)] * B[(KH*KW*Cin) x Cout]
//
// [NewConv] packs the weights (PyTorch's OIHW layout) into B once. At each
// [Conv.Forward], A comes from the input:
//   - a 1x1 convolution with stride 1 and no padding reads the input itself
//     as A: no copy at all;
//   - any other shape extracts A with package im2col, in blocks of rows that
//     fit the cache, each block multiplied as soon as it is written (on
//     several threads, each block's extraction and product run on one
//     worker with its own scratch); when there are too few blocks to share
//     out (small feature maps), all of A is extracted, on every thread, and
//     the GEMM itself is split;
//   - short rows of taps (the Cin = 3 stem) are laid out in (kw, kh, c)
//     order, and the weights packed to match: for each output row
//     im2col.StackedRow stacks the kernel rows' input pixels, and the
//     row's A is the stack itself, read in place with overlapping rows
//     (one output row per task); output rows shorter than 16 pixels are
//     copied out instead (im2col.StackedRows, one long copy per row of A);
//   - a grouped convolution runs one GEMM per group on column slices of A
//     and C (no transposes), the groups spread over the threads.
//
// 3x3 stride-1 convolutions (one group, no dilation) can instead run
// Winograd's minimal filtering algorithms, F(2x2, 3x3), F(3x3, 3x3) or
// F(4x4, 3x3) (see [ConvAlgo]): the output is cut into tiles of 2x2, 3x3
// or 4x4 pixels, the filters are transformed and packed once per tile
// position (16, 25 or 36), and each Forward transforms blocks of input
// tiles (kernels.WinogradInput), multiplies them position by position
// (kernels.SgemmPacked, 2.25, 3.24 or 4 times fewer multiplications than
// im2col) and transforms the products back (kernels.WinogradOutput).
// 3x3 stride-2 convolutions can run F(2x2, 3x3) at stride 2: 5x5 input
// tiles, 25 positions that share 16 transformed filters (one GEMM per
// filter), 1.44 times fewer multiplications than im2col
// (kernels.WinogradInputStride2, kernels.WinogradOutputStride2).
// [NewConv] chooses Winograd where it measured faster (the channel counts
// of ResNet's stages 1-4; at stride 2, outputs of 14x14 pixels or more);
// its rounding error is about four times im2col's for F(4x4, 3x3), 2.5
// times for F(3x3, 3x3), about the same for F(2x2, 3x3) at either stride.
//
// Bias, the residual addition (into the output buffer, in place) and ReLU
// are applied as C is stored (by the output transform, for Winograd). Results do not depend on the number of
// threads: every output element is computed by the same operations in the
// same order.
//
// # 8-bit layers
//
// Quantized tensors (uint8 or int8 with a scale and zero point, as ONNX
// defines them) have layers of their own: [QuantizeNCHWToNHWC] at the
// input and [Dequantize] at the head, [QConv] (run by [QConvForward]: an
// im2col whose padding is the zero point, then kernels.QGemm with bias,
// requantization, a residual of another scale and ReLU fused into its
// epilogue; float32 output for the head), [QIm2col], [QMaxPool] and
// [QGlobalAvgPool] with requantization.
//
// # Errors and allocation
//
// Every function checks shapes and slice lengths first and returns an error
// wrapping [ErrShape] without touching memory if they do not fit; none
// panics on bad input. Forward calls allocate nothing once warm when the
// caller passes scratch space of [Conv.ScratchSize] floats (with nil
// scratch, buffers come from a pool kept by the Conv).
package nn
