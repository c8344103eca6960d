package onnx

import (
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/kernels"
)

// The graph compiler's fixtures (testdata/graphs, made by
// scripts/export_graphs.py and scripts/train_graphs.py; see its README):
// manifest, tensors and the held-out digits.

const graphsDir = "../testdata/graphs"

// graphTensor is one tensor file of testdata/graphs/manifest.json.
type graphTensor struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Dtype  string `json:"dtype"`
	File   string `json:"file"`
	Argmax bool   `json:"argmax"`
}

// graphFixture is one fixture of testdata/graphs/manifest.json.
type graphFixture struct {
	File      string        `json:"file"`
	Input     graphTensor   `json:"input"`
	Outputs   []graphTensor `json:"outputs"`
	Tolerance struct {
		RelL2  float64 `json:"rel_l2"`
		Argmax bool    `json:"argmax"`
	} `json:"tolerance"`
	Kind        string            `json:"kind"`
	Covers      string            `json:"covers"`
	BN          string            `json:"bn"`
	Opset       int               `json:"opset"`
	DynamicAxes map[string]string `json:"dynamic_axes"`
	Ops         map[string]int    `json:"ops"`
	Heldout     *graphHeldout     `json:"heldout"`

	dir string // the manifest's directory
}

// path is a file of the fixture's directory.
func (f *graphFixture) path(name string) string { return filepath.Join(f.dir, name) }

// graphHeldout is a trained fixture's held-out set.
type graphHeldout struct {
	Images     string `json:"images"`
	Labels     string `json:"labels"`
	Count      int    `json:"count"`
	Preprocess struct {
		Size int        `json:"size"`
		Mean [3]float64 `json:"mean"`
		Std  [3]float64 `json:"std"`
	} `json:"preprocess"`
	Logits      graphTensor `json:"logits"`
	Predictions []int       `json:"predictions"`
	Accuracy    float64     `json:"accuracy"`
}

func readGraphManifest(t testing.TB) []graphFixture {
	t.Helper()
	return readGraphManifestAt(t, graphsDir, 60)
}

// readGraphManifestAt reads dir/manifest.json, which must list at least
// min fixtures.
func readGraphManifestAt(t testing.TB, dir string, min int) []graphFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("the committed graph fixtures are required: %v", err)
	}
	var m struct {
		Format   int            `json:"format"`
		Fixtures []graphFixture `json:"fixtures"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != 1 || len(m.Fixtures) < min {
		t.Fatalf("manifest: format %d, %d fixtures (want 1, at least %d)", m.Format, len(m.Fixtures), min)
	}
	for i := range m.Fixtures {
		m.Fixtures[i].dir = dir
	}
	return m.Fixtures
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// readRawFile reads a file of exactly n values of size bytes.
func readRawFile(t testing.TB, path string, n, size int) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != n*size {
		t.Fatalf("%s: %d bytes, want %d values of %d bytes", path, len(b), n, size)
	}
	return b
}

// readF32 reads n little-endian float32 values.
func readF32(t testing.TB, path string, n int) []float32 {
	b := readRawFile(t, path, n, 4)
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// readF64 reads n little-endian float64 values.
func readF64(t testing.TB, path string, n int) []float64 {
	b := readRawFile(t, path, n, 8)
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

// argmaxRows is the index of the largest value of each row of cols values
// (the first on ties; a NaN row gives -1).
func argmaxRows[T float32 | float64](v []T, cols int) []int {
	out := make([]int, 0, len(v)/cols)
	for r := 0; r+cols <= len(v); r += cols {
		best := -1
		for c := 0; c < cols; c++ {
			x := v[r+c]
			if x == x && (best < 0 || x > v[r+best]) {
				best = c
			}
		}
		out = append(out, best)
	}
	return out
}

// nanFilled is n NaNs: every value an output check reads must be written.
func nanFilled(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

// forLevels runs f for every kernels level, skipping those this CPU lacks.
func forLevels(t *testing.T, f func(t *testing.T, im *kernels.Impl)) {
	for _, im := range kernels.Impls() {
		t.Run("level="+im.Name(), func(t *testing.T) {
			if !im.Available() {
				t.Skipf("this CPU lacks %s", im.Requires())
			}
			f(t, im)
		})
	}
}

// heldoutDigits decodes the held-out PNGs (8-bit grey) into float32 NCHW as
// PyTorch did: v = float32(p) / 255, then (v - mean[c]) / std[c] in float32.
func heldoutDigits(t testing.TB, dir string, h *graphHeldout) ([]float32, []int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, h.Labels))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != h.Count {
		t.Fatalf("%d labels, want %d", len(lines), h.Count)
	}
	s := h.Preprocess.Size
	per := 3 * s * s
	x := make([]float32, h.Count*per)
	labels := make([]int, h.Count)
	for i, line := range lines {
		name, lab, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("labels line %q", line)
		}
		if labels[i], err = strconv.Atoi(lab); err != nil {
			t.Fatal(err)
		}
		g := decodeGrey(t, filepath.Join(dir, h.Images, name), s)
		for c := 0; c < 3; c++ {
			mean, std := float32(h.Preprocess.Mean[c]), float32(h.Preprocess.Std[c])
			for j, p := range g.Pix {
				v := float32(p) / 255
				v = v - mean
				x[i*per+c*s*s+j] = v / std
			}
		}
	}
	return x, labels
}

func decodeGrey(t testing.TB, path string, size int) *image.Gray {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Rect.Dx() != size || g.Rect.Dy() != size || g.Stride != size {
		t.Fatalf("%s: want a %dx%d 8-bit grey PNG, got %T %v", path, size, size, img, img.Bounds())
	}
	return g
}

// TestGraphHarnessCanFail guards the fixture checks: a perturbed output
// fails the rel L2 bound, an unwritten (NaN) one fails it too, and a
// swapped class fails the arg-max comparison.
func TestGraphHarnessCanFail(t *testing.T) {
	want := []float64{0.1, 2, -1, 0.5, 3, -2, 0.25, 1}
	got := []float32{0.1, 2, -1, 0.5, 3, -2, 0.25, 1}
	if d := testutil.RelL2(got, want); !(d <= 1e-7) {
		t.Fatalf("identical: rel L2 %g", d)
	}
	got[1] += 2e-3
	if d := testutil.RelL2(got, want); d <= 1e-4 {
		t.Errorf("perturbed: rel L2 %g not above 1e-4", d)
	}
	if d := testutil.RelL2(nanFilled(len(want)), want); d <= 1e-4 {
		t.Errorf("unwritten output: rel L2 %g passes", d)
	}
	if g := argmaxRows(want, 4); !slices.Equal(g, []int{1, 0}) {
		t.Errorf("arg-max rows %v, want [1 0]", g)
	}
	got[1], got[3] = -3, 3
	if slices.Equal(argmaxRows(got, 4), argmaxRows(want, 4)) {
		t.Error("swapped class not detected")
	}
}
