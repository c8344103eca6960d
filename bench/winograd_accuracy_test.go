package bench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/nn"
	"github.com/gorn-ml/gorn/resnet"
	"github.com/gorn-ml/gorn/safetensors"
)

// TestWinogradNetworkAccuracy runs the PyTorch fixtures (random weights and
// BatchNorm statistics, float64 logits; the small ones in ../testdata and,
// without -short, the full-size ones scripts/export_onnx.py --large writes
// to ../testdata/large) with every 3x3 convolution on each algorithm
// where it applies (F(2x2, 3x3) also at stride 2), and logs the relative L2 distance of the logits from
// PyTorch's float64 ones. Every algorithm must stay within 1e-4, the bound
// resnet's own PyTorch test sets.
func TestWinogradNetworkAccuracy(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*.safetensors"))
	if !testing.Short() {
		large, _ := filepath.Glob(filepath.Join("..", "testdata", "large", "*.safetensors"))
		paths = append(paths, large...)
	}
	if len(paths) == 0 {
		t.Skip("no fixtures in ../testdata")
	}
	defer func(a nn.ConvAlgo) { nn.DefaultAlgo = a }(nn.DefaultAlgo)
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".safetensors")
		if name == "dtypes" || name == "resnet101" || name == "resnet152" {
			continue // not a model; resnet101 and resnet152 take long and add nothing
		}
		t.Run(name, func(t *testing.T) {
			f, err := safetensors.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			arch := fixtureArch(t, strings.TrimSuffix(path, ".safetensors")+".json")
			input, err := f.Float32s("__input__")
			if err != nil {
				t.Fatal(err)
			}
			in, _ := f.Shape("__input__")
			exp, err := f.Get("__expected__")
			if err != nil {
				t.Fatal(err)
			}
			want, err := exp.Float64s()
			if err != nil {
				t.Fatal(err)
			}
			for _, algo := range []nn.ConvAlgo{nn.AlgoIm2col, nn.AlgoWinograd2, nn.AlgoWinograd4, nn.AlgoWinograd3, nn.AlgoAuto} {
				nn.DefaultAlgo = algo
				m, err := resnet.NewFrom(arch, fixtureSource{f}, &resnet.Options{Threads: 1, MaxBatch: in[0], Height: in[2], Width: in[3]})
				if err != nil {
					t.Fatal(err)
				}
				got := make([]float32, in[0]*arch.Classes)
				err = m.Infer(context.Background(), got, input, in[0])
				m.Close()
				if err != nil {
					t.Fatal(err)
				}
				e := testutil.RelL2(got, want)
				t.Logf("%-9v rel L2 %.3g", algo, e)
				if !(e <= 1e-4) {
					t.Errorf("%v: rel L2 %.3g from PyTorch > 1e-4", algo, e)
				}
			}
		})
	}
}

// fixtureSource is a fixture's weights without its input and logits.
type fixtureSource struct{ *safetensors.File }

func (s fixtureSource) Keys() []string {
	var keys []string
	for _, k := range s.File.Keys() {
		if !strings.HasPrefix(k, "__") {
			keys = append(keys, k)
		}
	}
	return keys
}

// fixtureArch reads a fixture's architecture from its JSON sidecar (see
// ../testdata/README.md).
func fixtureArch(t *testing.T, path string) resnet.Arch {
	js, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fa struct {
		Block, Version         string
		Layers                 []int
		Width, Groups, Classes int
		WidthPerGroup          int     `json:"width_per_group"`
		Eps                    float64 `json:"bn_eps"`
	}
	if err := json.Unmarshal(js, &fa); err != nil {
		t.Fatal(err)
	}
	a := resnet.Arch{Block: resnet.Basic, Layers: fa.Layers, Width: fa.Width, Groups: fa.Groups,
		WidthPerGroup: fa.WidthPerGroup, Classes: fa.Classes, Eps: fa.Eps, Version: resnet.V1_5}
	if fa.Block == "bottleneck" {
		a.Block = resnet.Bottleneck
	}
	switch fa.Version {
	case "v1":
		a.Version = resnet.V1
	case "v2":
		a.Version = resnet.V2
	}
	return a
}
