package preprocess

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
)

// allocated returns the bytes f allocates.
func allocated(f func()) int64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return int64(b.TotalAlloc - a.TotalAlloc)
}

func encoded(t *testing.T, img image.Image, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// DecodeBytes is close to what decoding and the RGB conversion really
// allocate (measured with runtime.MemStats), for every kind of image the
// estimate distinguishes: it never falls short by more than 10 %, nor
// exceeds it by more than 60 %.
func TestInspectMatchesDecoderMemory(t *testing.T) {
	const w, h = 1000, 700
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(i * 7)
	}
	grey := image.NewGray(image.Rect(0, 0, w, h))
	jpg := func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }
	pngEnc := func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"baseline jpeg 4:2:0", encoded(t, rgba, jpg)},
		{"grey jpeg", encoded(t, grey, jpg)},
		{"progressive jpeg 4:4:4", testutil.ProgressiveJPEG(w, h, 1, 1, false)},
		{"progressive jpeg 4:2:0", testutil.ProgressiveJPEG(w, h, 2, 2, false)},
		{"progressive grey jpeg", testutil.ProgressiveJPEG(w, h, 1, 1, true)},
		{"rgba png", encoded(t, rgba, pngEnc)},
		{"grey png", encoded(t, grey, pngEnc)},
		{"16-bit rgba png", testutil.PNG(w, h, 16, 6)},
		{"16-bit grey png", testutil.PNG(w, h, 16, 0)},
		{"8-bit rgb png", testutil.PNG(w, h, 8, 2)},
	} {
		in, err := Inspect(tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var img image.Image
		runtime.GC()
		got := allocated(func() {
			img, _, err = image.Decode(bytes.NewReader(tc.data))
			if err == nil {
				_ = toRGB(img)
			}
		})
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Fatalf("%s: decoded %v", tc.name, b)
		}
		ratio := float64(in.DecodeBytes) / float64(got)
		t.Logf("%-24s estimate %6.2f MB, allocated %6.2f MB (%.2f)", tc.name, float64(in.DecodeBytes)/1e6, float64(got)/1e6, ratio)
		if ratio < 0.9 || ratio > 1.6 {
			t.Errorf("%s: estimate %d bytes, decoding allocated %d", tc.name, in.DecodeBytes, got)
		}
	}
}

// The decompression-heavy images of issue 15 are small files that Decode
// rejects from their header, without allocating their pixels.
func TestDecodeRejectsHeavyImages(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"8000x5000 progressive jpeg", testutil.ProgressiveJPEG(8000, 5000, 1, 1, false)},
		{"8000x5000 progressive jpeg 4:2:0", testutil.ProgressiveJPEG(8000, 5000, 2, 2, false)},
		{"6324x6324 16-bit rgba png", testutil.PNG(6324, 6324, 16, 6)},
		{"40000000x1 grey png", testutil.PNG(40_000_000, 1, 8, 0)},
	} {
		if len(tc.data) > 1<<20 {
			t.Fatalf("%s: %d bytes", tc.name, len(tc.data))
		}
		var err error
		got := allocated(func() { _, err = DecodeBytes(tc.data, nil) })
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s (%d bytes): %v, want ErrTooLarge", tc.name, len(tc.data), err)
		}
		if got > 8<<20 {
			t.Errorf("%s: rejecting it allocated %d bytes", tc.name, got)
		}
		t.Logf("%s, %d KB: %v", tc.name, len(tc.data)>>10, err)
	}
	// A caller may raise the limit for the 16-bit PNG's 440 MB (not
	// decoded here: only the header check is tested).
	in, err := Inspect(testutil.PNG(6324, 6324, 16, 6))
	if err != nil || in.DecodeBytes < 8*6324*6324 {
		t.Errorf("16-bit PNG: %+v, %v", in, err)
	}
}

// Decoder errors name the format once (issue 15, row 13), and junk is
// "not a JPEG or PNG image".
func TestDecodeErrorsNoStutter(t *testing.T) {
	var b bytes.Buffer
	m := image.NewGray(image.Rect(0, 0, 64, 64))
	m.Set(3, 3, color.White)
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{b.Bytes()[:60], b.Bytes()[:len(b.Bytes())-20], []byte("hello, world"), nil} {
		_, err := DecodeBytes(data, nil)
		if err == nil {
			t.Fatalf("%d bytes decoded", len(data))
		}
		msg := err.Error()
		if strings.Contains(msg, "png: png") || strings.Count(msg, "preprocess:") != 1 {
			t.Errorf("%d bytes: %q", len(data), msg)
		}
	}
}

// The 16-bit and paletted fast paths of toRGB give what the generic
// conversion gives.
func TestToRGBWideMatchesGeneric(t *testing.T) {
	const w, h = 37, 11
	n64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	r64 := image.NewRGBA64(image.Rect(0, 0, w, h))
	g16 := image.NewGray16(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.RGBA{200, 10, 30, 255}, color.NRGBA{1, 2, 3, 128}})
	for i := range n64.Pix {
		n64.Pix[i] = byte(i*31 + 7)
		r64.Pix[i] = byte(i*13 + 1)
		if i%8 >= 6 {
			r64.Pix[i] = 0xff
		}
	}
	for i := range g16.Pix {
		g16.Pix[i] = byte(i * 5)
	}
	for i := range pal.Pix {
		pal.Pix[i] = byte(i % 3)
	}
	for _, img := range []image.Image{n64, r64, g16, pal} {
		got := toRGB(img)
		want := &rgbImage{w: w, h: h, pix: make([]uint8, 3*w*h)}
		generic(want, img)
		if !bytes.Equal(got.pix, want.pix) {
			t.Errorf("%T: fast path differs from generic", img)
		}
	}
}
