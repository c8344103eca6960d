package onnx

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/resnet"
)

// arch is the sidecar as a resnet.Arch.
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
