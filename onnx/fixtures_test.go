package onnx

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/internal/testutil/fixture"
)

// TestFixtures compiles every committed ONNX export (BN fused and kept,
// batch 1 and dynamic batch) with CompileGraph and compares the logits of
// a batch, at 1 and 2 threads, with PyTorch's float64 ones.
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
			checkGraphInfo(t, m, e, ref)
			n := e.Images
			s := ref.Arch.InputShape
			per := s[1] * s[2] * s[3]
			var first []float32
			for _, threads := range []int{1, 2} {
				em, err := m.CompileGraph(&CompileOptions{Engine: engine.Options{Threads: threads, MaxBatch: n}})
				if err != nil {
					t.Fatal(err)
				}
				if in := em.Input().Shape; !slices.Equal(in, []int{1, s[1], s[2], s[3]}) {
					t.Errorf("compiled for input %v, want %v", in, s)
				}
				if o := em.Outputs(); len(o) != 1 || o[0].Len() != ref.Arch.Classes {
					t.Errorf("outputs %v, want %d logits", o, ref.Arch.Classes)
				}
				out := make([]float32, n*ref.Arch.Classes)
				if err := em.Infer(context.Background(), out, ref.Input[:n*per], n); err != nil {
					t.Fatal(err)
				}
				em.Close()
				if d := testutil.RelL2(out, ref.Expected[:n*ref.Arch.Classes]); !(d <= 1e-4) {
					t.Errorf("threads %d: rel L2 %.3g from PyTorch > 1e-4", threads, d)
				} else {
					t.Logf("%d images, threads %d: rel L2 %.3g", n, threads, d)
				}
				if first == nil {
					first = out
				} else if !slices.Equal(first, out) {
					t.Error("1 and 2 threads differ")
				}
			}
		})
	}
}

// checkGraphInfo compares GraphInfo with the manifest and the state dict:
// the operator histogram, the declared input, and, with BatchNorm kept,
// the parameter count (every state-dict tensor is an initializer).
func checkGraphInfo(t *testing.T, m *Model, e manifestEntry, ref *fixture.Ref) {
	t.Helper()
	in := m.GraphInfo()
	ops := map[string]int{}
	for _, o := range in.Ops {
		ops[o.Op] = o.Count
	}
	if !maps.Equal(ops, e.Ops) {
		t.Errorf("operators %v, manifest %v", ops, e.Ops)
	}
	s := ref.Arch.InputShape
	if len(in.Inputs) != 1 || len(in.Inputs[0].Shape) != 4 {
		t.Fatalf("inputs %v", in.Inputs)
	}
	d := in.Inputs[0].Shape
	dyn := e.Batch == "dynamic"
	if d[0].Known() == dyn || dyn && d[0].Param == "" || d[1].Value != int64(s[1]) || d[2].Value != int64(s[2]) || d[3].Value != int64(s[3]) {
		t.Errorf("input %s; manifest batch %s, shape %v", in.Inputs[0].ShapeString(), e.Batch, s)
	}
	if in.Opset != e.Opset {
		t.Errorf("opset %d, manifest %d", in.Opset, e.Opset)
	}
	if e.BN == "kept" {
		var want int64
		for k, v := range ref.Weights {
			if !strings.HasSuffix(k, "num_batches_tracked") {
				want += int64(len(v.Data))
			}
		}
		if in.Params != want {
			t.Errorf("%d parameters, the state dict has %d", in.Params, want)
		}
	}
}

// The compiled model holds its own packed weights: it runs after the file
// is closed. Compiling a closed file is an error that says so, not a
// crash.
func TestCompileAfterClose(t *testing.T) {
	m := loadFixture(t, "bottleneck_v15_w4_kept_b1.onnx")
	em, err := m.CompileGraph(&CompileOptions{Engine: engine.Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	m.Close()
	out := make([]float32, em.Outputs()[0].Len())
	if err := em.Infer(context.Background(), out, make([]float32, em.InputLen()), 1); err != nil {
		t.Errorf("Infer after the file closed: %v", err)
	}
	if _, err := m.CompileGraph(nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("compiling a closed model: %v", err)
	}
}
