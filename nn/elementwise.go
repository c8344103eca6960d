package nn

// ScaleShift applies a per-channel affine map, and ReLU if relu, to an NHWC
// tensor of c channels: dst[i] = relu?(src[i]*scale[ch] + shift[ch]) with
// ch = i mod c, for every i < len(src) (which must be a multiple of c). It
// is the BatchNorm that cannot be folded into a convolution (see package
// fold). dst may be src (in place); otherwise it must not overlap it.
func ScaleShift(dst, src []float32, c int, scale, shift []float32, relu bool) error {
	if c < 1 || len(src)%c != 0 {
		return shapeErr("scale-shift: %d elements are not pixels of %d channels", len(src), c)
	}
	if len(scale) < c || len(shift) < c {
		return shapeErr("scale-shift: %d scales and %d shifts for %d channels", len(scale), len(shift), c)
	}
	if err := checkLen("scale-shift dst", dst, len(src)); err != nil {
		return err
	}
	scale, shift = scale[:c], shift[:c]
	for p := 0; p < len(src); p += c {
		s := src[p : p+c]
		d := dst[p : p+c]
		if relu {
			for i, v := range s {
				v = v*scale[i] + shift[i]
				if !(v > 0) {
					v = 0
				}
				d[i] = v
			}
		} else {
			for i, v := range s {
				d[i] = v*scale[i] + shift[i]
			}
		}
	}
	return nil
}

// Add sets dst[i] = relu?(dst[i] + src[i]) for every i < len(src).
func Add(dst, src []float32, relu bool) error {
	if err := checkLen("add dst", dst, len(src)); err != nil {
		return err
	}
	d := dst[:len(src)]
	for i, v := range src {
		v += d[i]
		if relu && !(v > 0) {
			v = 0
		}
		d[i] = v
	}
	return nil
}

// ReLU sets every element of x to max(x, 0), NaN becoming 0.
func ReLU(x []float32) {
	for i, v := range x {
		if !(v > 0) {
			x[i] = 0
		}
	}
}
