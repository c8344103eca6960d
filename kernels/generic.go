package kernels

import "unsafe"

// The generic level's tile: 3x2 keeps its six accumulators, the two B
// values and the three A values of a k step, and the products in flight, in
// the fifteen floating-point registers the amd64 compiler has to spare.
// Wider tiles (4x4, 2x4) spill inside the k loop and run at half the speed:
// 3x2 reaches about 7.5 GFLOP/s on one Zen 3 core at the default GOAMD64,
// against 4.2 for 4x4. The k loops read B through bRow: bounds-checked
// indexing of the panel per step cost a quarter to a third of the speed.
const (
	genericMR = 3
	genericNR = 2
)

// genericKernel is the pure-Go micro-kernel; see microKernel for the loop it
// implements.
func genericKernel(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int) {
	genericStrip(a, lda, b, kc, c, ldc, bias, flags, genericMR, genericMR)
}

// genericStrip is the pure-Go strip kernel; see stripKernel. Every
// accumulator is its own chain of multiply-adds in p order whatever the
// tile height, so the tiling changes no result.
func genericStrip(a *float32, lda int, b *float32, kc int, c *float32, ldc int, bias *float32, flags int, rows, h int) {
	if rows <= 0 {
		return
	}
	h = min(max(h, 1), genericMR)
	as := unsafe.Slice(a, (rows-1)*lda+kc)
	bs := unsafe.Slice(b, kc*genericNR)
	cs := unsafe.Slice(c, (rows-1)*ldc+genericNR)
	bv := (*[genericNR]float32)(unsafe.Pointer(bias))
	for i := 0; i < rows; {
		r := min(h, rows-i)
		var acc [genericMR][genericNR]float32
		switch r {
		case 3:
			acc = genericTile3(as[i*lda:], lda, bs, kc)
		case 2:
			acc[0], acc[1] = genericTile2(as[i*lda:], lda, bs, kc)
		default:
			acc[0] = genericTile1(as[i*lda:], bs, kc)
		}
		for t := 0; t < r; t++ {
			genericStore((*[genericNR]float32)(cs[(i+t)*ldc:]), &acc[t], bv, flags)
		}
		i += r
	}
}

// genericStore applies the epilogue to one row of a tile and stores it;
// bias may be nil.
func genericStore(row, acc, bias *[genericNR]float32, flags int) {
	for j, v := range acc {
		if flags&flagAccumulate != 0 {
			v += row[j]
		}
		if bias != nil {
			v += bias[j]
		}
		if flags&flagReLU != 0 && !(v > 0) {
			v = 0
		}
		row[j] = v
	}
}

func genericTile3(as []float32, lda int, bs []float32, kc int) (acc [genericMR][genericNR]float32) {
	a0, a1, a2 := as[:kc], as[lda:lda+kc], as[2*lda:2*lda+kc]
	pb := unsafe.Pointer(&bs[:kc*genericNR][0])
	var c00, c01, c10, c11, c20, c21 float32
	for p, x := range a0 {
		y, z := a1[p], a2[p]
		b0, b1 := bRow(pb, p)
		c00 += x * b0
		c01 += x * b1
		c10 += y * b0
		c11 += y * b1
		c20 += z * b0
		c21 += z * b1
	}
	acc[0] = [genericNR]float32{c00, c01}
	acc[1] = [genericNR]float32{c10, c11}
	acc[2] = [genericNR]float32{c20, c21}
	return acc
}

func genericTile2(as []float32, lda int, bs []float32, kc int) (r0, r1 [genericNR]float32) {
	a0, a1 := as[:kc], as[lda:lda+kc]
	pb := unsafe.Pointer(&bs[:kc*genericNR][0])
	var c00, c01, c10, c11 float32
	for p, x := range a0 {
		y := a1[p]
		b0, b1 := bRow(pb, p)
		c00 += x * b0
		c01 += x * b1
		c10 += y * b0
		c11 += y * b1
	}
	return [genericNR]float32{c00, c01}, [genericNR]float32{c10, c11}
}

func genericTile1(as, bs []float32, kc int) [genericNR]float32 {
	a0 := as[:kc]
	pb := unsafe.Pointer(&bs[:kc*genericNR][0])
	var c00, c01 float32
	for p, x := range a0 {
		b0, b1 := bRow(pb, p)
		c00 += x * b0
		c01 += x * b1
	}
	return [genericNR]float32{c00, c01}
}

// bRow returns row p of a packed panel of genericNR columns at pb; the
// callers check once that the panel holds kc rows and keep p < kc.
func bRow(pb unsafe.Pointer, p int) (float32, float32) {
	return *(*float32)(unsafe.Add(pb, 4*genericNR*p)), *(*float32)(unsafe.Add(pb, 4*genericNR*p+4))
}
