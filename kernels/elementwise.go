package kernels

// ScaleShift applies a per-channel affine map, then ReLU if relu, to rows of
// c floats (NHWC pixels of c channels):
//
//	for r := 0; r < len(src)/c; r++ {
//		for ch := 0; ch < c; ch++ {
//			v := float32(src[r*c+ch]*scale[ch]) + shift[ch] // two roundings, never fused
//			if relu && !(v > 0) {
//				v = 0 // NaN and -0 too
//			}
//			dst[r*c+ch] = v
//		}
//	}
//
// Every level gives the same bits. len(src) must be a multiple of c, dst at
// least as long, scale and shift at least c long. dst may be src (in place);
// otherwise they must not overlap. Bad sizes return an error wrapping
// [ErrShape] and touch nothing.
func (im *Impl) ScaleShift(dst, src []float32, c int, scale, shift []float32, relu bool) error {
	if c < 1 || len(src)%c != 0 {
		return shapeErr("scale-shift: %d floats are not rows of %d", len(src), c)
	}
	if len(scale) < c || len(shift) < c {
		return shapeErr("scale-shift: %d scales and %d shifts for %d channels", len(scale), len(shift), c)
	}
	if len(dst) < len(src) {
		return shapeErr("scale-shift: dst has %d floats, src %d", len(dst), len(src))
	}
	if len(src) == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(src, len(src), false)
		raceSpan(dst, len(src), true)
		raceSpan(scale, c, false)
		raceSpan(shift, c, false)
	}
	flags := 0
	if relu {
		flags = flagReLU
	}
	k := im.ew.scaleShift
	rows := len(src) / c
	per := max(maxCallFloats/c, 1)
	for r := 0; r < rows; r += per {
		k(&dst[r*c], &src[r*c], &scale[0], &shift[0], c, min(per, rows-r), flags)
	}
	return nil
}

// Add sets dst[i] = a[i] + b[i] for i < len(a), then ReLU (NaN and -0
// becoming +0) if relu. b and dst must be at least as long as a. dst may be
// a or b (in place); otherwise it must not overlap them. Every level gives
// the same bits. Bad sizes return an error wrapping [ErrShape] and touch
// nothing.
func (im *Impl) Add(dst, a, b []float32, relu bool) error {
	if len(b) < len(a) || len(dst) < len(a) {
		return shapeErr("add: %d and %d floats into %d", len(a), len(b), len(dst))
	}
	if len(a) == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(a, len(a), false)
		raceSpan(b, len(a), false)
		raceSpan(dst, len(a), true)
	}
	flags := 0
	if relu {
		flags = flagReLU
	}
	k := im.ew.add
	for i := 0; i < len(a); i += maxCallFloats {
		n := min(maxCallFloats, len(a)-i)
		k(&dst[i], &a[i], &b[i], n, flags)
	}
	return nil
}

// raceSpan makes the race detector see an assembly kernel read (or write)
// s[:n]: an access at each end.
func raceSpan(s []float32, n int, write bool) {
	if write {
		first, last := s[0], s[n-1]
		s[0], s[n-1] = first, last
		return
	}
	var sink float32
	sink += s[0] + s[n-1]
	_ = sink
}

// ScaleShift runs [Impl.ScaleShift] on the active level.
func ScaleShift(dst, src []float32, c int, scale, shift []float32, relu bool) error {
	return Active().ScaleShift(dst, src, c, scale, shift, relu)
}

// Add runs [Impl.Add] on the active level.
func Add(dst, a, b []float32, relu bool) error { return Active().Add(dst, a, b, relu) }
