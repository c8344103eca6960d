package preprocess

import (
	"bytes"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"runtime"
	"strings"
	"testing"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is a valid PNG signature and IHDR claiming w x h pixels, with
// no image data.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{0, 0, 0, 13, 'I', 'H', 'D', 'R',
		byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h),
		8, 2, 0, 0, 0}
	b.Write(ihdr)
	crc := crc32.ChecksumIEEE(ihdr[4:])
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}

func TestDecompressionBomb(t *testing.T) {
	data := bombPNG(10_000, 10_000) // 100 MP: 8 bytes a pixel fit an int on 32-bit platforms too
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(bytes.NewReader(data), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "10000x10000") {
		t.Fatalf("error %v, want ErrTooLarge naming the size", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("rejecting a 100-megapixel header allocated %d bytes", d)
	}
	if _, err := Decode(bytes.NewReader(bombPNG(5000, 5000)), &Options{MaxPixels: 1000 * 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels: %v", err)
	}
	big := encodePNG(t, image.NewGray(image.Rect(0, 0, 64, 64)))
	if _, err := Decode(bytes.NewReader(big), &Options{MaxBytes: len(big) - 1}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
	if _, err := Decode(bytes.NewReader(big), &Options{MaxBytes: len(big)}); err != nil {
		t.Errorf("exactly MaxBytes: %v", err)
	}
	if _, err := Decode(strings.NewReader("GIF89a not supported"), nil); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestOptionErrors(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	bad := []Options{
		{Mean: []float32{1, 2}},
		{Std: []float32{1, 0, 1}},
		{Std: []float32{1, float32(math.NaN()), 1}},
		{CropWidth: -3},
		{CropHeight: 1 << 20},
		{Filter: 7},
	}
	for _, o := range bad {
		if _, err := Tensor(img, &o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if err := TensorInto(make([]float32, 10), img, nil); err == nil {
		t.Error("short dst accepted")
	}
	if _, err := Tensor(image.NewGray(image.Rect(0, 0, 0, 5)), nil); err == nil {
		t.Error("empty image accepted")
	}
}

// A constant image stays constant through resize, crop and padding, and
// its value is (v/255 - mean)/std; padding is black.
func TestConstantImage(t *testing.T) {
	img := image.NewNRGBA(image.Rect(3, 5, 3+97, 5+61)) // non-zero origin
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 200, 100, 50, 0 // alpha is dropped, not composited
	}
	for _, f := range []Filter{Bilinear, Bicubic} {
		opts := &Options{Resize: 40, CropWidth: 70, CropHeight: 30, Filter: f, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}
		got, err := Tensor(img, opts)
		if err != nil {
			t.Fatal(err)
		}
		// Resized to 63x40: columns 0..2 and 66..69 are padding.
		for c, v := range []float32{200, 100, 50} {
			for y := range 30 {
				for x := range 70 {
					want := v / 255
					if x < 3 || x >= 66 {
						want = 0
					}
					if g := got[c*2100+y*70+x]; g != want {
						t.Fatalf("filter %d channel %d (%d,%d): %g, want %g", f, c, x, y, g, want)
					}
				}
			}
		}
	}
}

// Without resizing, the crop is the image's own pixels, normalised.
func TestNoResizeIsExact(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 9, 7))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	got, err := Tensor(img, &Options{Resize: -1, CropWidth: 5, CropHeight: 3})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		for y := range 3 {
			for x := range 5 {
				u := float32(img.RGBAAt(x+2, y+2).R)
				if c == 1 {
					u = float32(img.RGBAAt(x+2, y+2).G)
				} else if c == 2 {
					u = float32(img.RGBAAt(x+2, y+2).B)
				}
				want := (u/255 - ImageNetMean[c]) / ImageNetStd[c]
				if g := got[c*15+y*5+x]; math.Abs(float64(g-want)) > 1e-6 {
					t.Fatalf("channel %d (%d,%d): %g, want %g", c, x, y, g, want)
				}
			}
		}
	}
}

// Other pixel formats convert as Pillow's convert("RGB") does.
func TestPixelFormats(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{10, 250}
	g16 := image.NewRGBA64(image.Rect(0, 0, 2, 1))
	g16.SetRGBA64(0, 0, color.RGBA64{0x0aff, 0x0a00, 0x0a80, 0xffff})
	g16.SetRGBA64(1, 0, color.RGBA64{0xfa00, 0xfaff, 0xfa01, 0xffff})
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Gray{10}, color.Gray{250}})
	pal.Pix = []uint8{0, 1}
	for _, img := range []image.Image{gray, g16, pal} {
		got, err := Tensor(img, &Options{Resize: -1, CropWidth: 2, CropHeight: 1, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}})
		if err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			if got[2*c] != 10.0/255 || got[2*c+1] != 250.0/255 {
				t.Errorf("%T channel %d: %v", img, c, got[2*c:2*c+2])
			}
		}
	}
}

// The libjpeg arithmetic: Y'CbCr conversion and fancy upsampling on
// values worked out by hand from jdcolor.c and jdsample.c.
func TestLibjpegArithmetic(t *testing.T) {
	for _, c := range []struct{ y, cb, cr, r, g, b uint8 }{
		{128, 128, 128, 128, 128, 128},
		{0, 0, 0, 0, 135, 0},
		{255, 255, 255, 255, 121, 255},
		{100, 50, 200, 201, 75, 0},
	} {
		r, g, b := ycc(c.y, c.cb, c.cr)
		if r != c.r || g != c.g || b != c.b {
			t.Errorf("ycc(%d,%d,%d) = %d,%d,%d, want %d,%d,%d", c.y, c.cb, c.cr, r, g, b, c.r, c.g, c.b)
		}
	}
	out := make([]uint8, 6)
	fancyH2V1(out, []uint8{0, 100, 200})
	// (0*3+100+2)>>2 = 25, (300+0+1)>>2 = 75, (300+200+2)>>2 = 125, (600+100+1)>>2 = 175
	if want := []uint8{0, 25, 75, 125, 175, 200}; !bytes.Equal(out, want) {
		t.Errorf("h2v1: %v, want %v", out, want)
	}
	fancyH2V2(out, []uint8{0, 100, 200}, []uint8{40, 40, 40})
	// column sums 40, 340, 640: (160+8)>>4=10, (120+340+7)>>4=29, (1020+40+8)>>4=66,
	// (1020+640+7)>>4=104, (1920+340+8)>>4=141, (2560+7)>>4=160
	if want := []uint8{10, 29, 66, 104, 141, 160}; !bytes.Equal(out, want) {
		t.Errorf("h2v2: %v, want %v", out, want)
	}
}
