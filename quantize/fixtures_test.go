package quantize

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
)

// TestFixtures quantizes every committed ONNX fixture of opset 13 or later
// (BatchNorm fused and kept, pre-activation, bottleneck, ResNeXt, wide,
// static and dynamic batch) on random inputs, writes it, and checks gorn
// compiles the file (QDQ import) and computes what Simulate computes. The
// output error against float is only bounded loosely: these are untrained
// networks 4 to 16 channels wide, where each layer's rounding noise is
// large and the per-layer report shows it growing layer by layer (to
// 17 % for the width-4 bottleneck nets; the trained digits model ends at
// 1.3 %).
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("../testdata/onnx/*.onnx")
	if len(files) < 10 {
		t.Fatalf("%d fixtures", len(files))
	}
	ran := 0
	for _, f := range files {
		m, err := onnx.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if m.Opset() < 13 {
			m.Close()
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			defer m.Close()
			fm, err := m.CompileGraph(nil)
			if err != nil {
				t.Fatal(err)
			}
			n := fm.InputLen()
			fm.Close()
			rng := rand.New(rand.NewPCG(1, uint64(len(f))))
			var xs [][]float32
			for range 4 {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				xs = append(xs, x)
			}
			q, rep, err := Quantize(context.Background(), m, Inputs(xs), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := q.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			q2, err := onnx.Parse(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkOrder(t, q2)
			qm, err := q2.CompileGraph(nil)
			if err != nil {
				t.Fatalf("gorn cannot run the QDQ file: %v", err)
			}
			defer qm.Close()
			if rel := simulatedDiff(t, qm, q2, xs); !(rel < 1e-2) {
				t.Fatalf("gorn's QDQ run vs Simulate: rel L2 %g", rel)
			}
			if rep.Measured != 4 || !(rep.OutputError < 0.3) {
				t.Fatalf("output error %g over %d inputs", rep.OutputError, rep.Measured)
			}
			if math.IsNaN(rep.OutputError) {
				t.Fatal("NaN error")
			}
			t.Logf("%d layers, output rel L2 %.3g, arg-max %d/%d", len(rep.Layers), rep.OutputError, rep.Agreement, rep.Measured)
		})
		ran++
	}
	if ran < 5 {
		t.Fatalf("only %d fixtures of opset >= 13", ran)
	}
}

// simulatedDiff returns the relative L2 difference between qm (gorn
// running the QDQ model q) and Simulate(q) over xs.
func simulatedDiff(t *testing.T, qm *engine.Model, q *onnx.Model, xs [][]float32) float64 {
	t.Helper()
	sim, err := Simulate(q)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sim.CompileGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	var num, den float64
	a := make([]float32, qm.Outputs()[0].Len())
	c := make([]float32, len(a))
	for _, x := range xs {
		if err := qm.Infer(context.Background(), a, x, 1); err != nil {
			t.Fatal(err)
		}
		if err := sm.Infer(context.Background(), c, x, 1); err != nil {
			t.Fatal(err)
		}
		for i := range a {
			num += float64(a[i]-c[i]) * float64(a[i]-c[i])
			den += float64(c[i]) * float64(c[i])
		}
	}
	return math.Sqrt(num / den)
}
