package gorn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/resnet"
)

// Prediction is one class of a classification.
type Prediction struct {
	// Index is the class index (the logit's position).
	Index int
	// Label is the class name, or "" when the classifier has no labels.
	Label string
	// Probability is the class's softmax probability.
	Probability float64
}

// Classifier classifies images with a compiled model: preprocessing,
// inference, softmax and top-k. It is safe for concurrent use.
type Classifier struct {
	model  *resnet.Model
	labels []string
	opts   preprocess.Options
	bufs   sync.Pool // *buffers
}

type buffers struct {
	input, logits []float32
}

// NewClassifier wraps m. labels names the classes (nil: the ImageNet-1k
// names when the model has 1000 classes, none otherwise). opts sets the
// preprocessing (nil: torchvision's ImageNet transform); a zero crop size
// takes the model's input size.
func NewClassifier(m *resnet.Model, labels []string, opts *preprocess.Options) (*Classifier, error) {
	if m == nil {
		return nil, errors.New("gorn: nil model")
	}
	c := &Classifier{model: m, labels: labels}
	if opts != nil {
		c.opts = *opts
	}
	h, w := m.InputSize()
	if c.opts.CropWidth == 0 && c.opts.CropHeight == 0 {
		c.opts.CropWidth, c.opts.CropHeight = w, h
	}
	if c.opts.CropWidth != w || c.opts.CropHeight != h {
		return nil, fmt.Errorf("gorn: crop %dx%d, the model takes %dx%d images", c.opts.CropWidth, c.opts.CropHeight, w, h)
	}
	if labels == nil && m.Classes() == 1000 {
		c.labels = preprocess.ImageNetLabels()
	}
	if c.labels != nil && len(c.labels) != m.Classes() {
		return nil, fmt.Errorf("gorn: %d labels for %d classes", len(c.labels), m.Classes())
	}
	if err := preprocess.TensorInto(make([]float32, 3*w*h), image.NewGray(image.Rect(0, 0, 1, 1)), &c.opts); err != nil {
		return nil, err
	}
	c.bufs.New = func() any {
		return &buffers{input: make([]float32, m.InputLen()), logits: make([]float32, m.Classes())}
	}
	return c, nil
}

// Classify returns the k most probable classes of img, most probable first
// (ties by class index). k larger than the number of classes returns them
// all.
func (c *Classifier) Classify(ctx context.Context, img image.Image, k int) ([]Prediction, error) {
	if k < 1 {
		return nil, fmt.Errorf("gorn: k = %d, want at least 1", k)
	}
	b := c.bufs.Get().(*buffers)
	defer c.bufs.Put(b)
	if err := preprocess.TensorInto(b.input, img, &c.opts); err != nil {
		return nil, err
	}
	if err := c.model.Infer(ctx, b.logits, b.input, 1); err != nil {
		return nil, err
	}
	return TopK(b.logits, k, c.labels), nil
}

// ClassifyReader decodes a JPEG or PNG image from r (within the
// preprocessing limits) and classifies it.
func (c *Classifier) ClassifyReader(ctx context.Context, r io.Reader, k int) ([]Prediction, error) {
	img, err := preprocess.Decode(r, &c.opts)
	if err != nil {
		return nil, err
	}
	return c.Classify(ctx, img, k)
}

// TopK applies softmax to logits and returns the k most probable classes,
// most probable first, ties by class index. labels may be nil. Softmax is
// computed in float64 with the maximum subtracted, so large logits do not
// overflow. A NaN logit gets a NaN probability and sorts last; +Inf logits
// share probability 1.
func TopK(logits []float32, k int, labels []string) []Prediction {
	k = min(k, len(logits))
	if k < 1 {
		return nil
	}
	all := make([]Prediction, len(logits))
	for i, p := range softmax(logits) {
		all[i] = Prediction{Index: i, Probability: p}
		if i < len(labels) {
			all[i].Label = labels[i]
		}
	}
	slices.SortStableFunc(all, func(a, b Prediction) int {
		an, bn := math.IsNaN(a.Probability), math.IsNaN(b.Probability)
		if an || bn {
			return cmp.Compare(boolInt(an), boolInt(bn))
		}
		return cmp.Compare(b.Probability, a.Probability)
	})
	return all[:k]
}

// softmax in float64, ignoring NaN logits (their probability is NaN).
func softmax(logits []float32) []float64 {
	hi := math.Inf(-1)
	for _, v := range logits {
		if !math.IsNaN(float64(v)) {
			hi = max(hi, float64(v))
		}
	}
	p := make([]float64, len(logits))
	var sum float64
	for i, v := range logits {
		x := float64(v)
		switch {
		case math.IsNaN(x):
			p[i] = x
			continue
		case math.IsInf(hi, 1):
			p[i] = 0
			if math.IsInf(x, 1) {
				p[i] = 1
			}
		default:
			p[i] = math.Exp(x - hi)
		}
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
