package nn

import (
	"math"
	"unsafe"
)

// Max pooling compares floats, NaN winning. The builtin max does that
// branch-free but costs about ten instructions per element. When no input
// of a window has its sign bit set, which is the case after a ReLU (the
// ResNet stem), the IEEE-754 bit patterns order as integers exactly as the
// values do, +0 below the denormals below the normals below +Inf below the
// NaNs: the maximum of the patterns is the bit pattern of the maximum, and
// the integer max is two instructions. Measured on 3x3/2 pooling of
// 112x112x64 (thread CPU time, median of 4 on a shared machine): 1.9 ms
// with float max, 1.4 ms on the bit patterns, the sign check included.

// signFree reports whether no element of s has its sign bit set.
func signFree(s []float32) bool {
	var acc int32
	for _, v := range bits(s) {
		acc |= v
	}
	return acc >= 0
}

// bits views s as the int32 bit patterns of its floats.
func bits(s []float32) []int32 {
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// maxWindowBits is maxWindow for windows whose inputs are all sign-free,
// comparing bit patterns.
func maxWindowBits(d, src []float32, w, c, ys, ye, xs, xe int) {
	db := bits(d)
	first := true
	for y := ys; y < ye; y++ {
		for xx := xs; xx < xe; xx++ {
			s := bits(src[(y*w+xx)*c:][:len(d)])
			if first {
				copy(db, s)
				first = false
				continue
			}
			for i, v := range s {
				db[i] = max(db[i], v)
			}
		}
	}
	if first {
		for i := range d {
			d[i] = float32(math.Inf(-1))
		}
	}
}
