package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/resnet"
)

// ModelConfig says which model to load and how to prepare images for it.
type ModelConfig struct {
	// Path is an .onnx file.
	Path string
	// Threads is the number of threads per inference (0: all CPUs).
	Threads int
	// Resize and Crop are the preprocessing sizes (preprocess.Options):
	// the shorter side is resized to Resize, then a Crop x Crop square is
	// cut from the centre: the model's input size.
	Resize, Crop int
	// MaxPixels bounds width x height of an upload, checked from the image
	// header before decoding (0: preprocess.DefaultMaxPixels).
	MaxPixels int
	// Labels names the classes in index order. nil means the ImageNet-1k
	// names for a model with 1000 classes, and no names otherwise.
	Labels []string
}

// ModelClassifier is a Classifier backed by a compiled resnet.Model.
type ModelClassifier struct {
	model  *resnet.Model
	opts   preprocess.Options
	labels []string
	bufs   sync.Pool // of *buffers
}

// buffers are one request's input tensor and logits.
type buffers struct {
	src, logits []float32
}

// NewModelClassifier loads and compiles the model of cfg.
func NewModelClassifier(cfg ModelConfig) (*ModelClassifier, error) {
	if cfg.Crop < 32 {
		return nil, fmt.Errorf("crop %d: the model needs at least 32x32 pixels", cfg.Crop)
	}
	f, err := onnx.LoadFile(cfg.Path, nil)
	if err != nil {
		return nil, err
	}
	arch, weights, err := f.ResNet()
	f.Close()
	if err != nil {
		return nil, err
	}
	m, err := resnet.New(arch, weights, &resnet.Options{Threads: cfg.Threads, Height: cfg.Crop, Width: cfg.Crop})
	if err != nil {
		return nil, err
	}
	c := &ModelClassifier{model: m, opts: preprocess.Options{
		Resize: cfg.Resize, CropWidth: cfg.Crop, CropHeight: cfg.Crop, MaxPixels: cfg.MaxPixels}}
	switch {
	case cfg.Labels != nil && len(cfg.Labels) != m.Classes():
		m.Close()
		return nil, fmt.Errorf("%d labels for %d classes", len(cfg.Labels), m.Classes())
	case cfg.Labels != nil:
		c.labels = cfg.Labels
	case m.Classes() == 1000:
		c.labels = preprocess.ImageNetLabels()
	}
	c.bufs.New = func() any {
		return &buffers{src: make([]float32, m.InputLen()), logits: make([]float32, m.Classes())}
	}
	return c, nil
}

// Close releases the model's threads.
func (c *ModelClassifier) Close() { c.model.Close() }

// Classify decodes and preprocesses the image, runs the model and returns
// the k most probable classes. Undecodable or oversized images give an
// error wrapping errBadImage.
func (c *ModelClassifier) Classify(ctx context.Context, data []byte, k int) ([]Prediction, error) {
	img, err := preprocess.Decode(bytes.NewReader(data), &c.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadImage, err)
	}
	b := c.bufs.Get().(*buffers)
	defer c.bufs.Put(b)
	if err := preprocess.TensorInto(b.src, img, &c.opts); err != nil {
		return nil, err
	}
	if err := c.model.Infer(ctx, b.logits, b.src, 1); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("inference: %w", err)
	}
	return c.top(b.logits, k), nil
}

// top returns the k most probable classes (softmax in float64).
func (c *ModelClassifier) top(logits []float32, k int) []Prediction {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case logits[a] > logits[b]:
			return -1
		case logits[a] < logits[b]:
			return 1
		}
		return 0
	})
	out := make([]Prediction, min(k, len(idx)))
	for r := range out {
		i := idx[r]
		out[r] = Prediction{Index: i, Probability: float32(math.Exp(float64(logits[i])-mx) / sum)}
		if c.labels != nil {
			out[r].Label = c.labels[i]
		}
	}
	return out
}
