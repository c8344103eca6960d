package onnx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil/fixture"
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

// readRef reads testdata/name, a PyTorch fixture: state dict, input,
// float64 expected logits and sidecar.
func readRef(t *testing.T, name string) *fixture.Ref {
	t.Helper()
	r, err := fixture.Read(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
