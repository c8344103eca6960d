package modelfile

import (
	"context"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/internal/onnxedit"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/onnx"
)

const digits = "../../testdata/digits/digits_resnet.onnx"

// The digits export's values: its pooled features, flattened and not, and
// its logits.
const (
	gap     = "/avgpool/GlobalAveragePool_output_0"
	flatten = "/Flatten_output_0"
)

// digitsWith opens the digits model with its graph outputs replaced.
func digitsWith(t *testing.T, outputs ...string) *File {
	t.Helper()
	data, err := os.ReadFile(digits)
	if err != nil {
		t.Fatal(err)
	}
	if outputs != nil {
		if data, err = onnxedit.SetOutputs(data, outputs...); err != nil {
			t.Fatal(err)
		}
	}
	f, err := FromBytes(data, "digits", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func compile(t *testing.T, f *File, features bool) *Model {
	t.Helper()
	m, err := f.Compile(&CompileOptions{Threads: 1, MaxBatch: 2, Features: features})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// heldout returns n held-out digit images, preprocessed.
func heldout(t *testing.T, n int) []float32 {
	t.Helper()
	b, err := os.ReadFile("../../testdata/digits/heldout_inputs.f32")
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, n*3*32*32)
	for i := range v {
		v[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return v
}

// Roles tells logits from pooled features in each form of the graph:
// a classifier (with the features exposed on request), an embedding model
// cut after Flatten or at the pooling itself, and a model with both
// outputs; names given override, unknown names are errors.
func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		outputs  []string
		features bool
		lo, em   int
		nout     int
	}{
		{"classifier", nil, false, 0, -1, 1},
		{"classifier+features", nil, true, 0, 1, 2},
		{"embedding flat", []string{flatten}, true, -1, 0, 1},
		{"embedding NCHW", []string{gap}, false, -1, 0, 1},
		{"both", []string{"logits", gap}, true, 0, 1, 2},
		{"features first", []string{flatten, "logits"}, false, 1, 0, 2},
		{"no pooling", []string{"/layer4/layer4.0/relu_1/Relu_output_0"}, false, 0, -1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := compile(t, digitsWith(t, tc.outputs...), tc.features)
			lo, em, err := m.Roles("", "")
			if err != nil || lo != tc.lo || em != tc.em || len(m.Outputs()) != tc.nout {
				t.Errorf("Roles: logits %d, embedding %d, %d outputs (%v); want %d, %d, %d", lo, em, len(m.Outputs()), err, tc.lo, tc.em, tc.nout)
			}
		})
	}
	m := compile(t, digitsWith(t, "logits", gap), false)
	if lo, em, err := m.Roles(gap, "logits"); err != nil || lo != 1 || em != 0 {
		t.Errorf("named roles: %d, %d, %v", lo, em, err)
	}
	if _, _, err := m.Roles("nope", ""); err == nil {
		t.Error("unknown logits output accepted")
	}
	if _, _, err := m.Roles("", "nope"); err == nil {
		t.Error("unknown embedding output accepted")
	}
}

// The embedding is the fc layer's input: the logits are fc.weight x
// features + fc.bias (computed here in float64), and the features are the
// same whether the graph ends at them or gorn exposes them.
func TestFeatures(t *testing.T) {
	const n = 2
	src := heldout(t, n)
	cls := compile(t, digitsWith(t), true)
	logits, feats := make([]float32, n*10), make([]float32, n*64)
	if err := cls.InferOutputs(context.Background(), src, n, [][]float32{logits, feats}); err != nil {
		t.Fatal(err)
	}
	emb := compile(t, digitsWith(t, flatten), false)
	feats2 := make([]float32, n*64)
	if err := emb.Infer(context.Background(), feats2, src, n); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(feats, feats2) {
		t.Error("the embedding model's features differ from the classifier's")
	}
	m, err := onnx.Load(digits)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var w, b []float32
	for i := range m.Graph.Initializers {
		in := &m.Graph.Initializers[i]
		switch in.Name {
		case "fc.weight":
			w, err = in.Float32s()
		case "fc.bias":
			b, err = in.Float32s()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := make([]float64, n*10)
	for i := range n {
		for c := range 10 {
			s := float64(b[c])
			for k := range 64 {
				s += float64(w[c*64+k]) * float64(feats[i*64+k])
			}
			want[i*10+c] = s
		}
	}
	if d := testutil.RelL2(logits, want); !(d <= 1e-5) {
		t.Errorf("logits vs fc(features): rel L2 %.3g", d)
	}
	var nonzero int
	for _, v := range feats {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero < len(feats)/4 {
		t.Errorf("only %d of %d features are non-zero", nonzero, len(feats))
	}
}
