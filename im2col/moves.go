package im2col

import "unsafe"

// copyRowsGo is copyRows in Go (count, n >= 1): one copy per row.
func copyRowsGo(dst []float32, ldd int, src []float32, step, n, count int) {
	for i := 0; i < count; i++ {
		copy(dst[i*ldd:i*ldd+n], src[i*step:i*step+n])
	}
}

// scatter3Go is scatter3 in Go (count >= 1): each group moved inline, as a
// copy call per group would cost more than the move.
func scatter3Go(t []float32, stride int, s []float32, count int) {
	_ = t[(count-1)*stride+2]
	_ = s[3*count-1]
	tp := unsafe.Pointer(unsafe.SliceData(t))
	sp := unsafe.Pointer(unsafe.SliceData(s))
	for j := 0; j < count; j++ {
		*(*[3]float32)(unsafe.Add(tp, 4*j*stride)) = *(*[3]float32)(unsafe.Add(sp, 12*j))
	}
}
