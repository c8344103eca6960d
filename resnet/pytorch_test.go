package resnet

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/safetensors"
)

// fixture is one of testdata's PyTorch reference models (see
// testdata/README.md).
type fixture struct {
	name     string
	arch     Arch
	weights  Weights
	input    []float32
	shape    []int // N, C, H, W
	expected []float64
	params   int
}

// fixtureArch is the JSON sidecar's architecture.
type fixtureArch struct {
	Block         string  `json:"block"`
	Version       string  `json:"version"`
	Layers        []int   `json:"layers"`
	Width         int     `json:"width"`
	Groups        int     `json:"groups"`
	WidthPerGroup int     `json:"width_per_group"`
	Classes       int     `json:"classes"`
	InputShape    []int   `json:"input_shape"`
	BNEps         float64 `json:"bn_eps"`
	Params        int     `json:"params"`
}

func loadFixture(t *testing.T, path string) *fixture {
	t.Helper()
	js, err := os.ReadFile(strings.TrimSuffix(path, ".safetensors") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var fa fixtureArch
	if err := json.Unmarshal(js, &fa); err != nil {
		t.Fatal(err)
	}
	a := Arch{Layers: fa.Layers, Width: fa.Width, Groups: fa.Groups, WidthPerGroup: fa.WidthPerGroup,
		Classes: fa.Classes, Eps: fa.BNEps}
	switch fa.Block {
	case "basic":
		a.Block = Basic
	case "bottleneck":
		a.Block = Bottleneck
	}
	switch fa.Version {
	case "v1":
		a.Version = V1
	case "v1.5":
		a.Version = V1_5
	case "v2":
		a.Version = V2
	default:
		t.Fatalf("version %q", fa.Version)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx := &fixture{name: filepath.Base(path), arch: a, weights: Weights{}, shape: fa.InputShape, params: fa.Params}
	for _, st := range f.Tensors() {
		switch st.Name {
		case "__input__":
			fx.input, err = st.Float32s()
		case "__expected__":
			fx.expected, err = st.Float64s()
		default:
			var d []float32
			d, err = st.Float32s()
			fx.weights[st.Name] = Tensor{Shape: append([]int(nil), st.Shape...), Data: d}
		}
		if err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
	}
	return fx
}

func fixtures(t *testing.T) []*fixture {
	paths, err := filepath.Glob("../testdata/*.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var out []*fixture
	for _, p := range paths {
		if _, err := os.Stat(strings.TrimSuffix(p, ".safetensors") + ".json"); err != nil {
			continue // not a model (e.g. dtypes.safetensors)
		}
		out = append(out, loadFixture(t, p))
	}
	if len(out) < 7 {
		t.Fatalf("found %d PyTorch fixtures in ../testdata, want 7", len(out))
	}
	return out
}

// The compiled model reproduces PyTorch's float64 logits on every fixture at
// every kernels level, and so does the test's own reference (which checks
// the reference itself).
func TestMatchesPyTorch(t *testing.T) {
	for _, fx := range fixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			n, h, w := fx.shape[0], fx.shape[2], fx.shape[3]
			if fx.params != int(fx.arch.Params()+fx.arch.bufferCount()) {
				t.Errorf("fixture has %d weights, the arch %d", fx.params, fx.arch.Params()+fx.arch.bufferCount())
			}
			ref := refForward(fx.arch, fx.weights, fx.input, n, h, w)
			if e := testutil.RelL2(ref, fx.expected); !(e <= 1e-12) {
				t.Errorf("test reference: rel L2 %.3g from PyTorch", e)
			}
			forEachLevel(t, func(t *testing.T, level string) {
				for _, threads := range []int{1, 2} {
					m, err := New(fx.arch, fx.weights, &Options{Height: h, Width: w, MaxBatch: n, Threads: threads, Level: level})
					if err != nil {
						t.Fatal(err)
					}
					e := testutil.RelL2(infer(t, m, fx.input, n), fx.expected)
					if !(e <= 1e-4) {
						t.Errorf("threads %d: rel L2 %.3g from PyTorch > 1e-4", threads, e)
					}
					t.Logf("threads %d: rel L2 %.3g", threads, e)
					m.Close()
				}
			})
		})
	}
}

// bufferCount is the number of BatchNorm running statistics (PyTorch's
// buffers other than num_batches_tracked).
func (a Arch) bufferCount() int64 {
	var n int64
	for _, s := range a.build().specs() {
		if s.kind == bnMean || s.kind == bnVar {
			n += int64(s.size())
		}
	}
	return n
}
