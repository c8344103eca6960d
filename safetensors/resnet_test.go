package safetensors_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/resnet"
	"github.com/gorn-ml/gorn/safetensors"
)

// A state dict in safetensors form compiles straight from the file: the
// architecture comes from the tensor shapes, and NewFrom decodes one layer
// at a time.
func Example_resnet() {
	arch := resnet.ResNet18().WithWidth(8).WithClasses(10)
	weights, _ := resnet.Random(arch, 1)
	var ts []safetensors.Tensor
	for _, k := range weights.Keys() {
		t, _ := safetensors.FromFloat32(k, weights[k].Shape, weights[k].Data)
		ts = append(ts, t)
	}
	file, _ := safetensors.Encode(ts, nil) // as written by safetensors.torch.save_file

	f, err := safetensors.Parse(file) // or safetensors.Open(path), which maps the file
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	a, err := resnet.ArchFromShapes(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := resnet.NewFrom(a, f, &resnet.Options{Height: 32, Width: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	fmt.Println(a, "->", m.Classes(), "logits")
	// Output: resnet18 width=8 classes=10 -> 10 logits
}

// stateDict hides the fixtures' extra tensors (__input__, __expected__),
// which are not part of the state dict.
type stateDict struct{ *safetensors.File }

func (s stateDict) Keys() []string {
	return slices.DeleteFunc(s.File.Keys(), func(k string) bool { return strings.HasPrefix(k, "__") })
}

// archOf is the resnet.Arch a fixture's sidecar names.
func archOf(s testutil.FixtureArch) resnet.Arch {
	a := resnet.Arch{Block: resnet.Basic, Layers: s.Layers, Width: s.Width, Groups: s.Groups,
		WidthPerGroup: s.WidthPerGroup, Classes: s.Classes, InChannels: 3, Eps: 1e-5}
	if s.Block == "bottleneck" {
		a.Block = resnet.Bottleneck
	}
	switch s.Version {
	case "v1":
		a.Version = resnet.V1
	case "v2":
		a.Version = resnet.V2
	}
	return a
}

// The architecture read from each PyTorch fixture's shapes is the one its
// sidecar names (V1 reads as V1_5: the shapes are the same), and the model
// compiled from the file reproduces PyTorch's logits. Without -short, the
// full-size models in testdata/large (scripts/export_onnx.py --large, not
// committed) have their shapes checked too.
func TestResNetFromFixtures(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/*.json")
	if len(paths) < 7 {
		t.Fatalf("found %d fixtures in ../testdata, want 7", len(paths))
	}
	large, _ := filepath.Glob("../testdata/large/*.json")
	if testing.Short() {
		large = nil
	}
	for _, jp := range append(paths, large...) {
		t.Run(filepath.Base(jp), func(t *testing.T) {
			sc, err := testutil.ReadFixtureArch(jp)
			if err != nil {
				t.Fatal(err)
			}
			f, err := safetensors.Open(strings.TrimSuffix(jp, ".json") + ".safetensors")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			src := stateDict{f}
			got, err := resnet.ArchFromShapes(src)
			if err != nil {
				t.Fatal(err)
			}
			want := archOf(sc)
			if want.Version == resnet.V1 {
				got.Version = resnet.V1
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Fatalf("ArchFromShapes\n got %+v\nwant %+v", got, want)
			}
			if !slices.Contains(paths, jp) {
				return // full-size: shapes only
			}
			checkLogits(t, f, got, sc.InputShape)
		})
	}
}

// checkLogits compiles a from the file and compares its logits on
// __input__ with __expected__.
func checkLogits(t *testing.T, f *safetensors.File, a resnet.Arch, shape []int) {
	n, h, w := shape[0], shape[2], shape[3]
	m, err := resnet.NewFrom(a, stateDict{f}, &resnet.Options{Height: h, Width: w, MaxBatch: n})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in, err := f.Float32s("__input__")
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.Get("__expected__")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := want.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, n*m.Classes())
	if err := m.Infer(context.Background(), got, in, n); err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i, e := range exp {
		d := float64(got[i]) - e
		num, den = num+d*d, den+e*e
	}
	if e := math.Sqrt(num / den); !(e <= 1e-4) {
		t.Errorf("rel L2 %.3g from PyTorch > 1e-4", e)
	}
}

// Float32s decodes a tensor by name, also after the mapped pages it read
// were dropped, and names a missing one.
func TestFileFloat32s(t *testing.T) {
	f, err := safetensors.Open("../testdata/resnet18_w4.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"layer4.1.conv2.weight", "fc.bias", "__input__"} {
		tn, err := f.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := tn.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got, err := f.Float32s(name)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("%s: Float32s differs from Tensor.Float32s (err %v)", name, err)
			}
		}
		if shape, ok := f.Shape(name); !ok || !slices.Equal(shape, tn.Shape) {
			t.Errorf("%s: Shape = %v, %v; want %v", name, shape, ok, tn.Shape)
		}
	}
	if _, err := f.Float32s("fc.weights"); !errors.Is(err, safetensors.ErrNotFound) || !strings.Contains(err.Error(), "fc.weights") {
		t.Errorf("missing tensor: %v", err)
	}
	if _, ok := f.Shape("fc.weights"); ok {
		t.Error("Shape of a missing tensor")
	}
	if !slices.Equal(f.Keys(), f.Names()) {
		t.Error("Keys differs from Names")
	}
	// The extra tensors are what stateDict hides: without it NewFrom
	// names them.
	_, err = resnet.NewFrom(resnet.ResNet18().WithWidth(4).WithClasses(10), f, nil)
	if err == nil || !strings.Contains(err.Error(), "unexpected keys for resnet18 width=4 classes=10: __expected__, __input__") {
		t.Errorf("NewFrom with extra tensors: %v", err)
	}
}
