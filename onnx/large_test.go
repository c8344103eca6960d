package onnx

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/safetensors"
)

const python = "/usr/bin/python3"

// largeModels are the full-size networks scripts/export_onnx.py --large
// writes; GORN_LARGE_MODELS (comma-separated) picks a subset.
var largeModels = []string{"resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
	"wide_resnet50_2", "resnext50_32x4d", "preact_resnet18_v2", "preact_resnet50_v2"}

// TestLargeTorchvision exports the full-size torchvision models (random
// weights and BN statistics, BN fused and kept, dynamic batch) into a
// temporary directory with the repository's script, compiles them with
// LoadModel, and checks gorn's
// logits for 4 images at 224x224 against PyTorch's float64 ones. It needs
// /usr/bin/python3 with torch, torchvision and onnx and is skipped with
// -short; the committed small fixtures (TestFixtures) always run.
func TestLargeTorchvision(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the test-time export of full-size torchvision models")
	}
	if err := exec.Command(python, "-c", "import torch, torchvision, onnx").Run(); err != nil {
		t.Skipf("skipping full-size models: %s with torch, torchvision and onnx is not available (%v)", python, err)
	}
	names := largeModels
	if s := os.Getenv("GORN_LARGE_MODELS"); s != "" {
		names = strings.Split(s, ",")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, filepath.Join("..", "scripts", "export_onnx.py"), "--large", "--out", dir, name)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("export: %v\n%s", err, out)
			}
			input, expected := readIO(t, filepath.Join(dir, name+".safetensors"))
			for _, bn := range []string{"fused", "kept"} {
				checkLarge(t, filepath.Join(dir, name+"_"+bn+"_dyn.onnx"), input, expected)
			}
		})
	}
}

// readIO reads __input__ and __expected__ of an exported model.
func readIO(t *testing.T, path string) ([]float32, []float64) {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := f.Get("__input__")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.Get("__expected__")
	if err != nil {
		t.Fatal(err)
	}
	input, err1 := in.Float32s()
	expected, err2 := ex.Float64s()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return input, expected
}

func checkLarge(t *testing.T, path string, input []float32, expected []float64) {
	t.Helper()
	const batch = 4
	m, err := LoadModel(path, &CompileOptions{Engine: engine.Options{MaxBatch: batch}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := make([]float32, batch*m.Outputs()[0].Len())
	if len(out) != len(expected) || len(input) != batch*m.InputLen() {
		t.Fatalf("%s: %d logits and %d inputs, fixture has %d and %d", path, len(out), batch*m.InputLen(), len(expected), len(input))
	}
	if err := m.Infer(context.Background(), out, input, batch); err != nil {
		t.Fatal(err)
	}
	d := testutil.RelL2(out, expected)
	if !(d <= 1e-4) {
		t.Errorf("%s: rel L2 %.3g from PyTorch > 1e-4", filepath.Base(path), d)
		return
	}
	t.Logf("%s: rel L2 %.3g", filepath.Base(path), d)
}
