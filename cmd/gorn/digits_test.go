package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/safetensors"
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
	if r := testutil.RelL2(readFloat32s(t, committed), float64s(x[:len(readFloat32s(t, committed))])); r > 1e-6 {
		t.Errorf("inputs from the PNGs differ from %s: rel L2 %.2g", s.Inputs.File, r)
	}
	cases := []struct {
		input string
		n     int
	}{{committed, s.Inputs.Shape[0]}, {all, len(s.Files)}}
	if testing.Short() { // keep it quick under qemu: the first 8 images only
		n := 8
		x = x[:n*len(x)/len(s.Files)]
		if err := writeTensor(all, nil, x); err != nil {
			t.Fatal(err)
		}
		cases = cases[1:]
		cases[0].n = n
	}
	for _, tc := range cases {
		out := filepath.Join(dir, "out.bin")
		shape := strings.Join([]string{itoa(tc.n), "3", itoa(s.Preprocess.Size), itoa(s.Preprocess.Size)}, ",")
		code, stdout, stderr := runGorn(t, "run", "-model", digitsModel, "-input", tc.input, "-shape", shape, "-output", out, "-threads", "2")
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("run: status %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		got := readFloat32s(t, out)
		if len(got) != tc.n*classes {
			t.Fatalf("%d logits, want %d", len(got), tc.n*classes)
		}
		r := testutil.RelL2(got, logits[:tc.n*classes])
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

// TestClassifyDigits classifies every held-out digit image with `gorn
// classify` and expects exactly PyTorch's predictions, hence its accuracy
// (with -short, only the first images' predictions).
func TestClassifyDigits(t *testing.T) {
	s := loadSummary(t)
	args := []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", "-topk", "2", "-labels", "none"}
	paths := make([]string, len(s.Files))
	for i, f := range s.Files {
		paths[i] = filepath.Join(digitsDir, "heldout", f)
	}
	if testing.Short() { // keep it quick under qemu: predictions of 24 images
		paths = paths[:24]
	}
	code, stdout, stderr := runGorn(t, append(args, paths...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("classify: status %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 3*len(paths) {
		t.Fatalf("%d output lines for %d images, want 3 per image", len(lines), len(paths))
	}
	correct, same := 0, 0
	for i, p := range paths {
		if lines[3*i] != p {
			t.Fatalf("line %d is %q, want the image path %q", 3*i, lines[3*i], p)
		}
		var prob float64
		var class int
		if _, err := fmt.Sscanf(lines[3*i+1], " %f%% %d", &prob, &class); err != nil {
			t.Fatalf("line %q: %v", lines[3*i+1], err)
		}
		if class == s.Predictions[i] {
			same++
		} else {
			t.Errorf("%s: class %d, PyTorch says %d", s.Files[i], class, s.Predictions[i])
		}
		if class == s.Labels[i] {
			correct++
		}
	}
	acc := float64(correct) / float64(len(paths))
	t.Logf("held-out accuracy: gorn %d/%d = %.4f, PyTorch %d/%d = %.4f; %d/%d predictions identical",
		correct, len(paths), acc, s.Correct, len(paths), s.Accuracy, same, len(paths))
	if testing.Short() {
		return
	}
	if correct != s.Correct {
		t.Errorf("gorn gets %d right, PyTorch %d", correct, s.Correct)
	}
}

// TestPreprocessDigits checks that the preprocessing classify uses turns
// the PNGs into exactly the inputs PyTorch was given.
func TestPreprocessDigits(t *testing.T) {
	s := loadSummary(t)
	want := readFloat32s(t, filepath.Join(digitsDir, s.Inputs.File))
	n := 3 * s.Preprocess.Size * s.Preprocess.Size
	opts := &preprocess.Options{Resize: 32, CropWidth: 32, CropHeight: 32}
	for i := range s.Inputs.Shape[0] {
		got, err := preprocess.File(filepath.Join(digitsDir, "heldout", s.Files[i]), opts)
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range want[i*n : (i+1)*n] {
			if d := math.Abs(float64(got[j] - w)); !(d <= 1e-6) {
				t.Fatalf("%s: value %d is %v, PyTorch had %v", s.Files[i], j, got[j], w)
			}
		}
	}
}

// TestSafetensors runs a state dict fixture (scripts/gen_fixtures.py: the
// weights, __input__ and PyTorch's float64 __expected__ logits in one file).
func TestSafetensors(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "resnet18_w4.safetensors")
	f, err := safetensors.Open(path)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in, err1 := f.Get("__input__")
	exp, err2 := f.Get("__expected__")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	x, err1 := in.Float32s()
	want, err2 := exp.Float64s()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	input := filepath.Join(t.TempDir(), "in.bin")
	if err := writeTensor(input, nil, x); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.bin")
	shape := fmt.Sprintf("%d,%d,%d,%d", in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3])
	code, _, stderr := runGorn(t, "run", "-model", path, "-arch", "resnet18", "-input", input, "-shape", shape, "-output", out)
	if code != 0 {
		t.Fatalf("run: status %d, %s", code, stderr)
	}
	if r := testutil.RelL2(readFloat32s(t, out), want); !(r <= 1e-4) {
		t.Errorf("rel L2 %.3g against PyTorch float64", r)
	}
	code, stdout, stderr := runGorn(t, "info", "-model", path, "-arch", "resnet18")
	if code != 0 || !strings.Contains(stdout, "resnet18 width=4 classes=10") {
		t.Errorf("info: status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, _, stderr = runGorn(t, "info", "-model", path, "-arch", "resnet34")
	if code != 1 || !strings.Contains(stderr, "layer") {
		t.Errorf("info with the wrong -arch: status %d, stderr %q", code, stderr)
	}
}
