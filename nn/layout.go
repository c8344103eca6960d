package nn

// NCHWToNHWC converts n images of c channels of h x w pixels from
// channel-first (NCHW) order in src to channels-last (NHWC) order in dst.
// dst and src must not overlap.
func NCHWToNHWC(dst, src []float32, n, c, h, w int) error {
	size, err := tensorSize(n, c, h, w)
	if err != nil {
		return err
	}
	if err := checkLen("NCHW src", src, size); err != nil {
		return err
	}
	if err := checkLen("NHWC dst", dst, size); err != nil {
		return err
	}
	hw := h * w
	for i := 0; i < n; i++ {
		s := src[i*c*hw : (i+1)*c*hw]
		d := dst[i*c*hw : (i+1)*c*hw]
		for ch := 0; ch < c; ch++ {
			plane := s[ch*hw : (ch+1)*hw]
			for p, v := range plane {
				d[p*c+ch] = v
			}
		}
	}
	return nil
}

// NHWCToNCHW converts n images of c channels of h x w pixels from
// channels-last (NHWC) order in src to channel-first (NCHW) order in dst.
// dst and src must not overlap.
func NHWCToNCHW(dst, src []float32, n, c, h, w int) error {
	size, err := tensorSize(n, c, h, w)
	if err != nil {
		return err
	}
	if err := checkLen("NHWC src", src, size); err != nil {
		return err
	}
	if err := checkLen("NCHW dst", dst, size); err != nil {
		return err
	}
	hw := h * w
	for i := 0; i < n; i++ {
		s := src[i*c*hw : (i+1)*c*hw]
		d := dst[i*c*hw : (i+1)*c*hw]
		for ch := 0; ch < c; ch++ {
			plane := d[ch*hw : (ch+1)*hw]
			for p := range plane {
				plane[p] = s[p*c+ch]
			}
		}
	}
	return nil
}
