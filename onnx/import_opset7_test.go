package onnx

import (
	"path/filepath"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/testutil"
)

// TestImportOpset7Files imports the opset-7 rewrites of two fixtures
// (scripts/export_opset7.py: IR version 3 with the weights listed as
// inputs, BatchNormalization-7 with spatial=1, Pad-2 with attributes,
// Dropout-7, Identity; checked against the opset-7 schemas by the ONNX
// checker), infers their shapes, and evaluates them with graph/eval
// (float64) on the fixture's images: the logits must be PyTorch's float64
// ones (relative L2 <= 1e-6, same arg-max).
func TestImportOpset7Files(t *testing.T) {
	for file, fixture := range map[string]string{
		"resnet18_w4_kept_opset7.onnx": "resnet18_w4.safetensors",
		"preact18_w4_kept_opset7.onnx": "preact18_w4.safetensors",
	} {
		m, g := importFixture(t, filepath.Join(fixtureDir, "opset7", file), nil)
		if m.Opset() != 7 || m.IRVersion != 3 {
			t.Fatalf("%s: opset %d IR %d", file, m.Opset(), m.IRVersion)
		}
		h := histogram(g)
		if h["Pad"] != 1 || h["Dropout"] != 1 || h["Identity"] != 0 || h["BatchNormalization"] == 0 || len(g.Inputs) != 1 {
			t.Errorf("%s: ops %v, inputs %v", file, h, g.Inputs)
		}
		if err := graph.InferShapes(g); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := graph.Check(g); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ref := readRef(t, fixture)
		in := g.Inputs[0]
		size, classes := graph.NumElements(in.Shape), graph.NumElements(g.Outputs[0].Shape)
		images := len(ref.Input) / size
		for i := range images {
			x := make([]float64, size)
			for k := range x {
				x[k] = float64(ref.Input[i*size+k])
			}
			out, err := eval.Run(g, map[string]*eval.Tensor{in.Name: eval.NewFloat(in.Shape, x)})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			got, want := out["logits"].F, ref.Expected[i*classes:(i+1)*classes]
			if d := testutil.RelL2(got, want); !(d <= 1e-6) || argmax(got) != argmax(want) {
				t.Errorf("%s image %d: rel L2 %.3g, arg-max %d want %d", file, i, d, argmax(got), argmax(want))
			}
		}
	}
}

func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}
