package preprocess

import (
	"fmt"
	"image"
	"math"
)

// resizedSize is torchvision's output size for Resize(size) with an int
// size: the shorter side becomes size, the longer int(size*long/short).
func resizedSize(w, h, size int) (int, int) {
	if size < 0 {
		return w, h
	}
	short, long := w, h
	if w > h {
		short, long = h, w
	}
	newLong := int(float64(size*long) / float64(short))
	if w <= h {
		return size, newLong
	}
	return newLong, size
}

// cropOffset is torchvision's centre-crop offset along one axis for an
// image extent n and crop c: int(round((n - c) / 2)) with Python's
// round-half-to-even, or minus the left/top padding when c > n.
func cropOffset(n, c int) int {
	if c > n {
		return -((c - n) / 2)
	}
	return int(math.RoundToEven(float64(n-c) / 2))
}

// Geometry returns, for an image of w x h pixels, the resized size and the
// crop's top-left corner in the resized image (negative where the crop pads).
func Geometry(w, h int, opts *Options) (rw, rh, left, top int, err error) {
	o, err := opts.resolve()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	rw, rh = resizedSize(w, h, o.resize)
	return rw, rh, cropOffset(rw, o.cw), cropOffset(rh, o.ch), nil
}

func (o *resolved) into(dst []float32, img image.Image) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 || int64(w)*int64(h) > int64(o.maxPixels) {
		return fmt.Errorf("%w: %dx%d pixels", ErrTooLarge, w, h)
	}
	rw, rh := resizedSize(w, h, o.resize)
	if rw < 1 || rh < 1 || int64(rw)*int64(rh) > int64(o.maxPixels) {
		return fmt.Errorf("%w: resizing %dx%d gives %dx%d", ErrTooLarge, w, h, rw, rh)
	}
	left, top := cropOffset(rw, o.cw), cropOffset(rh, o.ch)
	// The part of the crop that lies inside the resized image.
	x0, y0 := max(left, 0), max(top, 0)
	x1, y1 := min(left+o.cw, rw), min(top+o.ch, rh)
	src := toRGB(img)
	region := resizeRegion(src, rw, rh, x0, y0, x1-x0, y1-y0, o.filter)
	plane := o.cw * o.ch
	for c := range 3 {
		// Pixels outside the image (crop padding) are black.
		pad := (float32(0)/255 - o.mean[c]) / o.std[c]
		out := dst[c*plane : (c+1)*plane]
		for i := range out {
			out[i] = pad
		}
		for y := range region.h {
			row := out[(y+y0-top)*o.cw+(x0-left):]
			in := region.pix[3*region.w*y:]
			for x := range region.w {
				v := float32(in[3*x+c]) / 255
				v = float32(v - o.mean[c])
				row[x] = v / o.std[c]
			}
		}
	}
	return nil
}
