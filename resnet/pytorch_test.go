package resnet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	fixturefile "github.com/gorn-ml/gorn/internal/testutil/fixture"
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

func loadFixture(t *testing.T, path string) *fixture {
	t.Helper()
	r, err := fixturefile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	fa := r.Arch
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
	fx := &fixture{name: r.Name, arch: a, weights: Weights{}, input: r.Input, shape: fa.InputShape,
		expected: r.Expected, params: fa.Params}
	for k, w := range r.Weights {
		fx.weights[k] = Tensor{Shape: w.Shape, Data: w.Data}
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
