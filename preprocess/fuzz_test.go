package preprocess

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// fuzzMaxPixels keeps fuzzed images small so that the allocation bound
// below is meaningful.
const fuzzMaxPixels = 1 << 16

// FuzzDecode feeds arbitrary bytes to Decode and, when they decode, to
// Tensor: no panic, and allocation bounded by the pixel limit.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(refDir, "*.jpg"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	small := image.NewYCbCr(image.Rect(0, 0, 13, 7), image.YCbCrSubsampleRatio420)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, small, nil); err == nil {
		f.Add(jb.Bytes())
	}
	f.Add(encodePNG(f, image.NewNRGBA(image.Rect(0, 0, 5, 3))))
	f.Add(encodePNG(f, image.NewGray16(image.Rect(0, 0, 4, 4))))
	f.Add(bombPNG(1<<20, 1<<20))
	opts := &Options{MaxPixels: fuzzMaxPixels, Resize: 24, CropWidth: 16, CropHeight: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		img, err := Decode(bytes.NewReader(data), opts)
		if err == nil {
			if _, err := Tensor(img, opts); err != nil {
				t.Fatalf("decoded %T %v but Tensor failed: %v", img, img.Bounds(), err)
			}
		}
		runtime.ReadMemStats(&after)
		// Decoding: at most ~8 bytes per pixel (RGBA64) plus the decoders'
		// buffers; Tensor: packed RGB and small intermediates.
		if d := after.TotalAlloc - before.TotalAlloc; d > 64*fuzzMaxPixels+16*uint64(len(data))+4<<20 {
			t.Fatalf("%d input bytes allocated %d bytes", len(data), d)
		}
	})
}
