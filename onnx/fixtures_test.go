package onnx

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/resnet"
	"github.com/gorn-ml/gorn/safetensors"
)

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

func (s *sidecar) arch(t *testing.T) resnet.Arch {
	a := resnet.Arch{Layers: s.Layers, Width: s.Width, Groups: s.Groups, WidthPerGroup: s.WidthPerGroup,
		Classes: s.Classes, InChannels: 3, Eps: 1e-5}
	a.Block = map[string]resnet.Block{"basic": resnet.Basic, "bottleneck": resnet.Bottleneck}[s.Block]
	v, ok := map[string]resnet.Version{"v1": resnet.V1, "v1.5": resnet.V1_5, "v2": resnet.V2}[s.Version]
	if !ok || a.Block == 0 {
		t.Fatalf("sidecar block %q version %q", s.Block, s.Version)
	}
	a.Version = v
	return a
}

const fixtureDir = "../testdata/onnx"

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

// TestFixtures runs every committed ONNX export (BN fused and kept, batch 1
// and dynamic batch) through recognition, resnet.New and Infer, and
// compares the logits with PyTorch's float64 ones.
func TestFixtures(t *testing.T) {
	for _, e := range readManifest(t) {
		t.Run(strings.TrimSuffix(e.File, ".onnx"), func(t *testing.T) {
			ref := readRef(t, e.Fixture)
			m, err := Load(filepath.Join(fixtureDir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.Opset() != e.Opset {
				t.Errorf("opset %d, manifest says %d", m.Opset(), e.Opset)
			}
			a, w, err := m.ResNet()
			if err != nil {
				t.Fatal(err)
			}
			want := ref.arch.arch(t)
			if a.String() != want.String() || a.Version != want.Version || !slices.Equal(a.Layers, want.Layers) ||
				a.Groups != want.Groups || a.WidthPerGroup != want.WidthPerGroup || a.Eps != 1e-5 {
				t.Errorf("recognised %+v, want %+v", a, want)
			}
			if e.BN == "kept" {
				checkKeptWeights(t, w, ref.weights)
			}
			checkInfo(t, m, e, ref)
			n := e.Images
			s := ref.arch.InputShape
			per := s[1] * s[2] * s[3]
			for _, threads := range []int{1, 2} {
				rm, err := m.Compile(&resnet.Options{Threads: threads, MaxBatch: n})
				if err != nil {
					t.Fatal(err)
				}
				if h, w := rm.InputSize(); h != s[2] || w != s[3] {
					t.Errorf("compiled for %dx%d, want %dx%d", h, w, s[2], s[3])
				}
				out := make([]float32, n*ref.arch.Classes)
				if err := rm.Infer(context.Background(), out, ref.input[:n*per], n); err != nil {
					t.Fatal(err)
				}
				rm.Close()
				if d := testutil.RelL2(out, ref.expected[:n*ref.arch.Classes]); !(d <= 1e-4) {
					t.Errorf("threads %d: rel L2 %.3g from PyTorch > 1e-4", threads, d)
				} else {
					t.Logf("%d images, threads %d: rel L2 %.3g", n, threads, d)
				}
			}
		})
	}
}

// checkKeptWeights: with BN kept, every tensor recognised must be the
// state-dict tensor of the same name, bit for bit.
func checkKeptWeights(t *testing.T, w resnet.Weights, ref map[string][]float32) {
	t.Helper()
	for k, v := range w {
		r, ok := ref[k]
		if !ok {
			t.Errorf("recognised key %s is not in the state dict", k)
			continue
		}
		if !slices.Equal(v.Data, r) {
			t.Errorf("%s differs from the state dict", k)
		}
	}
	for k := range ref {
		if _, ok := w[k]; !ok {
			t.Errorf("state dict key %s not recognised", k)
		}
	}
}

func checkInfo(t *testing.T, m *Model, e manifestEntry, ref *refData) {
	t.Helper()
	in, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	s := ref.arch.InputShape
	dyn := e.Batch == "dynamic"
	if (in.Batch == 0) != dyn || dyn && in.BatchParam == "" || in.Height != s[2] || in.Width != s[3] || in.Channels != 3 {
		t.Errorf("info input: batch %d (%q) %dx%dx%d; manifest batch %s, shape %v",
			in.Batch, in.BatchParam, in.Channels, in.Height, in.Width, e.Batch, s)
	}
	if in.FusedBN != (e.BN == "fused") || in.Opset != e.Opset {
		t.Errorf("info: fused %v opset %d; manifest %s opset %d", in.FusedBN, in.Opset, e.BN, e.Opset)
	}
	if in.MACs != in.Arch.MACs(s[2], s[3]) || in.Params != in.Arch.Params() || in.Params <= 0 {
		t.Errorf("info counts: %d MACs, %d params", in.MACs, in.Params)
	}
}
