package main

import (
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// pytorchSummary is testdata/digits/pytorch.json, written by
// scripts/train_digits.py.
type pytorchSummary struct {
	Accuracy    float64 `json:"heldout_accuracy"`
	Correct     int     `json:"heldout_correct"`
	Files       []string
	Labels      []int
	Predictions []int
	Preprocess  struct {
		Size      int
		Mean, Std []float64
	}
	Inputs struct {
		File  string
		Shape []int
	} `json:"inputs_f32"`
	Logits struct {
		File  string
		Shape []int
	} `json:"logits_f64"`
}

func loadSummary(t *testing.T) *pytorchSummary {
	t.Helper()
	var s pytorchSummary
	if err := json.Unmarshal(mustRead(t, filepath.Join(digitsDir, "pytorch.json")), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Files) == 0 || len(s.Files) != len(s.Labels) || len(s.Files) != len(s.Predictions) {
		t.Fatalf("pytorch.json: %d files, %d labels, %d predictions", len(s.Files), len(s.Labels), len(s.Predictions))
	}
	return &s
}

// readFloat64s reads a raw little-endian float64 file.
func readFloat64s(t *testing.T, path string) []float64 {
	t.Helper()
	b := mustRead(t, path)
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

func readFloat32s(t *testing.T, path string) []float32 {
	t.Helper()
	b := mustRead(t, path)
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// relL2 is |got - want| / |want| in the Euclidean norm.
func relL2(got []float32, want []float64) float64 {
	var d, n float64
	for i, w := range want {
		e := float64(got[i]) - w
		d += e * e
		n += w * w
	}
	return math.Sqrt(d / n)
}

// digitInputs builds the network input of the held-out PNGs the way
// scripts/train_digits.py does: grey/255 replicated to three channels,
// normalised with the mean and std of pytorch.json, in float32.
func digitInputs(t *testing.T, s *pytorchSummary) []float32 {
	t.Helper()
	n := s.Preprocess.Size
	x := make([]float32, 0, len(s.Files)*3*n*n)
	for _, name := range s.Files {
		f, err := os.Open(filepath.Join(digitsDir, "heldout", name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(name, err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Rect.Dx() != n || g.Rect.Dy() != n {
			t.Fatalf("%s: %T of %v, want %dx%d grey", name, img, img.Bounds(), n, n)
		}
		for c := range 3 {
			mean, std := float32(s.Preprocess.Mean[c]), float32(s.Preprocess.Std[c])
			for _, p := range g.Pix {
				x = append(x, (float32(p)/255-mean)/std)
			}
		}
	}
	return x
}

// TestRunDigits checks `gorn run` against PyTorch's float64 logits: first
// on the committed raw inputs, then on all held-out images.
func TestRunDigits(t *testing.T) {
	s := loadSummary(t)
	logits := readFloat64s(t, filepath.Join(digitsDir, s.Logits.File))
	classes := s.Logits.Shape[1]
	dir := t.TempDir()

	committed := filepath.Join(digitsDir, s.Inputs.File)
	all := filepath.Join(dir, "all.f32")
	x := digitInputs(t, s)
	if err := writeTensor(all, nil, x); err != nil {
		t.Fatal(err)
	}
	// The PNGs are the committed inputs, up to float32 rounding.
	if r := relL2(readFloat32s(t, committed), float64s(x[:len(readFloat32s(t, committed))])); r > 1e-6 {
		t.Errorf("inputs from the PNGs differ from %s: rel L2 %.2g", s.Inputs.File, r)
	}
	for _, tc := range []struct {
		input string
		n     int
	}{{committed, s.Inputs.Shape[0]}, {all, len(s.Files)}} {
		out := filepath.Join(dir, "out.bin")
		shape := strings.Join([]string{itoa(tc.n), "3", itoa(s.Preprocess.Size), itoa(s.Preprocess.Size)}, ",")
		code, stdout, stderr := gorn(t, "run", "-model", digitsModel, "-input", tc.input, "-shape", shape, "-output", out, "-threads", "2")
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("run: status %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		got := readFloat32s(t, out)
		if len(got) != tc.n*classes {
			t.Fatalf("%d logits, want %d", len(got), tc.n*classes)
		}
		r := relL2(got, logits[:tc.n*classes])
		t.Logf("%d images: rel L2 %.3g against PyTorch float64", tc.n, r)
		if !(r <= 1e-4) {
			t.Errorf("%d images: rel L2 %.3g > 1e-4", tc.n, r)
		}
	}
}

func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
