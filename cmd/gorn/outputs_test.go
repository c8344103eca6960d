package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/onnxedit"
)

// digitsCut writes the digits model with its graph outputs replaced by
// outputs (see onnxedit.SetOutputs).
func digitsCut(t *testing.T, name string, outputs ...string) string {
	t.Helper()
	data, err := os.ReadFile(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	if data, err = onnxedit.SetOutputs(data, outputs...); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Issue 12, item 4: `gorn run` writes the first output or the one
// -output-name names; on an embedding model (a graph that ends in the
// pooled features) it writes the features, the same as the features
// output of a model that has both; `gorn info` says which output is what.
func TestRunOutputs(t *testing.T) {
	const gap = "/avgpool/GlobalAveragePool_output_0"
	input := filepath.Join(digitsDir, "heldout_inputs.f32")
	n := len(readFloat32s(t, input)) / (3 * 32 * 32)
	shape := itoa(n) + ",3,32,32"
	dir := t.TempDir()
	run := func(model string, extra ...string) []float32 {
		t.Helper()
		out := filepath.Join(dir, "out.bin")
		args := append([]string{"run", "-model", model, "-input", input, "-shape", shape, "-output", out, "-threads", "1"}, extra...)
		if code, _, stderr := runGorn(t, args...); code != 0 {
			t.Fatalf("%v: status %d, %s", args, code, stderr)
		}
		return readFloat32s(t, out)
	}
	logits := run(digitsModel)
	both := digitsCut(t, "both.onnx", gap, "logits")
	emb := digitsCut(t, "emb.onnx", "/Flatten_output_0")
	features := run(both)
	if len(logits) != n*10 || len(features) != n*64 {
		t.Fatalf("%d logits, %d features for %d images", len(logits), len(features), n)
	}
	if got := run(both, "-output-name", "logits"); !slices.Equal(got, logits) {
		t.Error("-output-name logits differs from the classifier's output")
	}
	if got := run(emb); !slices.Equal(got, features) {
		t.Error("the embedding model's output differs from the features output")
	}
	if code, _, stderr := runGorn(t, "run", "-model", both, "-input", input, "-shape", shape, "-output",
		filepath.Join(dir, "x"), "-output-name", "nope"); code != 1 || !strings.Contains(stderr, `"nope"`) || !strings.Contains(stderr, `"logits"`) {
		t.Errorf("unknown -output-name: status %d, %q", code, stderr)
	}
	code, stdout, stderr := runGorn(t, "info", "-model", emb, "-v")
	if code != 0 || !strings.Contains(stdout, "/Flatten_output_0 [1 64] (pooled features: an embedding)") ||
		!strings.Contains(stdout, "operators     29 nodes") || !strings.Contains(stdout, "\nplan\n") ||
		!strings.Contains(stdout, "slot s0") {
		t.Errorf("info -v of the embedding model: status %d, %s\n%s", code, stderr, stdout)
	}
}
