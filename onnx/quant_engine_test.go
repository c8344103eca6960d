package onnx

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/kernels"
)

// TestQuantLevels runs the quantized digits model at every kernels level
// this CPU has (generic and the SIMD ones: the 8-bit convolutions on each
// level's QGemm; the max pool and the global average pool on uint8 too),
// on 1 and 2 threads: every thread count gives the same
// bits, every level's logits are within one output step of the generic
// level's (the 8-bit convolutions are exact integer arithmetic; the float
// classifier may round differently per level), and inference makes no
// allocations.
func TestQuantLevels(t *testing.T) {
	var f quantFixture
	for _, q := range quantFixtures(t) {
		if q.File == "digits_qdq_u8.onnx" {
			f = q
		}
	}
	x, _ := digitsHeldout(t)
	const n = 8
	x = x[:n*3*32*32]
	var ref []float32
	for _, im := range kernels.Impls() {
		if !im.Available() {
			t.Logf("level %s: SKIP (needs %s)", im.Name(), im.Requires())
			continue
		}
		var first []float32
		for _, threads := range []int{1, 2} {
			m, err := LoadModel(filepath.Join(quantDir, f.File), &CompileOptions{Engine: engine.Options{Threads: threads, MaxBatch: n, Level: im.Name()}})
			if err != nil {
				t.Fatal(err)
			}
			plan := m.Plan()
			for _, want := range []string{"gorn.QConv x12", "QLinearGlobalAveragePool x1", "MaxPool x1"} {
				if !strings.Contains(plan, want) {
					t.Errorf("level %s: the plan has no %s:\n%s", im.Name(), want, plan)
				}
			}
			for _, l := range strings.Split(plan, "\n") {
				if f := strings.Fields(l); len(f) > 1 && (f[1] == "MaxPool" || f[1] == "QLinearGlobalAveragePool") && !strings.HasSuffix(l, "uint8") {
					t.Errorf("level %s: not on uint8: %s", im.Name(), l)
				}
			}
			out := make([]float32, n*f.Classes)
			ctx := context.Background()
			if err := m.Infer(ctx, out, x, n); err != nil {
				t.Fatal(err)
			}
			if !raceEnabled {
				if a := testing.AllocsPerRun(5, func() { m.Infer(ctx, out, x, n) }); a != 0 {
					t.Errorf("level %s, %d threads: %v allocations per Infer", im.Name(), threads, a)
				}
			}
			m.Close()
			if first == nil {
				first = out
			} else if !slices.Equal(first, out) {
				t.Errorf("level %s: 2 threads give other bits than 1", im.Name())
			}
		}
		if ref == nil {
			ref = first
			continue
		}
		for i := range ref {
			if d := math.Abs(float64(ref[i] - first[i])); d > f.OutputStep*1.001 {
				t.Errorf("level %s: logit %d differs by %g from level %s's", im.Name(), i, d, kernels.Impls()[0].Name())
				break
			}
		}
	}
}

// TestQuantImportCheck: every quantized fixture imports with its quantized
// operators as they are (com.microsoft ones included), and passes shape
// inference and graph.Check before any pass.
func TestQuantImportCheck(t *testing.T) {
	for _, f := range quantFixtures(t) {
		m, err := Load(filepath.Join(quantDir, f.File))
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Import(nil)
		m.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.File, err)
		}
		if err := graph.InferShapes(g); err != nil {
			t.Errorf("%s: %v", f.File, err)
			continue
		}
		if err := graph.Check(g); err != nil {
			t.Errorf("%s: %v", f.File, err)
		}
		h := strings.Join(g.OpHistogram(), " ")
		want := "DequantizeLinear"
		if f.Format == "qop" {
			want = "QLinearConv"
		}
		if !strings.Contains(h, want) {
			t.Errorf("%s: operators %s, want %s", f.File, h, want)
		}
	}
}
