package onnx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/safetensors"
)

// The committed fixtures' manifest and reference data, shared by the
// importer's and the compiler's tests.

// manifestEntry is one file of testdata/onnx/manifest.json.
type manifestEntry struct {
	File    string         `json:"file"`
	Fixture string         `json:"fixture"`
	BN      string         `json:"bn"`
	Batch   string         `json:"batch"`
	Opset   int64          `json:"opset"`
	Images  int            `json:"images"`
	Ops     map[string]int `json:"ops"`
}

// sidecar is the fixture's architecture JSON (testdata/README.md).
type sidecar struct {
	Block         string `json:"block"`
	Version       string `json:"version"`
	Layers        []int  `json:"layers"`
	Width         int    `json:"width"`
	Groups        int    `json:"groups"`
	WidthPerGroup int    `json:"width_per_group"`
	Classes       int    `json:"classes"`
	InputShape    []int  `json:"input_shape"`
}

const fixtureDir = "../testdata/onnx"

// loadFixture loads a committed file (read, not mapped); it closes with
// the test.
func loadFixture(t *testing.T, name string) *Model {
	t.Helper()
	m, err := LoadFile(filepath.Join(fixtureDir, name), &Options{NoMmap: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func readManifest(t *testing.T) []manifestEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "manifest.json"))
	if err != nil {
		t.Fatalf("the committed ONNX fixtures are required: %v", err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) < 13 {
		t.Fatalf("manifest lists %d files, want at least 13", len(m))
	}
	return m
}

// refData is a fixture's state dict, input and float64 expected logits.
type refData struct {
	weights  map[string][]float32
	input    []float32
	expected []float64
	arch     sidecar
}

func readRef(t *testing.T, name string) *refData {
	t.Helper()
	path := filepath.Join("..", "testdata", name)
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := &refData{weights: map[string][]float32{}}
	for _, st := range f.Tensors() {
		switch st.Name {
		case "__input__":
			r.input, err = st.Float32s()
		case "__expected__":
			r.expected, err = st.Float64s()
		default:
			r.weights[st.Name], err = st.Float32s()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	js, err := os.ReadFile(strings.TrimSuffix(path, ".safetensors") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &r.arch); err != nil {
		t.Fatal(err)
	}
	return r
}
