package nn

// NCHWToNHWC converts n images of c channels of h x w pixels from
// channel-first (NCHW) order in src to channels-last (NHWC) order in dst.
// dst and src must not overlap.
func NCHWToNHWC(dst, src []float32, n, c, h, w int) error {
	if err := checkLayout(dst, src, n, c, h, w, "NCHW src", "NHWC dst"); err != nil {
		return err
	}
	// Channel ch of pixel p: src[ch*h*w + p] -> dst[p*c + ch].
	relayout(dst, src, n, c, h*w, h*w, 1, 1, c)
	return nil
}

// NHWCToNCHW converts n images of c channels of h x w pixels from
// channels-last (NHWC) order in src to channel-first (NCHW) order in dst.
// dst and src must not overlap.
func NHWCToNCHW(dst, src []float32, n, c, h, w int) error {
	if err := checkLayout(dst, src, n, c, h, w, "NHWC src", "NCHW dst"); err != nil {
		return err
	}
	// Channel ch of pixel p: src[p*c + ch] -> dst[ch*h*w + p].
	relayout(dst, src, n, c, h*w, 1, c, h*w, 1)
	return nil
}

// checkLayout checks the shape and that src and dst each hold n*c*h*w
// values; the names are constants, so a call that passes allocates nothing.
func checkLayout(dst, src []float32, n, c, h, w int, srcName, dstName string) error {
	size, err := tensorSize(n, c, h, w)
	if err != nil {
		return err
	}
	if err := checkLen(srcName, src, size); err != nil {
		return err
	}
	return checkLen(dstName, dst, size)
}

// relayout copies n images of c channels of hw pixels each. Within an image,
// the value of channel ch at pixel p moves from src[ch*sc + p*sp] to
// dst[ch*dc + p*dp]. The loops run channel by channel, so one side is
// always read or written in order.
func relayout(dst, src []float32, n, c, hw, sc, sp, dc, dp int) {
	size := c * hw
	for i := 0; i < n; i++ {
		s := src[i*size : (i+1)*size]
		d := dst[i*size : (i+1)*size]
		for ch := 0; ch < c; ch++ {
			si, di := ch*sc, ch*dc
			for p := 0; p < hw; p++ {
				d[di] = s[si]
				si += sp
				di += dp
			}
		}
	}
}
