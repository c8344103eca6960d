package kernels

import "unsafe"

// moveKernels are a level's im2col copies (sizes checked by the caller).
type moveKernels struct {
	// copyRows: copy(dst[i*ldd:][:n], src[i*step:][:n]) for i < count.
	copyRows func(dst *float32, ldd int, src *float32, step, n, count int)
	// scatter3: dst[j*stride+i] = src[3*j+i] for i < 3, j < count.
	scatter3 func(dst *float32, stride int, src *float32, count int)
}

// CopyRows copies count rows of n floats, src rows step floats apart, to
// dst rows ldd floats apart:
//
//	for i := 0; i < count; i++ {
//		copy(dst[i*ldd:i*ldd+n], src[i*step:i*step+n])
//	}
//
// It is im2col's move of a kernel row into the A rows of a run of output
// pixels. Source rows may overlap (they are only read); dst rows must not
// (ldd >= n when count > 1), and dst must not overlap src. count or n <= 0
// does nothing. Bad sizes return an error wrapping [ErrShape] and touch
// nothing.
func (im *Impl) CopyRows(dst []float32, ldd int, src []float32, step, n, count int) error {
	if count <= 0 || n <= 0 {
		return nil
	}
	if step < 0 || (count > 1 && ldd < n) {
		return shapeErr("copy rows: %d rows of %d, strides %d and %d", count, n, step, ldd)
	}
	if !rowsFit(len(dst), count, ldd, n) || !rowsFit(len(src), count, step, n) {
		return shapeErr("copy rows: %d rows of %d, strides %d and %d, in %d and from %d floats", count, n, ldd, step, len(dst), len(src))
	}
	if raceEnabled {
		raceSpan(dst, (count-1)*ldd+n, true)
		raceSpan(src, (count-1)*step+n, false)
	}
	per := max(maxCallFloats/n, 1)
	for i := 0; i < count; i += per {
		im.moves.copyRows(&dst[i*ldd], ldd, &src[i*step], step, n, min(per, count-i))
	}
	return nil
}

// Scatter3 copies count groups of three floats, consecutive in src, to dst,
// stride floats apart: dst[j*stride+i] = src[3*j+i] for i < 3, j < count.
// It stacks the rows of a 3-channel stem's input. stride >= 3; count <= 0
// does nothing. Bad sizes return an error wrapping [ErrShape] and touch
// nothing.
func (im *Impl) Scatter3(dst []float32, stride int, src []float32, count int) error {
	if count <= 0 {
		return nil
	}
	if stride < 3 {
		return shapeErr("scatter3: stride %d", stride)
	}
	if !rowsFit(len(dst), count, stride, 3) || !rowsFit(len(src), count, 3, 3) {
		return shapeErr("scatter3: %d groups, stride %d, in %d and from %d floats", count, stride, len(dst), len(src))
	}
	if raceEnabled {
		raceSpan(dst, (count-1)*stride+3, true)
		raceSpan(src, 3*count, false)
	}
	per := maxCallFloats / 3
	for j := 0; j < count; j += per {
		im.moves.scatter3(&dst[j*stride], stride, &src[3*j], min(per, count-j))
	}
	return nil
}

// rowsFit reports whether count >= 1 rows of n floats, stride floats
// apart (stride >= 0), fit in size floats, without overflow.
func rowsFit(size, count, stride, n int) bool {
	span, ok := mulBounded(count-1, stride)
	return ok && n <= size && span <= size-n
}

// genericCopyRows is the Go form of moveKernels.copyRows.
func genericCopyRows(dst *float32, ldd int, src *float32, step, n, count int) {
	d := unsafe.Slice(dst, (count-1)*ldd+n)
	s := unsafe.Slice(src, (count-1)*step+n)
	for i := 0; i < count; i++ {
		copy(d[i*ldd:i*ldd+n], s[i*step:i*step+n])
	}
}

// genericScatter3 is the Go form of moveKernels.scatter3: each group moved
// inline (a copy call per group would cost more than the move).
func genericScatter3(dst *float32, stride int, src *float32, count int) {
	tp := unsafe.Pointer(dst)
	sp := unsafe.Pointer(src)
	for j := 0; j < count; j++ {
		*(*[3]float32)(unsafe.Add(tp, 4*j*stride)) = *(*[3]float32)(unsafe.Add(sp, 12*j))
	}
}
