// Package kernels holds gorn's compute kernels: single-precision GEMM with
// pre-packed weights and a fused epilogue, the worker pool that runs it on
// several cores, and the CPU-feature dispatch that picks an implementation.
//
// # Matrices
//
// All matrices are row-major float32 slices with an explicit leading
// dimension (the distance, in elements, between the starts of two rows).
// A convolution in NHWC layout is one GEMM:
//
//	C[pixels x Cout] = A[pixels x (kh*kw*Cin)] * B[(kh*kw*Cin) x Cout]
//
// B (the weights) is packed once with [PackB] into zero-padded panels of the
// micro-kernel's width and reused for every call; A is read in place.
//
// [SgemvPacked] is the one-row case (a fully connected layer on one image):
// the same bits as [SgemmPacked] with m = 1, several panels at a time.
//
// # Epilogue
//
// [Epilogue] is applied while C is stored, with no second pass over C:
//
//	C[i][j] = relu?( (accumulate ? C[i][j] : 0) + sum_p A[i][p]*B[p][j] + bias[j] )
//
// # 8-bit GEMM
//
// [QGemm] multiplies uint8 or int8 activations by int8 weights packed once
// with [QImpl.PackQB] (per output channel, with their column sums) into
// exact int32 sums, and requantizes them as they are stored ([QEpilogue]:
// zero-point correction, int32 bias, per-channel float32 scale, a residual
// of another scale added in the real domain, ReLU, round half to even,
// saturation, output zero point), writing uint8, int8, float32 or int32.
// Its levels ([QImpl]: AVX-512 VNNI, AVX-VNNI, AVX2; NEON with USMMLA, with
// SDOT, plain; generic) form a table of their own keyed by the fp32
// level's name ([QFor]), and give the same bits on every level.
//
// # Pooling and elementwise kernels
//
// [Impl.MaxWindows] and [Impl.AvgWindows] reduce a row of NHWC pooling
// windows ([Windows]) channel by channel, one call per output row;
// [Impl.ScaleShift] applies a per-channel affine map and [Impl.Add] adds two
// vectors, each with an optional ReLU. They give the same bits on every
// level (maxima up to the sign of a zero and the payload of a NaN).
// [Impl.WinogradInput] and [Impl.WinogradOutput] are the transforms of
// Winograd's F(2x2,3x3), F(3x3,3x3) and F(4x4,3x3) convolution, and
// [Impl.WinogradInputStride2] and [Impl.WinogradOutputStride2] those of
// F(2x2,3x3) at stride 2 (package nn runs the GEMMs between them), also
// the same bits on every level.
//
// # Implementations
//
// Each CPU level is an [Impl]: AVX-512, AVX2+FMA (amd64), NEON (arm64) and a
// portable pure-Go one. [Active] reports the level chosen for this CPU;
// [Impls] lists every level compiled in, so tests and benchmarks can run all
// of them in one process. Levels can be lowered with GODEBUG, e.g.
// GODEBUG=cpu.avx512f=off or cpu.avx2=off on amd64 and cpu.asimd=off on
// arm64; the purego build tag removes all assembly.
//
// # Threads
//
// A [Pool] keeps worker goroutines that block when idle ([Pool.Hold] makes
// them poll for a burst of calls, such as the layers of one inference). Work is split over
// output tiles only, never over K, so every output element is computed by
// the same sequence of operations whatever the thread count: results are
// bitwise identical for any number of threads.
package kernels
