package onnx

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/resnet"
)

// ResNetSource holds the same tensors as ResNet, read lazily from the
// file; once the model is closed, reading one is an error that names it.
func TestResNetSource(t *testing.T) {
	for _, name := range []string{"bottleneck_v15_w4_kept_b1.onnx", "preact18_w4_fused_b1.onnx"} {
		m, err := Load(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		a, w, err := m.ResNet()
		if err != nil {
			t.Fatal(err)
		}
		a2, src, err := m.ResNetSource()
		if err != nil {
			t.Fatal(err)
		}
		if a.String() != a2.String() {
			t.Errorf("%s: ResNetSource arch %v, ResNet %v", name, a2, a)
		}
		if !slices.Equal(src.Keys(), w.Keys()) {
			t.Errorf("%s: keys differ:\n%v\n%v", name, src.Keys(), w.Keys())
		}
		for k, want := range w {
			shape, ok := src.Shape(k)
			got, err := src.Float32s(k)
			if !ok || err != nil || !slices.Equal(shape, want.Shape) || !slices.Equal(got, want.Data) {
				t.Errorf("%s: %s: shape %v (%v), err %v; want shape %v and ResNet's values", name, k, shape, ok, err, want.Shape)
			}
		}
		if _, err := src.Float32s("layer9.0.conv1.weight"); err == nil {
			t.Errorf("%s: no error for a missing key", name)
		}
		m.Close()
		_, err = resnet.NewFrom(a2, src, &resnet.Options{Height: 64, Width: 64})
		if err == nil || !strings.Contains(err.Error(), "conv1.weight") || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s: compiling after Close: %v", name, err)
		}
	}
}
