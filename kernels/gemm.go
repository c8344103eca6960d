package kernels

import (
	"errors"
	"fmt"
)

// Epilogue is what happens to each element of C as it is stored:
//
//	C[i][j] = relu?( (Accumulate ? C[i][j] : 0) + sum_p A[i][p]*B[p][j] + Bias[j] )
//
// The zero value stores the plain product.
type Epilogue struct {
	// Bias, when not nil, holds at least n values added to every row.
	Bias []float32
	// Accumulate adds the product to the values already in C (a residual add).
	Accumulate bool
	// ReLU clamps the result at zero (NaN also becomes zero).
	ReLU bool
}

// Options tune one GEMM call. A nil *Options runs single-threaded on the
// active level.
type Options struct {
	// Pool runs the call on several cores; nil runs it on the calling goroutine.
	Pool *Pool
	// Threads caps how many of the pool's threads the call uses; 0 means all.
	Threads int
}

// ErrShape reports inconsistent sizes, strides or slice lengths.
var ErrShape = errors.New("kernels: bad shape")

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...)
}

// checkMatrix verifies that s holds rows x cols elements with row stride ld.
func checkMatrix(name string, s []float32, rows, cols, ld int) error {
	if rows > 0 && cols > 0 && ld < cols {
		return shapeErr("ld%s = %d is less than its %d columns", name, ld, cols)
	}
	return checkRows(name, s, rows, cols, ld)
}

// checkRows verifies that s holds rows rows of cols elements, ld apart,
// where rows may overlap (1 <= ld < cols): a matrix that is only read.
func checkRows(name string, s []float32, rows, cols, ld int) error {
	if rows < 0 || cols < 0 {
		return shapeErr("%s is %dx%d", name, rows, cols)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if ld < 1 {
		return shapeErr("ld%s = %d is less than 1", name, ld)
	}
	need := (rows-1)*ld + cols
	if need/ld < rows-1 { // overflow
		return shapeErr("%s is too large", name)
	}
	if len(s) < need {
		return shapeErr("%s has %d elements, %dx%d with ld %d needs %d", name, len(s), rows, cols, ld, need)
	}
	return nil
}

func checkEpilogue(ep *Epilogue, n int) error {
	if ep.Bias != nil && len(ep.Bias) < n {
		return shapeErr("bias has %d elements, n = %d", len(ep.Bias), n)
	}
	return nil
}

// Sgemm computes C = A*B with the epilogue ep, where A is m x k (row stride
// lda), B is k x n (row stride ldb) and C is m x n (row stride ldc). A is
// only read, so its rows may overlap (1 <= lda < k), as the patches of a
// convolution laid out as a sliding window do. It packs
// B on every call; when B is reused (convolution weights), pack it once with
// [PackB] and call [SgemmPacked]. Sizes and slice lengths are checked first:
// an inconsistent call returns an error wrapping [ErrShape] and touches no
// memory.
func Sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, ep Epilogue, opt *Options) error {
	if err := checkMatrix("B", b, k, n, ldb); err != nil {
		return err
	}
	if err := checkGemm(m, n, k, a, lda, c, ldc, &ep); err != nil {
		return err
	}
	if m == 0 || n == 0 {
		return nil
	}
	pb := getPacked(Active(), k, n)
	pb.pack(b, ldb, false)
	gemm(m, a, lda, pb, c, ldc, &ep, opt)
	putPacked(pb)
	return nil
}

// SgemmPacked computes C = A*B with the epilogue ep, where B was packed by
// [PackB] (so k and n are B's), A is m x k (row stride lda, which may be
// less than k, as for [Sgemm]) and C is m x n (row stride ldc). It runs on
// the level B was packed for. Sizes and slice
// lengths are checked first: an inconsistent call returns an error wrapping
// [ErrShape] and touches no memory. It allocates nothing.
func SgemmPacked(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, ep Epilogue, opt *Options) error {
	if b == nil {
		return shapeErr("packed B is nil")
	}
	if err := checkGemm(m, b.n, b.k, a, lda, c, ldc, &ep); err != nil {
		return err
	}
	if m == 0 || b.n == 0 {
		return nil
	}
	gemm(m, a, lda, b, c, ldc, &ep, opt)
	return nil
}

func checkGemm(m, n, k int, a []float32, lda int, c []float32, ldc int, ep *Epilogue) error {
	if m < 0 || n < 0 || k < 0 {
		return shapeErr("m, n, k = %d, %d, %d", m, n, k)
	}
	if err := checkRows("A", a, m, k, lda); err != nil {
		return err
	}
	if err := checkMatrix("C", c, m, n, ldc); err != nil {
		return err
	}
	return checkEpilogue(ep, n)
}
