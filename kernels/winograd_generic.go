package kernels

// The Winograd transforms in portable Go: the generic level, and the
// reference every vector level must match bit for bit.

// pos returns the index of position (i, j) of v's transformed tile.
func (v winoVariant) pos(i, j int) int {
	if v == winoF2S2 {
		return winoS2Pos[i][j]
	}
	_, t := v.sizes()
	return i*t + j
}

// genericWinoInput is the input transform in Go, n >= 1, sizes checked.
func genericWinoInput(v winoVariant, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) {
	_, t := v.sizes()
	var tmp [36 * winoChunk]float32
	var s, o [6][]float32
	for c0 := 0; c0 < n; c0 += winoChunk {
		nc := min(winoChunk, n-c0)
		for r := 0; r < t; r++ { // rows: tmp[r][k] = (d B)[r][k]
			for j := 0; j < t; j++ {
				s[j] = src[r*rowStride+j*colStride+c0:][:nc]
				o[j] = tmp[(r*t+j)*nc:][:nc]
			}
			winoIn(v, &o, &s)
		}
		for k := 0; k < t; k++ { // columns: V[r][k] = (Bᵀ tmp)[r][k]
			for r := 0; r < t; r++ {
				s[r] = tmp[(r*t+k)*nc:][:nc]
				o[r] = dst[v.pos(r, k)*dstStride+c0:][:nc]
			}
			winoIn(v, &o, &s)
		}
	}
}

// genericWinoOutput is the output transform in Go, n >= 1, sizes checked;
// bias is nil or n long.
func genericWinoOutput(v winoVariant, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, bias []float32, flags int) {
	m, t := v.sizes()
	var tmp [28 * winoChunk]float32 // t x m table, then m outputs
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
				s[j] = src[v.pos(r, j)*srcStride+c0:][:nc]
			}
			for k := 0; k < m; k++ {
				o[k] = tmp[(r*m+k)*nc:][:nc]
			}
			winoOut(v, &o, &s)
		}
		y := tmp[t*m*nc:]
		for k := 0; k < m; k++ { // columns: Y[r][k] = (Aᵀ tmp)[r][k]
			for r := 0; r < t; r++ {
				s[r] = tmp[(r*m+k)*nc:][:nc]
			}
			for r := 0; r < m; r++ {
				o[r] = y[r*nc:][:nc]
			}
			winoOut(v, &o, &s)
			for r := 0; r < m; r++ {
				winoStore(dst[r*rowStride+k*colStride+c0:][:nc], o[r], b, flags)
			}
		}
	}
}

// winoIn runs v's 1-D input transform.
func winoIn(v winoVariant, o, s *[6][]float32) {
	switch v {
	case winoF4:
		in4(o, s)
	case winoF2S2:
		in2s2((*[5][]float32)(o[:5]), (*[5][]float32)(s[:5]))
	case winoF3:
		in3((*[5][]float32)(o[:5]), (*[5][]float32)(s[:5]))
	default:
		in2((*[4][]float32)(o[:4]), (*[4][]float32)(s[:4]))
	}
}

// winoOut runs v's 1-D output transform.
func winoOut(v winoVariant, o *[4][]float32, s *[6][]float32) {
	switch v {
	case winoF4:
		out4(o, s)
	case winoF2S2:
		out2s2((*[2][]float32)(o[:2]), (*[5][]float32)(s[:5]))
	case winoF3:
		out3((*[3][]float32)(o[:3]), (*[5][]float32)(s[:5]))
	default:
		out2((*[2][]float32)(o[:2]), (*[4][]float32)(s[:4]))
	}
}

// The 1-D transforms below convert every product to float32 before it is
// added: an explicit conversion rounds, so the compiler cannot fuse the
// multiply and the add (Go fuses them on arm64: the generic transforms
// there disagreed with the NEON ones in the last bit until they rounded
// each product), and every level, vector or not, gives the same bits.

// in4 is the 1-D input transform of F(4x4, 3x3), o = Bᵀ s, lane by lane.
// Every slice is cut to o[0]'s length, so the loop has no bounds checks.
func in4(o, s *[6][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3, o4, o5 := o[1][:n], o[2][:n], o[3][:n], o[4][:n], o[5][:n]
	s0, s1, s2, s3, s4, s5 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n], s[5][:n]
	for c := range o0 {
		d0, d1, d2, d3, d4, d5 := s0[c], s1[c], s2[c], s3[c], s4[c], s5[c]
		a := d4 - float32(4*d2)
		b := d3 - float32(4*d1)
		e := d4 - d2
		f := float32(2 * (d3 - d1))
		o0[c] = float32(4*d0) - float32(5*d2) + d4
		o1[c] = a + b
		o2[c] = a - b
		o3[c] = e + f
		o4[c] = e - f
		o5[c] = float32(4*d1) - float32(5*d3) + d5
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
		o1[c] = b + float32(2*f)
		o2[c] = a + float32(4*e)
		o3[c] = b + float32(8*f) + s5[c]
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

// in3 is the 1-D input transform of F(3x3, 3x3), o = Bᵀ s:
//
//	f = d3 - d2, e = d3 - d1
//	o0 = 2*(d0 - d2) + e, o1 = f - 2*d1, o2 = f + 2*(d1 - d2), o3 = e,
//	o4 = (d4 - d2) - 2*e
func in3(o, s *[5][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3, o4 := o[1][:n], o[2][:n], o[3][:n], o[4][:n]
	s0, s1, s2, s3, s4 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n]
	for c := range o0 {
		d1, d2, d3 := s1[c], s2[c], s3[c]
		f := d3 - d2
		e := d3 - d1
		o0[c] = float32(2*(s0[c]-d2)) + e
		o1[c] = f - float32(2*d1)
		o2[c] = f + float32(2*(d1-d2))
		o3[c] = e
		o4[c] = (s4[c] - d2) - float32(2*e)
	}
}

// out3 is the 1-D output transform of F(3x3, 3x3), o = Aᵀ s:
//
//	a = m1 + m2, b = m1 - m2
//	o0 = (m0 + a) + m3, o1 = b + 2*m3, o2 = (a + 4*m3) + m4
func out3(o *[3][]float32, s *[5][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2 := o[1][:n], o[2][:n]
	s0, s1, s2, s3, s4 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n]
	for c := range o0 {
		m1, m2, m3 := s1[c], s2[c], s3[c]
		a, b := m1+m2, m1-m2
		o0[c] = s0[c] + a + m3
		o1[c] = b + float32(2*m3)
		o2[c] = a + float32(4*m3) + s4[c]
	}
}

// in2s2 is the 1-D input transform of F(2x2, 3x3) at stride 2, o = Bᵀ s.
func in2s2(o, s *[5][]float32) {
	o0 := o[0]
	n := len(o0)
	o1, o2, o3, o4 := o[1][:n], o[2][:n], o[3][:n], o[4][:n]
	s0, s1, s2, s3, s4 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n]
	for c := range o0 {
		d2 := s2[c]
		o0[c] = s0[c] - d2
		o1[c] = d2
		o2[c] = s4[c] - d2
		o3[c] = s1[c]
		o4[c] = s3[c]
	}
}

// out2s2 is the 1-D output transform of F(2x2, 3x3) at stride 2, o = Aᵀ s:
// o0 = (s0 + s1) + s3, o1 = (s1 + s2) + s4.
func out2s2(o *[2][]float32, s *[5][]float32) {
	o0 := o[0]
	n := len(o0)
	o1 := o[1][:n]
	s0, s1, s2, s3, s4 := s[0][:n], s[1][:n], s[2][:n], s[3][:n], s[4][:n]
	for c := range o0 {
		m1 := s1[c]
		o0[c] = s0[c] + m1 + s3[c]
		o1[c] = m1 + s2[c] + s4[c]
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
