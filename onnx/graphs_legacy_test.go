package onnx

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/kernels"
)

// The torchvision-style fixtures (testdata/onnx and its opset-7 rewrites,
// the digits demo model), through the graph compiler: LoadModel.

// TestLoadModelFixtures compiles every testdata/onnx export (BN fused and
// kept, fixed and dynamic batch) and the opset-7 rewrites with LoadModel
// at every kernels level, 1 and 2 threads, and compares all the fixture's
// images' logits with PyTorch's float64 ones (rel L2 <= 1e-4, same
// arg-max per image), at every level where TestFixtures runs the active
// one.
func TestLoadModelFixtures(t *testing.T) {
	files := map[string]string{ // file -> safetensors fixture
		"opset7/resnet18_w4_kept_opset7.onnx": "resnet18_w4.safetensors",
		"opset7/preact18_w4_kept_opset7.onnx": "preact18_w4.safetensors",
	}
	for _, e := range readManifest(t) {
		files[e.File] = e.Fixture
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, file := range names {
		t.Run(strings.TrimSuffix(file, ".onnx"), func(t *testing.T) {
			ref := readRef(t, files[file])
			s := ref.Arch.InputShape
			per, classes := s[1]*s[2]*s[3], ref.Arch.Classes
			n := len(ref.Input) / per
			if n < 1 || len(ref.Expected) != n*classes {
				t.Fatalf("%d input floats, %d expected for %v", len(ref.Input), len(ref.Expected), s)
			}
			forLevels(t, func(t *testing.T, im *kernels.Impl) {
				for _, threads := range []int{1, 2} {
					m, err := LoadModel(filepath.Join(fixtureDir, file), &CompileOptions{
						Import: ImportOptions{Height: s[2], Width: s[3]},
						Engine: engine.Options{Threads: threads, MaxBatch: threads, Level: im.Name()},
					})
					if err != nil {
						t.Fatal(err)
					}
					got := nanFilled(n * classes)
					err = m.Infer(context.Background(), got, ref.Input, n)
					m.Close()
					if err != nil {
						t.Fatal(err)
					}
					if d := testutil.RelL2(got, ref.Expected); !(d <= 1e-4) {
						t.Errorf("threads=%d: rel L2 %.3g from PyTorch > 1e-4", threads, d)
					}
					if g, w := argmaxRows(got, classes), argmaxRows(ref.Expected, classes); !slices.Equal(g, w) {
						t.Errorf("threads=%d: arg-max %v, PyTorch %v", threads, g, w)
					}
				}
			})
		})
	}
}

// digitsRef is what TestLoadModelDigits reads of testdata/digits/pytorch.json.
type digitsRef struct {
	Accuracy    float64 `json:"heldout_accuracy"`
	Labels      []int   `json:"labels"`
	Predictions []int   `json:"predictions"`
}

// TestLoadModelDigits runs the demo model (testdata/digits/digits_resnet.onnx)
// on all 360 held-out digits, decoded from the PNGs, through LoadModel:
// the logits must be PyTorch's float64 ones (heldout_logits.f64, rel L2
// <= 1e-4) and every prediction PyTorch's. With -short only the active
// kernels level runs.
func TestLoadModelDigits(t *testing.T) {
	const dir = "../testdata/digits"
	b, err := os.ReadFile(filepath.Join(dir, "pytorch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref digitsRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	h := &graphHeldout{Images: "heldout", Labels: "heldout/labels.txt", Count: 360}
	h.Preprocess.Size = 32
	h.Preprocess.Mean = [3]float64{0.485, 0.456, 0.406}
	h.Preprocess.Std = [3]float64{0.229, 0.224, 0.225}
	h.Logits.Shape = []int{360, 10}
	h.Predictions, h.Accuracy = ref.Predictions, ref.Accuracy
	if len(ref.Predictions) != h.Count {
		t.Fatalf("pytorch.json: %d predictions", len(ref.Predictions))
	}
	x, labels := heldoutDigits(t, dir, h)
	if !slices.Equal(labels, ref.Labels) {
		t.Fatal("labels.txt and pytorch.json disagree")
	}
	if first := readF32(t, filepath.Join(dir, "heldout_inputs.f32"), 32*3*32*32); !slices.Equal(first, x[:len(first)]) {
		t.Fatal("inputs decoded from the PNGs differ from heldout_inputs.f32")
	}
	want := readF64(t, filepath.Join(dir, "heldout_logits.f64"), 360*10)
	forLevels(t, func(t *testing.T, im *kernels.Impl) {
		if testing.Short() && im != kernels.Active() {
			t.Skip("-short: the held-out set runs at the active level only")
		}
		for _, threads := range []int{1, 2} {
			m, err := LoadModel(filepath.Join(dir, "digits_resnet.onnx"), &CompileOptions{
				Import: ImportOptions{Height: 32, Width: 32},
				Engine: engine.Options{Threads: threads, MaxBatch: 40, Level: im.Name()},
			})
			if err != nil {
				t.Fatal(err)
			}
			checkHeldoutRun(t, m, x, labels, want, h, 1e-4)
			m.Close()
		}
	})
}
