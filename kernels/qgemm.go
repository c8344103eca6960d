package kernels

import (
	"math"
	"unsafe"
)

// Q8 is the element type of 8-bit activations: uint8 or int8.
type Q8 interface{ ~uint8 | ~int8 }

// QOut is the element type a [QGemm] writes: uint8 or int8 (requantized for
// the next layer), float32 (dequantized, for the head) or int32 (the
// corrected accumulator itself).
type QOut interface {
	~uint8 | ~int8 | ~int32 | ~float32
}

// QMaxK is the largest k a [QPackedB] accepts: with |a*b| <= 255*128 every
// int32 accumulator of up to QMaxK products is exact.
const QMaxK = 1 << 16

// QEpilogue is what happens to each int32 accumulator of an 8-bit GEMM as it
// is stored. With acc = sum_p A[i][p]*B[p][j] (exact, in integers):
//
//	v = acc - AZero*colsum_B[j] + Bias[j]          (exact, int64)
//	f = float32(v) * Scale[j]                      (float32 multiply)
//	f = f + float32(R[i][j] - Residual.Zero) * Residual.Scale   (if Residual)
//	f = max(f, 0)                                  (if ReLU)
//
// and the stored value is, by the type of C:
//
//	uint8, int8: saturate(roundHalfToEven(f) + OutZero), as ONNX QuantizeLinear
//	float32:     f
//	int32:       v saturated to int32 (max(v, 0) with ReLU); Scale and
//	             Residual must be nil
//
// Every float32 operation is rounded on its own (never fused), so all
// levels and architectures store the same bits.
//
// For a convolution whose input has scale sA, weights per-channel sB[j] and
// output sY, Scale[j] = sA*sB[j]/sY; a residual R of scale sR adds with
// Residual.Scale = sR/sY, so the two branches meet in the real domain
// whatever their scales. For a float32 output (the head), Scale[j] =
// sA*sB[j] and Residual.Scale = sR.
type QEpilogue struct {
	// AZero is A's zero point (in A's own type's range).
	AZero int32
	// Bias, when not nil, holds at least n int32 values, in the
	// accumulator's units (scale sA*sB[j], zero point 0).
	Bias []int32
	// Scale holds at least n finite multipliers; required unless C is int32.
	Scale []float32
	// Residual, when not nil, is added in the real domain (see above).
	Residual *QResidual
	// ReLU clamps the real value at zero (the stored value at OutZero).
	ReLU bool
	// OutZero is the output zero point for uint8 and int8 C.
	OutZero int32
}

// QResidual is the quantized tensor a [QEpilogue] adds: m x n with row
// stride Ld, as uint8 (U8) or int8 (S8); set exactly one.
type QResidual struct {
	U8 []uint8
	S8 []int8
	// Ld is the row stride in elements (>= n).
	Ld int
	// Zero is the residual's zero point.
	Zero int32
	// Scale is the residual's scale over the output's (see QEpilogue).
	Scale float32
}

// outKind is the element type of C or of a residual.
type outKind uint8

const (
	outU8 outKind = iota
	outS8
	outI32
	outF32
)

// QGemm computes C = epilogue(A*B) for 8-bit A (m x k, row stride lda,
// uint8 or int8) and a packed int8 B (k x n, see [QImpl.PackQB]), writing C
// (m x n, row stride ldc) as described by [QEpilogue]. It runs on the level
// B was packed for, over the output tiles only, so the result does not depend
// on opt's thread count, nor on the level. Sizes, slice lengths and scales are
// checked first: a bad call returns an error wrapping [ErrShape] and touches
// no memory. In steady state it allocates nothing.
func QGemm[A Q8, C QOut](m int, a []A, lda int, b *QPackedB, c []C, ldc int, ep QEpilogue, opt *Options) error {
	var za A
	var zc C
	aSigned := false
	if _, ok := any(za).(int8); ok {
		aSigned = true
	}
	kind := kindOf(any(zc))
	if b == nil {
		return shapeErr("packed B is nil")
	}
	if err := checkQGemm(m, b, len(a), lda, len(c), ldc, &ep, kind, aSigned); err != nil {
		return err
	}
	if m == 0 || b.n == 0 {
		return nil
	}
	var ab []byte
	if len(a) > 0 {
		ab = unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a))
	}
	cp := unsafe.Pointer(&c[0])
	qgemm(m, ab, lda, aSigned, b, cp, ldc, kind, &ep, opt)
	return nil
}

// kindOf maps a zero value of a QOut type to its kind.
func kindOf(z any) outKind {
	switch z.(type) {
	case uint8:
		return outU8
	case int8:
		return outS8
	case int32:
		return outI32
	}
	return outF32
}

// checkQGemm checks a call: la, lc are the lengths of A and C.
func checkQGemm(m int, b *QPackedB, la, lda, lc, ldc int, ep *QEpilogue, kind outKind, aSigned bool) error {
	n, k := b.n, b.k
	if m < 0 {
		return shapeErr("m = %d", m)
	}
	if err := checkLen("A", la, m, k, lda, false); err != nil {
		return err
	}
	if err := checkLen("C", lc, m, n, ldc, true); err != nil {
		return err
	}
	lo, hi := int32(0), int32(255)
	if aSigned {
		lo, hi = -128, 127
	}
	if ep.AZero < lo || ep.AZero > hi {
		return shapeErr("A zero point %d is outside [%d, %d]", ep.AZero, lo, hi)
	}
	if ep.Bias != nil && len(ep.Bias) < n {
		return shapeErr("bias has %d elements, n = %d", len(ep.Bias), n)
	}
	if kind == outI32 {
		if ep.Scale != nil || ep.Residual != nil {
			return shapeErr("an int32 C takes no scale and no residual")
		}
		return nil
	}
	if len(ep.Scale) < n {
		return shapeErr("scale has %d elements, n = %d", len(ep.Scale), n)
	}
	for _, s := range ep.Scale[:n] {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return shapeErr("scale %v is not finite", s)
		}
	}
	switch kind {
	case outU8:
		lo, hi = 0, 255
	case outS8:
		lo, hi = -128, 127
	}
	if kind != outF32 && (ep.OutZero < lo || ep.OutZero > hi) {
		return shapeErr("output zero point %d is outside [%d, %d]", ep.OutZero, lo, hi)
	}
	if r := ep.Residual; r != nil {
		return checkResidual(r, m, n)
	}
	return nil
}

func checkResidual(r *QResidual, m, n int) error {
	if (r.U8 == nil) == (r.S8 == nil) {
		return shapeErr("residual must set exactly one of U8 and S8")
	}
	l, lo, hi := len(r.U8), int32(0), int32(255)
	if r.S8 != nil {
		l, lo, hi = len(r.S8), -128, 127
	}
	if r.Zero < lo || r.Zero > hi {
		return shapeErr("residual zero point %d is outside [%d, %d]", r.Zero, lo, hi)
	}
	if math.IsNaN(float64(r.Scale)) || math.IsInf(float64(r.Scale), 0) {
		return shapeErr("residual scale %v is not finite", r.Scale)
	}
	return checkLen("residual", l, m, n, r.Ld, true)
}

// checkLen verifies that a slice of length l holds rows rows of cols
// elements, ld apart; written matrices (strict) need ld >= cols, read ones
// ld >= 1.
func checkLen(name string, l, rows, cols, ld int, strict bool) error {
	if rows < 0 || cols < 0 {
		return shapeErr("%s is %dx%d", name, rows, cols)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if ld < 1 || (strict && ld < cols) {
		return shapeErr("ld%s = %d is too small for %d columns", name, ld, cols)
	}
	need := (rows-1)*ld + cols
	if need/ld < rows-1 {
		return shapeErr("%s is too large", name)
	}
	if l < need {
		return shapeErr("%s has %d elements, %dx%d with ld %d needs %d", name, l, rows, cols, ld, need)
	}
	return nil
}
