package onnx

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/kernels"
)

// TestGraphFixtures compiles every fixture of testdata/graphs (each row of
// issue 12's table with BatchNorm fused and kept, the operator fixtures and
// the trained networks) with LoadModel, at every kernels level this CPU
// has, for 1 and 2 threads, and compares every graph output with
// PyTorch's float64 output: relative L2 <= the manifest's tolerance (1e-4)
// and the same arg-max where the manifest asks for it. With 1 thread the
// fixture's batch runs one image per pass; with 2 threads in one pass.
func TestGraphFixtures(t *testing.T) {
	for _, f := range readGraphManifest(t) {
		t.Run(strings.TrimSuffix(f.File, ".onnx"), func(t *testing.T) {
			checkGraphFixture(t, f, nil)
		})
	}
}

// checkGraphFixture runs one fixture at the given levels (nil: every level
// this CPU has), 1 and 2 threads, and batch 2 where the fixture has one
// image.
func checkGraphFixture(t *testing.T, f graphFixture, levels []*kernels.Impl) {
	in := f.Input
	if len(in.Shape) != 4 {
		t.Fatalf("input shape %v, want NCHW", in.Shape)
	}
	src := readF32(t, f.path(in.File), numel(in.Shape))
	wants := make([][]float64, len(f.Outputs))
	for i, o := range f.Outputs {
		wants[i] = readF64(t, f.path(o.File), numel(o.Shape))
	}
	forLevels(t, func(t *testing.T, im *kernels.Impl) {
		if levels != nil && !slices.Contains(levels, im) {
			t.Skip("not asked for")
		}
		for _, threads := range []int{1, 2} {
			maxBatch := 1
			if threads == 2 {
				maxBatch = in.Shape[0]
			}
			m := loadGraphFixture(t, f, engine.Options{Threads: threads, MaxBatch: maxBatch, Level: im.Name()})
			checkGraphOutputs(t, fmt.Sprintf("threads=%d", threads), m, f, src, in.Shape[0], wants)
			m.Close()
		}
		if in.Shape[0] == 1 {
			checkGraphBatch2(t, f, im, src, wants)
		}
	})
}

// TestGraphFixturesLarge runs the full-size table rows (224x224, ResNet-50
// depths and widths; made by `make fixtures-graphs-large` into the
// git-ignored testdata/large/graphs, or GORN_LARGE_GRAPHS) at the active
// kernels level. It skips when they are absent and with -short.
func TestGraphFixturesLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := os.Getenv("GORN_LARGE_GRAPHS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "large", "graphs")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Skipf("no full-size graph fixtures (make fixtures-graphs-large): %v", err)
	}
	for _, f := range readGraphManifestAt(t, dir, 1) {
		t.Run(strings.TrimSuffix(f.File, ".onnx"), func(t *testing.T) {
			checkGraphFixture(t, f, []*kernels.Impl{kernels.Active()})
		})
	}
}

// checkGraphBatch2 runs two copies of a one-image fixture in one pass of
// MaxBatch 2: both images must give PyTorch's outputs.
func checkGraphBatch2(t *testing.T, f graphFixture, im *kernels.Impl, src []float32, wants [][]float64) {
	t.Helper()
	m := loadGraphFixture(t, f, engine.Options{Threads: 2, MaxBatch: 2, Level: im.Name()})
	defer m.Close()
	two := append(slices.Clone(src), src...)
	w2 := make([][]float64, len(wants))
	for i, w := range wants {
		w2[i] = append(slices.Clone(w), w...)
	}
	checkGraphOutputs(t, "batch=2", m, f, two, 2, w2)
}

// loadGraphFixture compiles a fixture for its input's height and width.
func loadGraphFixture(t *testing.T, f graphFixture, eo engine.Options) *engine.Model {
	t.Helper()
	s := f.Input.Shape
	m, err := LoadModel(f.path(f.File), &CompileOptions{
		Import: ImportOptions{Height: s[2], Width: s[3]},
		Engine: eo,
	})
	if err != nil {
		t.Fatalf("load (%s; opset %d, bn %s, ops %v): %v", f.Covers, f.Opset, f.BN, f.Ops, err)
	}
	if m.Level().Name() != eo.Level || m.Threads() != eo.Threads || m.MaxBatch() != eo.MaxBatch {
		t.Errorf("compiled for level %s, %d threads, batch %d; asked %+v", m.Level().Name(), m.Threads(), m.MaxBatch(), eo)
	}
	if got := m.Input().Shape; !slices.Equal(got[1:], s[1:]) {
		t.Errorf("input shape %v, fixture %v", got, s)
	}
	return m
}

// checkGraphOutputs runs batch images of src and compares every output the
// manifest lists, found by name, with want.
func checkGraphOutputs(t *testing.T, what string, m *engine.Model, f graphFixture, src []float32, batch int, wants [][]float64) {
	t.Helper()
	if len(m.Outputs()) != len(f.Outputs) {
		t.Errorf("%s: outputs %v, the manifest lists %d", what, m.Outputs(), len(f.Outputs))
	}
	dsts := make([][]float32, len(m.Outputs()))
	idx := make([]int, len(f.Outputs))
	for i, o := range f.Outputs {
		k := m.OutputIndex(o.Name)
		if k < 0 {
			t.Fatalf("%s: no output %q among %v", what, o.Name, m.Outputs())
		}
		if got := m.Outputs()[k].Shape; !slices.Equal(got[1:], o.Shape[1:]) {
			t.Errorf("%s: output %q shape %v, PyTorch %v", what, o.Name, got, o.Shape)
		}
		idx[i] = k
		dsts[k] = nanFilled(len(wants[i]))
	}
	if err := m.InferOutputs(context.Background(), src, batch, dsts); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i, o := range f.Outputs {
		got, want := dsts[idx[i]], wants[i]
		if d := testutil.RelL2(got, want); !(d <= f.Tolerance.RelL2) {
			t.Errorf("%s: %s: rel L2 %.3g from PyTorch > %g", what, o.Name, d, f.Tolerance.RelL2)
		}
		if o.Argmax {
			cols := o.Shape[len(o.Shape)-1]
			if g, w := argmaxRows(got, cols), argmaxRows(want, cols); !slices.Equal(g, w) {
				t.Errorf("%s: %s: arg-max %v, PyTorch %v", what, o.Name, g, w)
			}
		}
	}
}

// TestGraphTrainedHeldout runs all 360 held-out digits, decoded from the
// PNGs, through the two trained networks of testdata/graphs (option-A CIFAR
// ResNet-8 and SE-ResNet-8, raw torch.onnx.export files), at every level
// and for 1 and 2 threads: every prediction must be PyTorch's, and the
// logits within the manifest's tolerance. It logs the held-out accuracy.
// With -short only the active level runs.
func TestGraphTrainedHeldout(t *testing.T) {
	n := 0
	for _, f := range readGraphManifest(t) {
		if f.Kind != "trained" {
			continue
		}
		n++
		h := f.Heldout
		if h == nil || h.Count != len(h.Predictions) || h.Logits.Shape[0] != h.Count {
			t.Fatalf("%s: held-out set missing or inconsistent", f.File)
		}
		t.Run(strings.TrimSuffix(f.File, ".onnx"), func(t *testing.T) {
			x, labels := heldoutDigits(t, f.dir, h)
			first := readF32(t, f.path(f.Input.File), numel(f.Input.Shape))
			if !slices.Equal(first, x[:len(first)]) {
				t.Fatalf("inputs decoded from the PNGs differ from %s", f.Input.File)
			}
			want := readF64(t, f.path(h.Logits.File), numel(h.Logits.Shape))
			forLevels(t, func(t *testing.T, im *kernels.Impl) {
				if testing.Short() && im != kernels.Active() {
					t.Skip("-short: the held-out set runs at the active level only")
				}
				for _, threads := range []int{1, 2} {
					m := loadGraphFixture(t, f, engine.Options{Threads: threads, MaxBatch: 40, Level: im.Name()})
					checkHeldoutRun(t, m, x, labels, want, h, f.Tolerance.RelL2)
					m.Close()
				}
			})
		})
	}
	if n != 2 {
		t.Errorf("%d trained fixtures, want 2", n)
	}
}

// checkHeldoutRun infers the held-out set and compares with PyTorch.
func checkHeldoutRun(t *testing.T, m *engine.Model, x []float32, labels []int, want []float64, h *graphHeldout, tol float64) {
	t.Helper()
	classes := h.Logits.Shape[1]
	got := nanFilled(h.Count * classes)
	if err := m.Infer(context.Background(), got, x, h.Count); err != nil {
		t.Fatal(err)
	}
	if d := testutil.RelL2(got, want); !(d <= tol) {
		t.Errorf("threads=%d: held-out logits rel L2 %.3g > %g", m.Threads(), d, tol)
	}
	correct, differ := 0, 0
	for i, p := range argmaxRows(got, classes) {
		if p != h.Predictions[i] {
			differ++
			t.Errorf("threads=%d: held-out image %d: class %d, PyTorch %d", m.Threads(), i, p, h.Predictions[i])
		}
		if p == labels[i] {
			correct++
		}
	}
	t.Logf("threads=%d: held-out accuracy %d/%d = %.2f %% (PyTorch %.2f %%), %d predictions differ from PyTorch, logits rel L2 %.3g",
		m.Threads(), correct, h.Count, 100*float64(correct)/float64(h.Count), 100*h.Accuracy, differ, testutil.RelL2(got, want))
}

// TestGraphZeroAllocs: a warm model compiled by LoadModel makes no heap
// allocation per inference, for 1 and 2 threads, on the table rows'
// fixtures (BN fused and kept).
func TestGraphZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, f := range readGraphManifest(t) {
		if f.Kind != "table" {
			continue
		}
		src := readF32(t, f.path(f.Input.File), numel(f.Input.Shape))
		n := f.Input.Shape[0]
		for _, threads := range []int{1, 2} {
			m := loadGraphFixture(t, f, engine.Options{Threads: threads, MaxBatch: n, Level: kernels.Active().Name()})
			dsts := make([][]float32, len(m.Outputs()))
			for i, o := range m.Outputs() {
				dsts[i] = make([]float32, n*o.Len())
			}
			ctx := context.Background()
			if err := m.InferOutputs(ctx, src, n, dsts); err != nil {
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(20, func() { _ = m.InferOutputs(ctx, src, n, dsts) }); a != 0 {
				t.Errorf("%s threads=%d: %v allocations per inference", f.File, threads, a)
			}
			m.Close()
		}
	}
}
