package gorn_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

const digits = "testdata/digits"

// digitsClassifier loads the trained digits model with its preprocessing
// (resize and crop 32) and labels "0".."9".
func digitsClassifier(t *testing.T) *gorn.Classifier {
	t.Helper()
	m, err := onnx.LoadModel(filepath.Join(digits, "digits_resnet.onnx"), &onnx.CompileOptions{Engine: engine.Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	labels := strings.Split("0,1,2,3,4,5,6,7,8,9", ",")
	c, err := gorn.NewClassifier(m, labels, &preprocess.Options{Resize: 32})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Classify gives PyTorch's prediction on the held-out digits, from the PNG
// files, with probabilities that sum to one; concurrent calls agree.
func TestClassifyDigits(t *testing.T) {
	c := digitsClassifier(t)
	b, err := os.ReadFile(filepath.Join(digits, "pytorch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Files       []string `json:"files"`
		Predictions []int    `json:"predictions"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	const n = 60
	if len(ref.Files) < n {
		t.Fatalf("%d held-out files", len(ref.Files))
	}
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.Open(filepath.Join(digits, "heldout", ref.Files[i]))
			if err != nil {
				errs[i] = err.Error()
				return
			}
			defer f.Close()
			top, err := c.ClassifyReader(context.Background(), f, 10)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			var sum float64
			for _, p := range top {
				sum += p.Probability
			}
			switch {
			case top[0].Index != ref.Predictions[i] || top[0].Label != string(rune('0'+ref.Predictions[i])):
				errs[i] = "top class " + top[0].Label
			case math.Abs(sum-1) > 1e-9 || len(top) != 10:
				errs[i] = "probabilities do not sum to 1"
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("%s: %s (PyTorch predicts %d)", ref.Files[i], e, ref.Predictions[i])
		}
	}
}

func TestTopK(t *testing.T) {
	top := gorn.TopK([]float32{1, 3, 3, -1000, 10, float32(math.NaN())}, 6, []string{"a", "b", "c"})
	want := []int{4, 1, 2, 0, 3, 5}
	for i, p := range top {
		if p.Index != want[i] {
			t.Fatalf("order %v, want indices %v", top, want)
		}
	}
	if top[1].Label != "b" || top[0].Label != "" || top[4].Probability != 0 || !math.IsNaN(top[5].Probability) {
		t.Errorf("top %+v", top)
	}
	if p := 1 / (1 + 2*math.Exp(-7) + math.Exp(-9)); math.Abs(top[0].Probability-p) > 1e-12 {
		t.Errorf("top probability %.15f, want %.15f", top[0].Probability, p)
	}
	small := gorn.TopK([]float32{0, float32(math.Log(3))}, 5, nil)
	if len(small) != 2 || math.Abs(small[0].Probability-0.75) > 1e-7 || math.Abs(small[1].Probability-0.25) > 1e-7 {
		t.Errorf("softmax of [0, ln 3]: %+v", small)
	}
	inf := gorn.TopK([]float32{float32(math.Inf(1)), 5, float32(math.Inf(1))}, 3, nil)
	if inf[0].Probability != 0.5 || inf[1].Probability != 0.5 || inf[2].Probability != 0 || inf[1].Index != 2 {
		t.Errorf("+Inf logits: %+v", inf)
	}
	if gorn.TopK(nil, 3, nil) != nil || gorn.TopK([]float32{1}, 0, nil) != nil {
		t.Error("empty top-k not nil")
	}
}

func TestClassifierErrors(t *testing.T) {
	c := digitsClassifier(t)
	if _, err := c.Classify(context.Background(), nil, 0); err == nil {
		t.Error("k = 0 accepted")
	}
	if _, err := c.ClassifyReader(context.Background(), strings.NewReader("not an image"), 1); err == nil {
		t.Error("garbage accepted")
	}
	m, err := onnx.LoadModel(filepath.Join(digits, "digits_resnet.onnx"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := gorn.NewClassifier(m, []string{"x"}, &preprocess.Options{Resize: 32}); err == nil {
		t.Error("1 label for 10 classes accepted")
	}
	if _, err := gorn.NewClassifier(m, nil, &preprocess.Options{CropWidth: 224, CropHeight: 224}); err == nil {
		t.Error("crop 224 for a 32x32 model accepted")
	}
	if _, err := gorn.NewClassifier(nil, nil, nil); err == nil {
		t.Error("nil model accepted")
	}
}
