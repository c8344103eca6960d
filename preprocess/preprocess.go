package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"math"
	"os"
	"strings"
)

// Defaults: torchvision's ImageNet evaluation transform
// Resize(256) + CenterCrop(224) + ToTensor + Normalize(mean, std).
const (
	DefaultResize = 256
	DefaultCrop   = 224
	// DefaultMaxPixels bounds width*height of an image before it is decoded
	// (a decompression-bomb guard): 40 megapixels, e.g. 8000x5000. The
	// memory that takes depends on the format, from about 260 MB for a
	// baseline JPEG to 720 MB for a progressive one: DefaultMaxDecodeBytes
	// bounds it (see ImageInfo.DecodeBytes).
	DefaultMaxPixels = 40_000_000
	// DefaultMaxBytes bounds the encoded size Decode reads: 64 MiB.
	DefaultMaxBytes = 64 << 20
)

// ImageNet normalisation (torchvision's).
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// Options set every step. The zero value (or nil) is torchvision's
// ImageNet evaluation transform.
type Options struct {
	// Resize is the length the shorter side is resized to (aspect ratio
	// kept, the longer side truncated as torchvision does). 0 means
	// DefaultResize; a negative value skips resizing.
	Resize int
	// CropWidth and CropHeight are the centre crop; 0 means DefaultCrop.
	// A crop larger than the image pads it with black, as torchvision does.
	CropWidth, CropHeight int
	// Filter is the resampling kernel; the zero value is Bilinear.
	Filter Filter
	// Mean and Std normalise each channel: (x/255 - Mean) / Std. nil means
	// ImageNetMean and ImageNetStd. Each must have 3 values.
	Mean, Std []float32
	// MaxPixels bounds width*height before decoding; 0 means
	// DefaultMaxPixels.
	MaxPixels int
	// MaxBytes bounds the encoded size Decode reads; 0 means
	// DefaultMaxBytes.
	MaxBytes int
	// MaxDecodeBytes bounds the memory decoding one image takes, as
	// Inspect estimates it from the header (ImageInfo.DecodeBytes); 0
	// means DefaultMaxDecodeBytes.
	MaxDecodeBytes int64
}

// ErrTooLarge reports an image whose encoded size or pixel count exceeds
// the limits.
var ErrTooLarge = errors.New("preprocess: image too large")

// resolved is Options with the defaults filled in.
type resolved struct {
	resize, cw, ch int
	filter         Filter
	mean, std      [3]float32
	maxPixels      int
	maxBytes       int
	maxDecode      int64
}

func (o *Options) resolve() (resolved, error) {
	r := resolved{resize: DefaultResize, cw: DefaultCrop, ch: DefaultCrop,
		mean: ImageNetMean, std: ImageNetStd, maxPixels: DefaultMaxPixels, maxBytes: DefaultMaxBytes,
		maxDecode: DefaultMaxDecodeBytes}
	if o == nil {
		return r, nil
	}
	set := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	set(&r.resize, o.Resize)
	set(&r.cw, o.CropWidth)
	set(&r.ch, o.CropHeight)
	set(&r.maxPixels, o.MaxPixels)
	set(&r.maxBytes, o.MaxBytes)
	if o.MaxDecodeBytes != 0 {
		r.maxDecode = o.MaxDecodeBytes
	}
	r.filter = o.Filter
	if r.maxPixels < 0 || r.maxBytes < 0 || r.maxDecode < 0 {
		return r, errors.New("preprocess: negative limit")
	}
	if r.cw < 1 || r.ch < 1 || r.cw > 1<<14 || r.ch > 1<<14 || r.resize > 1<<14 {
		return r, fmt.Errorf("preprocess: crop %dx%d or resize %d out of range", r.cw, r.ch, r.resize)
	}
	if r.filter != Bilinear && r.filter != Bicubic {
		return r, fmt.Errorf("preprocess: unknown filter %d", r.filter)
	}
	for _, p := range []struct {
		src []float32
		dst *[3]float32
	}{{o.Mean, &r.mean}, {o.Std, &r.std}} {
		if p.src == nil {
			continue
		}
		if len(p.src) != 3 {
			return r, fmt.Errorf("preprocess: mean and std need 3 values, got %d", len(p.src))
		}
		copy(p.dst[:], p.src)
	}
	for _, s := range r.std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return r, fmt.Errorf("preprocess: std %v must be positive", r.std)
		}
	}
	return r, nil
}

// Decode reads a JPEG or PNG image from r. It reads at most MaxBytes, and
// checks the header before decoding the pixels: the dimensions against
// MaxPixels (and the size Resize would make of them), the memory decoding
// takes (Inspect) against MaxDecodeBytes. Images over a limit give an error
// wrapping ErrTooLarge.
func Decode(r io.Reader, opts *Options) (image.Image, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(o.maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	if len(data) > o.maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, o.maxBytes)
	}
	return o.decodeBytes(data)
}

// DecodeBytes is Decode of an image held in data.
func DecodeBytes(data []byte, opts *Options) (image.Image, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if len(data) > o.maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, o.maxBytes)
	}
	return o.decodeBytes(data)
}

func (o *resolved) decodeBytes(data []byte) (image.Image, error) {
	in, err := Inspect(data)
	if err != nil {
		return nil, err
	}
	format, w, h := in.Format, in.Width, in.Height
	if int64(w)*int64(h) > int64(o.maxPixels) {
		return nil, fmt.Errorf("%w: %s image of %dx%d pixels exceeds %d", ErrTooLarge, format, w, h, o.maxPixels)
	}
	if rw, rh := resizedSize(w, h, o.resize); rw < 1 || rh < 1 || int64(rw)*int64(rh) > int64(o.maxPixels) {
		return nil, fmt.Errorf("%w: %s image of %dx%d pixels would be resized to %dx%d, over %d pixels",
			ErrTooLarge, format, w, h, rw, rh, o.maxPixels)
	}
	if in.DecodeBytes > o.maxDecode {
		return nil, fmt.Errorf("%w: decoding the %dx%d %s image takes about %d MB, over the %d MB limit",
			ErrTooLarge, w, h, in.kind(), in.DecodeBytes>>20, o.maxDecode>>20)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, formatErr(format, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return nil, fmt.Errorf("preprocess: %s decoded to %v, header said %dx%d", format, b, w, h)
	}
	return img, nil
}

// kind names the image's format for messages: "progressive jpeg".
func (in *ImageInfo) kind() string {
	switch {
	case in.Progressive && in.Format == "png":
		return "interlaced png"
	case in.Progressive:
		return "progressive " + in.Format
	}
	return in.Format
}

// formatErr wraps a decoder's error, naming the format unless the
// decoder's message already starts with it ("png: invalid format").
func formatErr(format string, err error) error {
	if errors.Is(err, image.ErrFormat) {
		return fmt.Errorf("preprocess: not a JPEG or PNG image (%w)", err)
	}
	if format == "" || strings.HasPrefix(err.Error(), format+": ") {
		return fmt.Errorf("preprocess: %w", err)
	}
	return fmt.Errorf("preprocess: %s: %w", format, err)
}

// File decodes the image file at path and returns its tensor (see Tensor).
func File(path string, opts *Options) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := Decode(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Tensor(img, opts)
}

// Tensor resizes, centre-crops and normalises img into a new 3 x CropHeight
// x CropWidth float32 tensor in CHW order (one NCHW image).
func Tensor(img image.Image, opts *Options) ([]float32, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	dst := make([]float32, 3*o.cw*o.ch)
	return dst, o.into(dst, img)
}

// TensorInto is Tensor writing into dst, which must hold 3 x CropHeight x
// CropWidth values (for instance one image's slice of a batch).
func TensorInto(dst []float32, img image.Image, opts *Options) error {
	o, err := opts.resolve()
	if err != nil {
		return err
	}
	if len(dst) != 3*o.cw*o.ch {
		return fmt.Errorf("preprocess: dst holds %d values, want 3x%dx%d", len(dst), o.ch, o.cw)
	}
	return o.into(dst, img)
}
