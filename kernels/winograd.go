package kernels

// Winograd tile transforms (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for 3x3 convolutions: the input and
// output transforms of F(m x m, 3 x 3), m = 2 or 4, on tiles of pixels whose
// channels are vectors of n lanes. Lane c of every output depends only on
// lane c of the inputs. Each 2-D transform is the 1-D one along the tile's
// rows, then along its columns; every product and sum rounds separately
// (never fused), in the order the generic functions below spell out, so
// every level gives the same bits.
//
// F(4x4, 3x3), input tiles of 6x6 pixels, points 0, ±1, ±2 and ∞:
//
//	Bᵀ = | 4  0 -5  0  1  0 |   Aᵀ = | 1  1  1  1  1  0 |
//	     | 0 -4 -4  1  1  0 |        | 0  1 -1  2 -2  0 |
//	     | 0  4 -4 -1  1  0 |        | 0  1  1  4  4  0 |
//	     | 0 -2 -1  2  1  0 |        | 0  1 -1  8 -8  1 |
//	     | 0  2 -1 -2  1  0 |
//	     | 0  4  0 -5  0  1 |
//
// F(2x2, 3x3), input tiles of 4x4 pixels, points 0, ±1 and ∞:
//
//	Bᵀ = | 1  0 -1  0 |   Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |        | 0  1 -1 -1 |
//	     | 0 -1  1  0 |
//	     | 0  1  0 -1 |

// winoKernels are a level's vector transforms, for lanes [0, n) with n a
// positive multiple of 8 (see the declarations in kernels/amd64).
type winoKernels struct {
	input4, input2   func(dst *float32, dstStride int, src *float32, rowStride, colStride, n int)
	output4, output2 func(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
}

// winoChunk is the number of lanes a generic 1-D pass handles at a time.
const winoChunk = 16

// WinogradInput writes the input transform of Winograd F(m x m, 3 x 3)
// (m = 2 or 4) of one tile of t x t pixels, t = m+2, with n channels each:
//
//	V = Bᵀ d B, where d[y][x] = src[y*rowStride+x*colStride:][:n]
//	dst[(i*t+j)*dstStride:][:n] = V[i][j] for i, j < t
//
// Strides count floats and must be >= 0; src and dst must not overlap.
// Every level gives the same bits. Bad sizes return an error wrapping
// [ErrShape] and touch nothing.
func (im *Impl) WinogradInput(m int, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) error {
	t := m + 2
	if err := checkWino(m, n, rowStride, colStride, dstStride); err != nil {
		return err
	}
	if err := checkSpan("winograd input src", src, n, t, rowStride, t, colStride); err != nil {
		return err
	}
	if err := checkSpan("winograd input dst", dst, n, t*t, dstStride, 1, 0); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(src, (t-1)*(rowStride+colStride)+n, false)
		raceSpan(dst, (t*t-1)*dstStride+n, true)
	}
	n8 := 0
	if k := im.wino(); k != nil {
		n8 = n &^ 7
		for c := 0; c < n8; c += maxWinoLanes {
			l := min(maxWinoLanes, n8-c)
			if m == 4 {
				k.input4(&dst[c], dstStride, &src[c], rowStride, colStride, l)
			} else {
				k.input2(&dst[c], dstStride, &src[c], rowStride, colStride, l)
			}
		}
	}
	if n8 < n {
		genericWinoInput(m, dst[n8:], dstStride, src[n8:], rowStride, colStride, n-n8)
	}
	return nil
}

// WinogradOutput writes the output transform of Winograd F(m x m, 3 x 3)
// (m = 2 or 4) of one tile with n channels, with the epilogue ep:
//
//	Y = Aᵀ M A, where M[i][j] = src[(i*t+j)*srcStride:][:n], t = m+2
//	dst[y*rowStride+x*colStride+c] = relu?((Accumulate ? dst[…] : 0) + (Y[y][x][c] + Bias[c]))
//
// for y, x < m and c < n: the bias (when not nil) is added first, then the
// old value (Accumulate), then ReLU (NaN and -0 become +0). Strides count
// floats and must be >= 0; src and dst must not overlap. Every level gives
// the same bits. Bad sizes return an error wrapping [ErrShape] and touch
// nothing.
func (im *Impl) WinogradOutput(m int, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, ep Epilogue) error {
	t := m + 2
	if err := checkWino(m, n, rowStride, colStride, srcStride); err != nil {
		return err
	}
	if err := checkSpan("winograd output src", src, n, t*t, srcStride, 1, 0); err != nil {
		return err
	}
	if err := checkSpan("winograd output dst", dst, n, m, rowStride, m, colStride); err != nil {
		return err
	}
	if err := checkEpilogue(&ep, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(src, (t*t-1)*srcStride+n, false)
		raceSpan(dst, (m-1)*(rowStride+colStride)+n, true)
		if ep.Bias != nil {
			raceSpan(ep.Bias, n, false)
		}
	}
	flags := 0
	if ep.Accumulate {
		flags |= flagAccumulate
	}
	if ep.ReLU {
		flags |= flagReLU
	}
	n8 := 0
	if k := im.wino(); k != nil {
		n8 = n &^ 7
		for c := 0; c < n8; c += maxWinoLanes {
			l := min(maxWinoLanes, n8-c)
			var bias *float32
			if ep.Bias != nil {
				bias = &ep.Bias[c]
			}
			if m == 4 {
				k.output4(&dst[c], rowStride, colStride, &src[c], srcStride, bias, l, flags)
			} else {
				k.output2(&dst[c], rowStride, colStride, &src[c], srcStride, bias, l, flags)
			}
		}
	}
	if n8 < n {
		var bias []float32
		if ep.Bias != nil {
			bias = ep.Bias[n8:n]
		}
		genericWinoOutput(m, dst[n8:], rowStride, colStride, src[n8:], srcStride, n-n8, bias, flags)
	}
	return nil
}

// maxWinoLanes bounds the lanes of one assembly call (about 10 µs for a
// 6x6 tile): assembly is not preemptible.
const maxWinoLanes = 8 << 10

// checkWino checks the tile size, lane count and strides.
func checkWino(m, n int, strides ...int) error {
	if m != 2 && m != 4 {
		return shapeErr("winograd F(%dx%d, 3x3): m must be 2 or 4", m, m)
	}
	if n < 0 {
		return shapeErr("winograd: %d lanes", n)
	}
	for _, s := range strides {
		if s < 0 || uint64(s) > 1<<40 {
			return shapeErr("winograd: stride %d", s)
		}
	}
	return nil
}

// checkSpan checks that s holds vectors of n floats at every
// i*stride1 + j*stride2 for i < n1, j < n2 (strides at most 1<<40, counts
// at most 36, so the sums cannot overflow 64-bit ints; 32-bit ints are
// checked).
func checkSpan(name string, s []float32, n, n1, stride1, n2, stride2 int) error {
	if n == 0 {
		return nil
	}
	need := uint64(n1-1)*uint64(stride1) + uint64(n2-1)*uint64(stride2) + uint64(n)
	if need > uint64(len(s)) {
		return shapeErr("%s has %d floats, needs %d", name, len(s), need)
	}
	return nil
}

// genericWinoInput is WinogradInput in Go, n >= 1, sizes checked.
func genericWinoInput(m int, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) {
	t := m + 2
	var tmp [36 * winoChunk]float32
	var s, o [6][]float32
	for c0 := 0; c0 < n; c0 += winoChunk {
		nc := min(winoChunk, n-c0)
		for r := 0; r < t; r++ { // rows: tmp[r][k] = (d B)[r][k]
			for j := 0; j < t; j++ {
				s[j] = src[r*rowStride+j*colStride+c0:][:nc]
				o[j] = tmp[(r*t+j)*nc:][:nc]
			}
			winoIn(m, &o, &s)
		}
		for k := 0; k < t; k++ { // columns: V[r][k] = (Bᵀ tmp)[r][k]
			for r := 0; r < t; r++ {
				s[r] = tmp[(r*t+k)*nc:][:nc]
				o[r] = dst[(r*t+k)*dstStride+c0:][:nc]
			}
			winoIn(m, &o, &s)
		}
	}
}

// genericWinoOutput is WinogradOutput in Go, n >= 1, sizes checked; bias
// is nil or n long.
func genericWinoOutput(m int, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, bias []float32, flags int) {
	t := m + 2
	var tmp [28 * winoChunk]float32 // 6x4 table, then 4 outputs
	var s [6][]float32
	var o [4][]float32
	for c0 := 0; c0 < n; c0 += winoChunk {
		nc := min(winoChunk, n-c0)
		var b []float32
		if bias != nil {
			b = bias[c0 : c0+nc]
		}
		for r := 0; r < t; r++ { // rows: tmp[r][k] = (M A)[r][k]
			for j := 0; j < t; j++ {
				s[j] = src[(r*t+j)*srcStride+c0:][:nc]
			}
			for k := 0; k < m; k++ {
				o[k] = tmp[(r*m+k)*nc:][:nc]
			}
			winoOut(m, &o, &s)
		}
		y := tmp[t*m*nc:]
		for k := 0; k < m; k++ { // columns: Y[r][k] = (Aᵀ tmp)[r][k]
			for r := 0; r < t; r++ {
				s[r] = tmp[(r*m+k)*nc:][:nc]
			}
			for r := 0; r < m; r++ {
				o[r] = y[r*nc:][:nc]
			}
			winoOut(m, &o, &s)
			for r := 0; r < m; r++ {
				winoStore(dst[r*rowStride+k*colStride+c0:][:nc], o[r], b, flags)
			}
		}
	}
}

// winoIn runs the 1-D input transform of F(m x m, 3 x 3).
func winoIn(m int, o, s *[6][]float32) {
	if m == 4 {
		in4(o, s)
		return
	}
	in2((*[4][]float32)(o[:4]), (*[4][]float32)(s[:4]))
}

// winoOut runs the 1-D output transform of F(m x m, 3 x 3).
func winoOut(m int, o *[4][]float32, s *[6][]float32) {
	if m == 4 {
		out4(o, s)
		return
	}
	out2((*[2][]float32)(o[:2]), (*[4][]float32)(s[:4]))
}

// in4 is the 1-D input transform of F(4x4, 3x3), o = Bᵀ s, lane by lane.
// Every slice is cut to o[0]'s length, so the loop has no bounds checks.
func in4(o, s *[6][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3, o4, o5 := o[1][:n], o[2][:n], o[3][:n], o[4][:n], o[5][:n]
	s0, s1, s2, s3, s4, s5 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n], s[5][:n]
	for c := range o0 {
		d0, d1, d2, d3, d4, d5 := s0[c], s1[c], s2[c], s3[c], s4[c], s5[c]
		a := d4 - 4*d2
		b := d3 - 4*d1
		e := d4 - d2
		f := 2 * (d3 - d1)
		o0[c] = 4*d0 - 5*d2 + d4
		o1[c] = a + b
		o2[c] = a - b
		o3[c] = e + f
		o4[c] = e - f
		o5[c] = 4*d1 - 5*d3 + d5
	}
}

// out4 is the 1-D output transform of F(4x4, 3x3), o = Aᵀ s, lane by lane.
func out4(o *[4][]float32, s *[6][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3 := o[1][:n], o[2][:n], o[3][:n]
	s0, s1, s2, s3, s4, s5 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n], s[5][:n]
	for c := range o0 {
		m1, m2, m3, m4 := s1[c], s2[c], s3[c], s4[c]
		a, b := m1+m2, m1-m2
		e, f := m3+m4, m3-m4
		o0[c] = s0[c] + a + e
		o1[c] = b + 2*f
		o2[c] = a + 4*e
		o3[c] = b + 8*f + s5[c]
	}
}

// in2 is the 1-D input transform of F(2x2, 3x3), o = Bᵀ s, lane by lane.
func in2(o, s *[4][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3 := o[1][:n], o[2][:n], o[3][:n]
	s0, s1, s2, s3 := s[0][:n], s[1][:n], s[2][:n], s[3][:n]
	for c := range o0 {
		d1, d2 := s1[c], s2[c]
		o0[c] = s0[c] - d2
		o1[c] = d1 + d2
		o2[c] = d2 - d1
		o3[c] = d1 - s3[c]
	}
}

// out2 is the 1-D output transform of F(2x2, 3x3), o = Aᵀ s, lane by lane.
func out2(o *[2][]float32, s *[4][]float32) {
	o0 := o[0]
	n := len(o0)
	o1 := o[1][:n]
	s0, s1, s2, s3 := s[0][:n], s[1][:n], s[2][:n], s[3][:n]
	for c := range o0 {
		m1, m2 := s1[c], s2[c]
		o0[c] = s0[c] + m1 + m2
		o1[c] = m1 - m2 - s3[c]
	}
}

// winoStore stores y (plus bias, when not nil) into d with the epilogue
// flags: d = relu?((accumulate ? d : 0) + (y + bias)).
func winoStore(d, y, bias []float32, flags int) {
	y = y[:len(d)]
	if bias != nil {
		bias = bias[:len(d)]
		for c := range d {
			y[c] += bias[c]
		}
	}
	if flags&flagAccumulate != 0 {
		for c := range d {
			y[c] = d[c] + y[c]
		}
	}
	if flags&flagReLU != 0 {
		for c := range d {
			v := max(y[c], 0) // branch-free: the sign is unpredictable
			if v != v {
				v = 0
			}
			y[c] = v
		}
	}
	copy(d, y)
}
