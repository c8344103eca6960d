package onnx

import (
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/testutil"
)

// TestEvalMatchesPyTorch checks the test oracle itself: graph/eval, the
// float64 evaluator that the passes' and the executor's unit tests compare
// with, gives PyTorch's float64 outputs on every one-image graph fixture,
// run on the imported graph before any pass.
func TestEvalMatchesPyTorch(t *testing.T) {
	for _, f := range readGraphManifest(t) {
		in := f.Input
		if in.Shape[0] != 1 || f.Kind == "trained" {
			continue // the batched fixtures: the IR's batch is 1
		}
		t.Run(strings.TrimSuffix(f.File, ".onnx"), func(t *testing.T) {
			m, err := Load(f.path(f.File))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			g, err := m.Import(&ImportOptions{Height: in.Shape[2], Width: in.Shape[3]})
			if err != nil {
				t.Fatal(err)
			}
			src := readF32(t, f.path(in.File), numel(in.Shape))
			x := make([]float64, len(src))
			for i, v := range src {
				x[i] = float64(v)
			}
			out, err := eval.Run(g, map[string]*eval.Tensor{g.Inputs[0].Name: eval.NewFloat(in.Shape, x)})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range f.Outputs {
				got, ok := out[o.Name]
				if !ok {
					t.Fatalf("no output %q", o.Name)
				}
				want := readF64(t, f.path(o.File), numel(o.Shape))
				if e := testutil.RelL2(got.F, want); !(e <= f.Tolerance.RelL2) {
					t.Errorf("%s: rel L2 %.3g against PyTorch", o.Name, e)
				}
			}
		})
	}
}
