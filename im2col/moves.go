package im2col

import "unsafe"

// copyRows copies count rows of n floats, src rows step floats apart, to
// dst rows ldd floats apart: with the assembly move where movesAsm is set
// (see moves_amd64.go), one copy per row otherwise.
func copyRows(dst []float32, ldd int, src []float32, step, n, count int) {
	if count <= 0 || n <= 0 {
		return
	}
	_ = dst[(count-1)*ldd+n-1]
	_ = src[(count-1)*step+n-1]
	if movesAsm {
		copyRowsAsm(&dst[0], ldd, &src[0], step, n, count)
		return
	}
	for i := 0; i < count; i++ {
		copy(dst[i*ldd:i*ldd+n], src[i*step:i*step+n])
	}
}

// scatter3 copies count groups of three consecutive floats of s to t,
// stride floats apart: with the assembly move where movesAsm is set, each
// group moved inline otherwise (a copy call per group would cost more
// than the move).
func scatter3(t []float32, stride int, s []float32, count int) {
	if count <= 0 {
		return
	}
	_ = t[(count-1)*stride+2]
	_ = s[3*count-1]
	if movesAsm {
		scatter3Asm(&t[0], stride, &s[0], count)
		return
	}
	tp := unsafe.Pointer(unsafe.SliceData(t))
	sp := unsafe.Pointer(unsafe.SliceData(s))
	for j := 0; j < count; j++ {
		*(*[3]float32)(unsafe.Add(tp, 4*j*stride)) = *(*[3]float32)(unsafe.Add(sp, 12*j))
	}
}
