package kernels

import "unsafe"

// The generic micro-kernel's tile: 4x4 keeps its 16 accumulators, a row of
// B and one A value in the 16 floating-point registers amd64 and arm64
// compilers have to spare.
const (
	genericMR = 4
	genericNR = 4
)

// genericKernel is the pure-Go micro-kernel; see microKernel for the loop it
// implements.
func genericKernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	a0 := unsafe.Slice(a, 3*lda+kc)
	a1, a2, a3 := a0[lda:lda+kc], a0[2*lda:2*lda+kc], a0[3*lda:3*lda+kc]
	a0 = a0[:kc]
	bs := unsafe.Slice(b, kc*genericNR)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := range a0 {
		bp := bs[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		x := a0[p]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		x = a1[p]
		c10 += x * b0
		c11 += x * b1
		c12 += x * b2
		c13 += x * b3
		x = a2[p]
		c20 += x * b0
		c21 += x * b1
		c22 += x * b2
		c23 += x * b3
		x = a3[p]
		c30 += x * b0
		c31 += x * b1
		c32 += x * b2
		c33 += x * b3
	}
	cs := unsafe.Slice(c, 3*ldc+genericNR)
	acc := [4][4]float32{
		{c00, c01, c02, c03}, {c10, c11, c12, c13},
		{c20, c21, c22, c23}, {c30, c31, c32, c33},
	}
	var bv [genericNR]float32
	if bias != nil {
		bv = *(*[genericNR]float32)(unsafe.Pointer(bias))
	}
	for i := range acc {
		row := cs[i*ldc : i*ldc+genericNR : i*ldc+genericNR]
		for j, v := range acc[i] {
			if flags&flagAccumulate != 0 {
				v = row[j] + v
			}
			v += bv[j]
			if flags&flagReLU != 0 && !(v > 0) {
				v = 0
			}
			row[j] = v
		}
	}
}
