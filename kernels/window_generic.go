package kernels

import "unsafe"

// The generic window kernels work on one window at a time, channel slices
// in the inner loops, as the reference loops of MaxWindows and AvgWindows
// with (i, j) outside ch.
//
// Maxima compare floats, NaN winning. The builtin max does that branch-free
// but costs about ten instructions per element. When no input of the
// windows has its sign bit set, which is the case after a ReLU (the ResNet
// stem), the IEEE-754 bit patterns order as integers exactly as the values
// do, +0 below the denormals below the normals below +Inf below the NaNs:
// the maximum of the patterns is the pattern of the maximum, and the integer
// max is two instructions. Measured on 3x3/2 pooling of 112x112x64 (thread
// CPU time, median of 4 on a shared Zen 3): 1.9 ms with float max, 1.4 ms on
// the bit patterns, the sign check included.

// windowSpan is the number of floats the windows reach from src.
func windowSpan(c, n, step, kh, kw, ldh, ldw int) int {
	return (n-1)*step + (kh-1)*ldh + (kw-1)*ldw + c
}

// genericMaxWindows is the pure-Go windowKernel for maxima.
func genericMaxWindows(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, _ float32) {
	s := unsafe.Slice(src, windowSpan(c, n, step, kh, kw, ldh, ldw))
	d := unsafe.Slice(dst, n*c)
	if ldw == c && step <= kw*c && windowsSignFree(s, c, n, step, kh, kw, ldh) {
		maxWindowsBits(bits(d), bits(s), c, n, step, kh, kw, ldh, ldw)
		return
	}
	for o := 0; o < n; o++ {
		out := d[o*c : (o+1)*c]
		copy(out, s[o*step:][:c])
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				if i|j != 0 {
					maxInto(out, s[o*step+i*ldh+j*ldw:][:c])
				}
			}
		}
	}
}

// maxInto sets d[i] = max(d[i], s[i]), NaN winning. The builtin max
// compiles to branch-free code; a compare-and-branch mispredicts on
// unordered data and was 1.6x slower.
func maxInto(d, s []float32) {
	s = s[:len(d)]
	for i, v := range s {
		d[i] = max(d[i], v)
	}
}

// windowsSignFree reports whether no float in the rows the windows cover
// (with the pixels of a window row adjacent: ldw == c) has its sign bit set.
func windowsSignFree(s []float32, c, n, step, kh, kw, ldh int) bool {
	width := (n-1)*step + kw*c
	var acc int32
	for i := 0; i < kh; i++ {
		for _, v := range bits(s[i*ldh:][:width]) {
			acc |= v
		}
	}
	return acc >= 0
}

// maxWindowsBits is genericMaxWindows on the int32 bit patterns of
// sign-free floats.
func maxWindowsBits(d, s []int32, c, n, step, kh, kw, ldh, ldw int) {
	for o := 0; o < n; o++ {
		out := d[o*c : (o+1)*c]
		copy(out, s[o*step:][:c])
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				if i|j == 0 {
					continue
				}
				in := s[o*step+i*ldh+j*ldw:][:c]
				for ch, v := range in {
					out[ch] = max(out[ch], v)
				}
			}
		}
	}
}

// bits views s as the int32 bit patterns of its floats.
func bits(s []float32) []int32 {
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// genericAvgWindows is the pure-Go windowKernel for averages.
func genericAvgWindows(dst, src *float32, c, n, step, kh, kw, ldh, ldw int, div float32) {
	s := unsafe.Slice(src, windowSpan(c, n, step, kh, kw, ldh, ldw))
	d := unsafe.Slice(dst, n*c)
	for o := 0; o < n; o++ {
		out := d[o*c : (o+1)*c]
		clear(out)
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				in := s[o*step+i*ldh+j*ldw:][:c]
				for ch, v := range in {
					out[ch] += v
				}
			}
		}
		for ch := range out {
			out[ch] /= div
		}
	}
}

// genericScaleShift is the pure-Go scale-shift kernel (see elemKernels).
// The float32 conversion keeps the compiler from fusing the multiply and
// the add, so every level rounds twice and gives the same bits.
func genericScaleShift(dst, src, scale, shift *float32, c, rows, flags int) {
	s := unsafe.Slice(src, rows*c)
	d := unsafe.Slice(dst, rows*c)
	sc := unsafe.Slice(scale, c)
	sh := unsafe.Slice(shift, c)
	relu := flags&flagReLU != 0
	for r := 0; r < rows; r++ {
		in, out := s[r*c:(r+1)*c], d[r*c:(r+1)*c]
		for ch, v := range in {
			v = float32(v*sc[ch]) + sh[ch]
			if relu {
				v = relu32(v)
			}
			out[ch] = v
		}
	}
}

// genericAdd is the pure-Go add kernel (see elemKernels).
func genericAdd(dst, a, b *float32, n, flags int) {
	d, as, bs := unsafe.Slice(dst, n), unsafe.Slice(a, n), unsafe.Slice(b, n)
	bs = bs[:len(as)]
	relu := flags&flagReLU != 0
	for i, v := range as {
		v += bs[i]
		if relu {
			v = relu32(v)
		}
		d[i] = v
	}
}

// relu32 is v if v > 0, else +0 (for NaN and -0 too). The builtin max is
// branch-free and takes +0 over -0; only NaN, which it keeps, needs a
// branch, and that one is predictable. A plain "if !(v > 0)" branch
// mispredicts on data of random sign and made ReLU 3-4x slower.
func relu32(v float32) float32 {
	v = max(v, 0)
	if v != v {
		v = 0
	}
	return v
}
