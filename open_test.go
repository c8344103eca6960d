package gorn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/internal/onnxedit"
	"github.com/gorn-ml/gorn/internal/statedict"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

const digitsModel = "testdata/digits/digits_resnet.onnx"

// heldout returns the digits' held-out files and PyTorch's predictions.
func heldout(t *testing.T, n int) ([][]byte, []int) {
	t.Helper()
	var s struct {
		Files       []string `json:"files"`
		Predictions []int    `json:"predictions"`
	}
	b, err := os.ReadFile("testdata/digits/pytorch.json")
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		t.Fatal(err)
	}
	n = min(n, len(s.Files))
	imgs := make([][]byte, n)
	for i := range n {
		if imgs[i], err = os.ReadFile(filepath.Join("testdata/digits/heldout", s.Files[i])); err != nil {
			t.Fatal(err)
		}
	}
	return imgs, s.Predictions[:n]
}

func mustOpen(t *testing.T, open func() (*gorn.Classifier, error)) *gorn.Classifier {
	t.Helper()
	c, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// checkDigits classifies held-out digits and compares with PyTorch.
func checkDigits(t *testing.T, name string, c *gorn.Classifier, n int) {
	t.Helper()
	imgs, want := heldout(t, n)
	for i, data := range imgs {
		top, err := c.ClassifyBytes(context.Background(), data, 1)
		if err != nil {
			t.Fatalf("%s: image %d: %v", name, i, err)
		}
		if top[0].Index != want[i] || top[0].Label != string(rune('0'+want[i])) {
			t.Fatalf("%s: image %d: %+v, PyTorch says %d", name, i, top[0], want[i])
		}
	}
}

// Issue 15, row 1: one call loads the model with its metadata's labels and
// preprocessing, from a path, bytes or an io.ReaderAt.
func TestOpenHonoursMetadata(t *testing.T) {
	c := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsModel, &gorn.Options{Threads: 1}) })
	if h, w := c.InputSize(); h != 32 || w != 32 || c.Classes() != 10 || len(c.Labels()) != 10 || c.Labels()[7] != "7" {
		t.Fatalf("InputSize %dx%d, %d classes, labels %q", h, w, c.Classes(), c.Labels())
	}
	if p := c.Preprocessing(); p.Resize != 32 {
		t.Errorf("preprocessing %+v, want the metadata's resize 32", p)
	}
	checkDigits(t, "Open", c, 40)
	data, err := os.ReadFile(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	checkDigits(t, "OpenBytes", mustOpen(t, func() (*gorn.Classifier, error) { return gorn.OpenBytes(data, nil) }), 10)
	checkDigits(t, "OpenReader", mustOpen(t, func() (*gorn.Classifier, error) {
		return gorn.OpenReader(bytes.NewReader(data), int64(len(data)), nil)
	}), 10)
	// The caller's labels win; a wrong count is an error naming the file.
	letters := strings.Split("abcdefghij", "")
	c2 := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsModel, &gorn.Options{Labels: letters}) })
	if c2.Labels()[3] != "d" {
		t.Errorf("labels %q", c2.Labels())
	}
	if _, err := gorn.Open(digitsModel, &gorn.Options{Labels: letters[:3]}); err == nil || !strings.Contains(err.Error(), digitsModel) {
		t.Errorf("3 labels for 10 classes: %v", err)
	}
}

// digitsSafetensors writes the digits model's weights and metadata as a
// safetensors state dict, with extra metadata entries.
func digitsSafetensors(t *testing.T, extra map[string]string) string {
	t.Helper()
	m, err := onnx.Load(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	data, err := statedict.Safetensors(m, extra)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "digits.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A safetensors state dict with the same metadata keys gives the same
// answers as the ONNX export.
func TestOpenSafetensors(t *testing.T) {
	path := digitsSafetensors(t, nil)
	checkDigits(t, "safetensors", mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(path, nil) }), 20)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkDigits(t, "safetensors bytes", mustOpen(t, func() (*gorn.Classifier, error) { return gorn.OpenBytes(data, nil) }), 5)
	// Both frontends give the same embedding: the state dict's "features"
	// output and the value the ONNX graph's Gemm reads.
	st := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(path, &gorn.Options{Threads: 1}) })
	ox := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsModel, &gorn.Options{Threads: 1}) })
	imgs, _ := heldout(t, 1)
	img, _, err := image.Decode(bytes.NewReader(imgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	f1, err1 := st.Embed(context.Background(), img)
	f2, err2 := ox.Embed(context.Background(), img)
	if err1 != nil || err2 != nil || len(f1) != 64 || len(f2) != 64 {
		t.Fatalf("Embed: %d and %d features (%v, %v)", len(f1), len(f2), err1, err2)
	}
	for i := range f1 {
		if d := f1[i] - f2[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("feature %d: %g from the state dict, %g from ONNX", i, f1[i], f2[i])
		}
	}
}

// Issue 15, rows 4-6 and 12: threads, sizes from the model file and broken
// files give errors (naming the file) before anything large is allocated.
func TestOpenLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full, err := os.ReadFile(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	text := write("text.onnx", []byte("Once upon a time there was a model.\n"))
	empty := write("empty.onnx", nil)
	trunc := write("trunc.onnx", full[:len(full)*2/3])
	bigCrop := digitsSafetensors(t, map[string]string{onnx.MetaCrop: "16384"})
	bigResize := digitsSafetensors(t, map[string]string{onnx.MetaResize: "16000", onnx.MetaCrop: "32"})
	for _, tc := range []struct {
		name, path string
		o          *gorn.Options
		want       []string
	}{
		{"threads -5", digitsModel, &gorn.Options{Threads: -5}, []string{"Threads -5 is negative"}},
		{"threads 10M", digitsModel, &gorn.Options{Threads: 10_000_000}, []string{"exceeds MaxThreads (256)"}},
		{"text file", text, nil, []string{text, "not an ONNX model"}},
		{"empty file", empty, nil, []string{empty, "empty file"}},
		{"truncated", trunc, nil, []string{trunc, "truncated"}},
		{"crop 16384 from metadata", bigCrop, nil, []string{bigCrop, "16384x16384 exceeds", "MaxInputPixels"}},
		{"resize 16000 from metadata", bigResize, nil, []string{bigResize, "resize 16000", "MaxPixels"}},
		{"workspace", digitsModel, &gorn.Options{MaxWorkspaceBytes: 1000}, []string{"workspace", "MaxWorkspaceBytes"}},
		{"unknown extension", "testdata/digits/heldout_inputs.f32", nil, []string{"want a .onnx or .safetensors"}},
	} {
		c, err := gorn.Open(tc.path, tc.o)
		if err == nil {
			c.Close()
			t.Errorf("%s: opened", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tc.name, err, w)
			}
		}
	}
	// The caller may raise a cap: a 48x48 input within 2500 pixels.
	o := &gorn.Options{Preprocess: &preprocess.Options{Resize: 48, CropWidth: 48, CropHeight: 48}, MaxInputPixels: 2500}
	c := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsSafetensors(t, nil), o) })
	if h, w := c.InputSize(); h != 48 || w != 48 {
		t.Errorf("input %dx%d, want 48x48", h, w)
	}
	o.MaxInputPixels = 2000
	if _, err := gorn.Open(digitsSafetensors(t, nil), o); err == nil {
		t.Error("48x48 accepted with MaxInputPixels 2000")
	}
}

// Every image the classifier cannot take wraps ErrBadImage (issue 15,
// rows 9 and 18), and oversized ones preprocess.ErrTooLarge too.
func TestErrBadImage(t *testing.T) {
	c := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsModel, &gorn.Options{Threads: 1}) })
	imgs, _ := heldout(t, 1)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		data  []byte
		large bool
	}{
		{"junk", []byte("not an image"), false},
		{"empty", nil, false},
		{"truncated png", imgs[0][:len(imgs[0])/2], false},
		{"40000000x1 grey png", testutil.PNG(40_000_000, 1, 8, 0), true},
		{"8000x5000 progressive jpeg", testutil.ProgressiveJPEG(8000, 5000, 1, 1, false), true},
	} {
		_, err := c.ClassifyBytes(ctx, tc.data, 1)
		if !errors.Is(err, gorn.ErrBadImage) || errors.Is(err, preprocess.ErrTooLarge) != tc.large {
			t.Errorf("%s: %v", tc.name, err)
		}
		_, err = c.ClassifyReader(ctx, bytes.NewReader(tc.data), 1)
		if !errors.Is(err, gorn.ErrBadImage) {
			t.Errorf("%s: ClassifyReader: %v", tc.name, err)
		}
	}
	// An image too large for the resize, given already decoded.
	if _, err := c.Classify(ctx, image.NewGray(image.Rect(0, 0, 40_000_000, 1)), 1); !errors.Is(err, gorn.ErrBadImage) {
		t.Errorf("decoded 40000000x1 image: %v", err)
	}
}

// ClassifyBatch gives what Classify gives, over passes of MaxBatch; the
// embedding has the model's feature width; predictions marshal with
// lower-case keys.
func TestClassifyBatchAndEmbed(t *testing.T) {
	c := mustOpen(t, func() (*gorn.Classifier, error) {
		return gorn.Open(digitsModel, &gorn.Options{Threads: 1, MaxBatch: 3})
	})
	data, want := heldout(t, 7)
	imgs := make([]image.Image, len(data))
	for i, d := range data {
		var err error
		if imgs[i], _, err = image.Decode(bytes.NewReader(d)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	got, err := c.ClassifyBatch(ctx, imgs, 2)
	if err != nil || len(got) != len(imgs) {
		t.Fatalf("ClassifyBatch: %d answers, %v", len(got), err)
	}
	for i, img := range imgs {
		one, err := c.Classify(ctx, img, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got[i][0] != one[0] || got[i][1] != one[1] || one[0].Index != want[i] {
			t.Errorf("image %d: batch %+v, single %+v, PyTorch %d", i, got[i], one, want[i])
		}
	}
	feat, err := c.Embed(ctx, imgs[0])
	if err != nil || len(feat) != 64 { // width 8 x 8 in the last stage
		t.Errorf("Embed: %d features, %v", len(feat), err)
	}
	b, err := json.Marshal(got[0][0])
	if err != nil || !strings.HasPrefix(string(b), `{"index":7,"label":"7","probability":0.9`) {
		t.Errorf("JSON %s, %v", b, err)
	}
}

// Issue 12, item 4: a graph that ends in pooled features is an embedding
// model: Embed gives the classifier's features (the fc layer's input),
// Classify says there are no classes. Options name the outputs.
func TestOpenEmbeddingModel(t *testing.T) {
	full, err := os.ReadFile(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	data, err := onnxedit.SetOutputs(full, "/Flatten_output_0")
	if err != nil {
		t.Fatal(err)
	}
	emb := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.OpenBytes(data, &gorn.Options{Threads: 1}) })
	cls := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(digitsModel, &gorn.Options{Threads: 1}) })
	if emb.Classes() != 0 || emb.EmbeddingSize() != 64 || cls.Classes() != 10 || cls.EmbeddingSize() != 64 {
		t.Fatalf("embedding model: %d classes, %d features; classifier: %d, %d",
			emb.Classes(), emb.EmbeddingSize(), cls.Classes(), cls.EmbeddingSize())
	}
	imgs, _ := heldout(t, 2)
	ctx := context.Background()
	for i, b := range imgs {
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		f1, err1 := emb.Embed(ctx, img)
		f2, err2 := cls.Embed(ctx, img)
		if err1 != nil || err2 != nil || len(f1) != 64 || !slices.Equal(f1, f2) {
			t.Errorf("image %d: embeddings differ (%v, %v)", i, err1, err2)
		}
	}
	if _, err := emb.ClassifyBytes(ctx, imgs[0], 1); !errors.Is(err, gorn.ErrNoClasses) {
		t.Errorf("Classify on an embedding model: %v", err)
	}
	both, err := onnxedit.SetOutputs(full, "/avgpool/GlobalAveragePool_output_0", "logits")
	if err != nil {
		t.Fatal(err)
	}
	c := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.OpenBytes(both, nil) })
	if o := c.Outputs(); len(o) != 2 || c.Classes() != 10 || c.EmbeddingSize() != 64 {
		t.Errorf("features and logits: outputs %v, %d classes, %d features", o, c.Classes(), c.EmbeddingSize())
	}
	checkDigits(t, "logits second", c, 5)
	if _, err := gorn.OpenBytes(both, &gorn.Options{Output: "nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown output: %v", err)
	}
	swapped := mustOpen(t, func() (*gorn.Classifier, error) {
		return gorn.OpenBytes(both, &gorn.Options{Output: "/avgpool/GlobalAveragePool_output_0", EmbeddingOutput: "logits",
			Labels: make([]string, 64)})
	})
	if swapped.Classes() != 64 || swapped.EmbeddingSize() != 10 {
		t.Errorf("named outputs: %d classes, %d features", swapped.Classes(), swapped.EmbeddingSize())
	}
}

// Options.Filter forces either filter over the model's metadata;
// Preprocess.Filter can only ask for Bicubic (its zero value is Bilinear).
func TestOpenFilterOverride(t *testing.T) {
	path := digitsSafetensors(t, map[string]string{"gorn.preprocess.filter": "bicubic"})
	bilinear, bicubic := preprocess.Bilinear, preprocess.Bicubic
	for _, tc := range []struct {
		name string
		o    *gorn.Options
		want preprocess.Filter
	}{
		{"metadata", nil, preprocess.Bicubic},
		{"preprocess zero value", &gorn.Options{Preprocess: &preprocess.Options{}}, preprocess.Bicubic},
		{"force bilinear", &gorn.Options{Filter: &bilinear}, preprocess.Bilinear},
		{"force bicubic", &gorn.Options{Filter: &bicubic}, preprocess.Bicubic},
	} {
		c := mustOpen(t, func() (*gorn.Classifier, error) { return gorn.Open(path, tc.o) })
		if got := c.Preprocessing().Filter; got != tc.want {
			t.Errorf("%s: filter %v, want %v", tc.name, got, tc.want)
		}
	}
}
