package nn

import "github.com/gorn-ml/gorn/kernels"

// ScaleShift applies a per-channel affine map, and ReLU if relu, to an NHWC
// tensor of c channels: dst[i] = relu?(src[i]*scale[ch] + shift[ch]) with
// ch = i mod c, for every i < len(src) (which must be a multiple of c). It
// is the BatchNorm that cannot be folded into a convolution (see package
// fold). The product and the sum are rounded separately (never fused), so
// every kernels level gives the same bits ([kernels.Impl.ScaleShift]). dst
// may be src (in place); otherwise it must not overlap it.
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
	return kernels.ScaleShift(dst[:len(src)], src, c, scale[:c], shift[:c], relu)
}

// Add sets dst[i] = relu?(dst[i] + src[i]) for every i < len(src).
func Add(dst, src []float32, relu bool) error {
	if err := checkLen("add dst", dst, len(src)); err != nil {
		return err
	}
	return kernels.Add(dst[:len(src)], dst[:len(src)], src, relu)
}

// ReLU sets every element of x to max(x, 0), NaN becoming 0.
func ReLU(x []float32) {
	for i, v := range x {
		if !(v > 0) {
			x[i] = 0
		}
	}
}
