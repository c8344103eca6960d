package preprocess

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const refDir = "../testdata/preprocess"

// refCase is one case of testdata/preprocess/refs.json, written by
// scripts/preprocess_ref.py from torchvision's PIL path.
type refCase struct {
	Name      string       `json:"name"`
	File      string       `json:"file"`
	Resize    int          `json:"resize"`
	Crop      [2]int       `json:"crop"` // h, w
	Filter    string       `json:"filter"`
	ImageSize [2]int       `json:"image_size"`
	Mean      [3]float64   `json:"mean"`
	Samples   [][2]float64 `json:"samples"`
	TensorMAD float64      `json:"tensor_path_mean_abs_diff"`
}

func readRefs(t *testing.T) []refCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, "refs.json"))
	if err != nil {
		t.Fatalf("the committed preprocessing references are required: %v", err)
	}
	var r struct{ Cases []refCase }
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Cases) < 5 {
		t.Fatalf("refs.json has %d cases", len(r.Cases))
	}
	return r.Cases
}

// refTensor rebuilds torchvision's tensor from the stored 8-bit crop, in
// float64: (u/255 - mean) / std.
func refTensor(t *testing.T, name string) ([]float64, int, int) {
	t.Helper()
	f, err := os.Open(filepath.Join(refDir, name+".ref.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]float64, 3*w*h)
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			for c, v := range []uint32{r, g, bl} {
				u := float64(v >> 8)
				out[c*w*h+y*w+x] = (u/255 - float64(ImageNetMean[c])) / float64(ImageNetStd[c])
			}
		}
	}
	return out, w, h
}

// TestMatchesTorchvision compares Tensor with torchvision's
// Resize + CenterCrop + ToTensor + Normalize on real photographs. PNG
// inputs must match exactly; JPEG inputs within a mean absolute difference
// of 0.02 (the decoders' inverse DCTs round differently).
func TestMatchesTorchvision(t *testing.T) {
	for _, rc := range readRefs(t) {
		t.Run(rc.Name, func(t *testing.T) {
			ref, w, h := refTensor(t, rc.Name)
			if w != rc.Crop[1] || h != rc.Crop[0] {
				t.Fatalf("reference is %dx%d, crop %v", w, h, rc.Crop)
			}
			checkRefItself(t, rc, ref)
			opts := &Options{Resize: rc.Resize, CropHeight: rc.Crop[0], CropWidth: rc.Crop[1]}
			if rc.Filter == "bicubic" {
				opts.Filter = Bicubic
			}
			got, err := File(filepath.Join(refDir, rc.File), opts)
			if err != nil {
				t.Fatal(err)
			}
			mad, maxd, differ := compare(got, ref)
			t.Logf("%s %dx%d -> resize %d, crop %dx%d: mean |d| %.2g, max |d| %.3g, %.2f%% of values differ (torchvision's tensor path differs from its PIL path by %.4f)",
				rc.File, rc.ImageSize[0], rc.ImageSize[1], rc.Resize, w, h, mad, maxd, 100*differ, rc.TensorMAD)
			if !(mad <= 0.02) {
				t.Errorf("mean absolute difference %.4g > 0.02", mad)
			}
			if strings.HasSuffix(rc.File, ".png") && !(maxd <= 1e-6) {
				t.Errorf("PNG input: max difference %.3g, want an exact match", maxd)
			}
		})
	}
}

// checkRefItself checks the PNG rebuilds torchvision's float32 tensor: its
// per-channel means and the sampled values.
func checkRefItself(t *testing.T, rc refCase, ref []float64) {
	t.Helper()
	plane := len(ref) / 3
	for c := range 3 {
		var s float64
		for _, v := range ref[c*plane : (c+1)*plane] {
			s += v
		}
		if m := s / float64(plane); math.Abs(m-rc.Mean[c]) > 1e-6 {
			t.Errorf("channel %d: reference mean %.8f, torchvision's %.8f", c, m, rc.Mean[c])
		}
	}
	for _, s := range rc.Samples {
		if i := int(s[0]); math.Abs(ref[i]-s[1]) > 1e-6 {
			t.Errorf("reference value %d: %.8f, torchvision's %.8f", i, ref[i], s[1])
		}
	}
}

// compare returns the mean and max absolute difference and the fraction
// of values that differ by more than 1e-6.
func compare(got []float32, want []float64) (mad, maxd, differ float64) {
	n := 0
	for i, w := range want {
		d := math.Abs(float64(got[i]) - w)
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		mad += d
		maxd = max(maxd, d)
		if d > 1e-6 {
			n++
		}
	}
	return mad / float64(len(want)), maxd, float64(n) / float64(len(want))
}

// TestGeometry checks torchvision's resize and crop arithmetic on the
// reference cases' sizes and a few edge cases.
func TestGeometry(t *testing.T) {
	cases := []struct {
		w, h, size, cw, ch int
		rw, rh, left, top  int
	}{
		{451, 300, 256, 224, 224, 384, 256, 80, 16},
		{300, 451, 256, 224, 224, 256, 384, 16, 80},
		{640, 427, 256, 224, 224, 383, 256, 80, 16},  // int(383.7)
		{600, 400, 301, 288, 199, 451, 301, 82, 51},  // round(81.5) = 82, round(51) = 51
		{257, 256, 256, 225, 224, 257, 256, 16, 16},  // round(16) exact
		{259, 256, 256, 224, 224, 259, 256, 18, 16},  // round(17.5) = 18 (half to even)
		{261, 256, 256, 224, 224, 261, 256, 18, 16},  // round(18.5) = 18 (half to even)
		{640, 427, 100, 160, 120, 149, 100, -5, -10}, // crop larger: padding
		{40, 30, -1, 32, 32, 40, 30, 4, -1},          // no resize; pad (32-30)//2 = 1
	}
	for _, c := range cases {
		rw, rh, left, top, err := Geometry(c.w, c.h, &Options{Resize: c.size, CropWidth: c.cw, CropHeight: c.ch})
		if err != nil || rw != c.rw || rh != c.rh || left != c.left || top != c.top {
			t.Errorf("%dx%d resize %d crop %dx%d: %dx%d at (%d,%d) %v, want %dx%d at (%d,%d)",
				c.w, c.h, c.size, c.cw, c.ch, rw, rh, left, top, err, c.rw, c.rh, c.left, c.top)
		}
	}
}
