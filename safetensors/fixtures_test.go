package safetensors

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/testutil"
)

// wantShapes lists every tensor a fixture of arch a must hold, with its
// shape, following torchvision's naming (and bn_final for v2), written out
// from the architecture independently of the generating script.
func wantShapes(a testutil.FixtureArch) map[string][]int {
	m := map[string][]int{}
	bn := func(p string, c int) {
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			m[p+"."+s] = []int{c}
		}
	}
	conv := func(p string, cout, cin, k int) { m[p+".weight"] = []int{cout, cin, k, k} }
	v2 := a.Version == "v2"
	conv("conv1", a.Width, 3, 7)
	bn("bn1", a.Width)
	in := a.Width
	for i, n := range a.Layers {
		planes := a.Width << i
		width, exp := planes, 1
		if a.Block == "bottleneck" {
			width, exp = planes*a.WidthPerGroup/64*a.Groups, 4
		}
		out := planes * exp
		for j := 0; j < n; j++ {
			p := fmt.Sprintf("layer%d.%d.", i+1, j)
			if v2 {
				bn(p+"bn1", in)
			}
			if a.Block == "basic" {
				conv(p+"conv1", planes, in, 3)
				conv(p+"conv2", planes, planes, 3)
			} else {
				conv(p+"conv1", width, in, 1)
				conv(p+"conv2", width, width/a.Groups, 3)
				conv(p+"conv3", out, width, 1)
			}
			switch {
			case v2 && a.Block == "basic":
				bn(p+"bn2", planes)
			case v2:
				bn(p+"bn2", width)
				bn(p+"bn3", width)
			case a.Block == "basic":
				bn(p+"bn1", planes)
				bn(p+"bn2", planes)
			default:
				bn(p+"bn1", width)
				bn(p+"bn2", width)
				bn(p+"bn3", out)
			}
			if j == 0 && (i > 0 || in != out) {
				conv(p+"downsample.0", out, in, 1)
				if !v2 {
					bn(p+"downsample.1", out)
				}
			}
			in = out
		}
	}
	if v2 {
		bn("bn_final", in)
	}
	m["fc.weight"] = []int{a.Classes, in}
	m["fc.bias"] = []int{a.Classes}
	return m
}

func TestFixtures(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "*.json"))
	if err != nil || len(paths) < 7 {
		t.Fatalf("found %d fixture sidecars in ../testdata (err %v), want at least 7", len(paths), err)
	}
	checkFixtures(t, paths)
}

// TestLargeFixtures checks the full-size models that
// scripts/export_onnx.py --large writes to testdata/large/ (not committed),
// when they are there.
func TestLargeFixtures(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "large", "*.json"))
	if testing.Short() || len(paths) == 0 {
		t.Skip("no testdata/large fixtures (scripts/export_onnx.py --large), or -short")
	}
	checkFixtures(t, paths)
}

func checkFixtures(t *testing.T, paths []string) {
	for _, jp := range paths {
		name := strings.TrimSuffix(filepath.Base(jp), ".json")
		t.Run(name, func(t *testing.T) {
			a, err := testutil.ReadFixtureArch(jp)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(strings.TrimSuffix(jp, ".json") + ".safetensors")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkFixture(t, f, a)
		})
	}
}

func checkFixture(t *testing.T, f *File, a testutil.FixtureArch) {
	if f.Metadata["gorn.arch"] == "" {
		t.Error("no gorn.arch metadata")
	}
	want := wantShapes(a)
	n, c := a.InputShape[0], a.Classes
	want["__input__"] = a.InputShape
	want["__expected__"] = []int{n, c}
	var missing, extra []string
	for name := range want {
		if _, ok := f.Tensor(name); !ok {
			missing = append(missing, name)
		}
	}
	for _, tn := range f.Tensors() {
		w, ok := want[tn.Name]
		if !ok {
			extra = append(extra, tn.Name)
			continue
		}
		if !sameShape(tn.Shape, w) {
			t.Errorf("%s: shape %v, want %v", tn.Name, tn.Shape, w)
		}
		wantType := F32
		if tn.Name == "__expected__" {
			wantType = F64
		}
		if tn.DType != wantType {
			t.Errorf("%s: dtype %s, want %s", tn.Name, tn.DType, wantType)
		}
		v, err := tn.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) || strings.HasSuffix(tn.Name, "running_var") && x <= 0 {
				t.Fatalf("%s[%d] = %v", tn.Name, i, x)
			}
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("missing tensors %v, unexpected tensors %v", missing, extra)
	}
	if len(a.StageOut) != len(a.Layers) || a.StageOut[len(a.StageOut)-1] != want["fc.weight"][1] {
		t.Errorf("stage_out_channels %v disagrees with fc input %d", a.StageOut, want["fc.weight"][1])
	}
}

// TestDTypesFixture checks the F16, BF16, F32 and F64 conversions against
// PyTorch's, on the values in testdata/dtypes.safetensors.
func TestDTypesFixture(t *testing.T) {
	f, err := Open(filepath.Join("..", "testdata", "dtypes.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, dt := range []string{"f64", "f32", "f16", "bf16"} {
		src, err := f.Get(dt)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := f.Get(dt + "_as_f64")
		if err != nil {
			t.Fatal(err)
		}
		if src.DType != strings.ToUpper(dt) || ref.DType != F64 {
			t.Fatalf("%s: dtypes %s, %s", dt, src.DType, ref.DType)
		}
		want, _ := ref.Float64s()
		got64, err := src.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		got32, err := src.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			if !sameFloat(got64[i], w) || !sameFloat(float64(got32[i]), float64(float32(w))) {
				t.Errorf("%s[%d]: got %v (f64) %v (f32), want %v", dt, i, got64[i], got32[i], w)
			}
		}
	}
}

// sameFloat is == with NaN equal to NaN and -0 distinct from +0.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

// TestONNXManifest checks that every ONNX fixture listed in
// testdata/onnx/manifest.json exists and names a fixture holding its input
// and expected logits, with enough images.
func TestONNXManifest(t *testing.T) {
	dir := filepath.Join("..", "testdata", "onnx")
	js, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		File, Fixture, Input, Expected, BN, Batch string
		Opset, Images                             int
	}
	if err := json.Unmarshal(js, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 13 {
		t.Fatalf("%d manifest entries, want at least 13", len(entries))
	}
	for _, e := range entries {
		if st, err := os.Stat(filepath.Join(dir, e.File)); err != nil || st.Size() == 0 || st.Size() > 1<<20 {
			t.Errorf("%s: missing, empty or over 1 MB (%v)", e.File, err)
		}
		f, err := Open(filepath.Join("..", "testdata", e.Fixture))
		if err != nil {
			t.Fatalf("%s: %v", e.File, err)
		}
		in, ok1 := f.Tensor(e.Input)
		exp, ok2 := f.Tensor(e.Expected)
		switch {
		case !ok1 || !ok2:
			t.Errorf("%s: fixture %s lacks %s or %s", e.File, e.Fixture, e.Input, e.Expected)
		case e.Images < 1 || e.Images > in.Shape[0] || e.Images > exp.Shape[0]:
			t.Errorf("%s: %d images, fixture has %d", e.File, e.Images, in.Shape[0])
		case e.Batch == "1" && e.Images != 1, e.Batch == "dynamic" && e.Images != in.Shape[0]:
			t.Errorf("%s: batch %s but %d images", e.File, e.Batch, e.Images)
		}
		f.Close()
	}
}
