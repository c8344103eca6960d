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

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/preprocess"
)

// Prediction is one class of a classification. It marshals to JSON as
// {"index":258,"label":"Samoyed","probability":0.87}.
type Prediction struct {
	// Index is the class index (the logit's position).
	Index int `json:"index"`
	// Label is the class name, or "" when the classifier has no labels.
	Label string `json:"label,omitempty"`
	// Probability is the class's softmax probability.
	Probability float64 `json:"probability"`
}

// ErrBadImage marks an image the classifier cannot take: not a decodable
// JPEG or PNG, or over a size or memory limit (then the error also wraps
// preprocess.ErrTooLarge). A service answers it with a 4xx status; any
// other error of Classify is the server's.
var ErrBadImage = errors.New("gorn: bad image")

// ErrNoEmbedding reports a model that cannot give an embedding.
var ErrNoEmbedding = errors.New("gorn: the model gives no embedding")

// ErrNoClasses reports a model that gives no class scores: an embedding
// model, whose output is pooled features (use Embed).
var ErrNoClasses = errors.New("gorn: the model gives no class scores (an embedding model: use Embed)")

// Classifier classifies images with a compiled model: preprocessing,
// inference, softmax and top-k, and embeddings. It is safe for concurrent
// use.
type Classifier struct {
	eng    *engine.Model
	close  func() // releases the model Open made; nil for NewClassifier
	logits int    // output index of the logits, -1 if none
	embed  int    // output index of the embedding, -1 if none
	h, w   int
	labels []string
	opts   preprocess.Options
	bufs   sync.Pool // *buffers
}

type buffers struct {
	input, logits []float32
	dsts          [][]float32 // one per output, for InferOutputs
}

// NewClassifier wraps m, a compiled graph (onnx.LoadModel, or
// resnet.Model.Engine for a named architecture). Its first output gives the
// logits; an output called "features", when there is one, the embedding
// (Embed). labels names the classes (nil: the ImageNet-1k names when the
// model has 1000 classes, none otherwise). opts sets the preprocessing
// (nil: torchvision's ImageNet transform); a zero crop size takes the
// model's input size. The caller keeps m: Close leaves it open. Open loads
// a model file with its metadata in one call, and tells logits and
// embeddings apart by the graph.
func NewClassifier(m *engine.Model, labels []string, opts *preprocess.Options) (*Classifier, error) {
	if m == nil {
		return nil, errors.New("gorn: nil model")
	}
	return newClassifier(m, 0, m.OutputIndex("features"), labels, opts)
}

// newClassifier wraps m with the logits in output lo and the embedding in
// output em (-1: none).
func newClassifier(m *engine.Model, lo, em int, labels []string, opts *preprocess.Options) (*Classifier, error) {
	in := m.Input()
	if len(in.Shape) != 4 {
		return nil, fmt.Errorf("gorn: %w", fmt.Errorf("the model's input %q has shape %v; images need [N 3 H W]", in.Name, in.Shape))
	}
	c := &Classifier{eng: m, logits: lo, embed: em, labels: labels, h: in.Shape[2], w: in.Shape[3]}
	if opts != nil {
		c.opts = *opts
	}
	h, w := c.h, c.w
	if c.opts.CropWidth == 0 && c.opts.CropHeight == 0 {
		c.opts.CropWidth, c.opts.CropHeight = w, h
	}
	if c.opts.CropWidth != w || c.opts.CropHeight != h {
		return nil, fmt.Errorf("gorn: %w", fmt.Errorf("crop %dx%d, the model takes %dx%d images", c.opts.CropWidth, c.opts.CropHeight, w, h))
	}
	classes := c.Classes()
	switch {
	case classes == 0: // an embedding model: no classes to name
		c.labels = nil
	case labels == nil && classes == 1000:
		c.labels = preprocess.ImageNetLabels()
	}
	if c.labels != nil && len(c.labels) != classes {
		return nil, fmt.Errorf("gorn: %w", fmt.Errorf("%d labels for %d classes", len(c.labels), classes))
	}
	if err := preprocess.TensorInto(make([]float32, 3*w*h), image.NewGray(image.Rect(0, 0, 1, 1)), &c.opts); err != nil {
		return nil, fmt.Errorf("gorn: %w", err)
	}
	if m.InputLen() != 3*w*h {
		return nil, fmt.Errorf("gorn: %w", fmt.Errorf("the model takes %d input channels; images have 3", m.InputLen()/(w*h)))
	}
	nout := len(m.Outputs())
	c.bufs.New = func() any {
		return &buffers{input: make([]float32, m.InputLen()), logits: make([]float32, classes), dsts: make([][]float32, nout)}
	}
	return c, nil
}

// infer runs n images of src and writes the logits to logits and the
// embedding to features (either may be nil: not written).
func (c *Classifier) infer(ctx context.Context, b *buffers, src, logits, features []float32, n int) error {
	clear(b.dsts)
	if logits != nil {
		b.dsts[c.logits] = logits
	}
	if features != nil {
		b.dsts[c.embed] = features
	}
	return c.eng.InferOutputs(ctx, src, n, b.dsts)
}

// Close releases the model that Open loaded; a Classifier made by
// NewClassifier leaves its model to the caller. Classifications running
// are waited for; later ones fail.
func (c *Classifier) Close() {
	if c.close != nil {
		c.close()
	}
}

// Labels returns the class names in index order (a copy), or nil.
func (c *Classifier) Labels() []string { return append([]string(nil), c.labels...) }

// InputSize returns the image height and width the model takes.
func (c *Classifier) InputSize() (h, w int) { return c.h, c.w }

// Classes is the number of classes (logits) the model outputs, 0 for an
// embedding model.
func (c *Classifier) Classes() int {
	if c.logits < 0 {
		return 0
	}
	return c.eng.Outputs()[c.logits].Len()
}

// EmbeddingSize is the length of the vectors Embed returns, 0 when the
// model gives no embedding.
func (c *Classifier) EmbeddingSize() int {
	if c.embed < 0 {
		return 0
	}
	return c.eng.Outputs()[c.embed].Len()
}

// Outputs describes the model's outputs (names and per-image NCHW shapes),
// in the graph's order.
func (c *Classifier) Outputs() []engine.TensorInfo { return c.eng.Outputs() }

// Engine returns the compiled model the Classifier runs: its plan, its
// workspace size and the calls that fill any of its outputs. Close (of a
// Classifier made by Open) closes it.
func (c *Classifier) Engine() *engine.Model { return c.eng }

// Preprocessing returns the preprocessing applied to each image, with the
// model's metadata and the caller's overrides merged.
func (c *Classifier) Preprocessing() preprocess.Options {
	o := c.opts
	o.Mean, o.Std = slices.Clone(o.Mean), slices.Clone(o.Std)
	return o
}

// Classify returns the k most probable classes of img, most probable first
// (ties by class index). k larger than the number of classes returns them
// all. An image the preprocessing cannot take gives an error wrapping
// ErrBadImage.
func (c *Classifier) Classify(ctx context.Context, img image.Image, k int) ([]Prediction, error) {
	if k < 1 {
		return nil, fmt.Errorf("gorn: k = %d, want at least 1", k)
	}
	if c.logits < 0 {
		return nil, ErrNoClasses
	}
	b := c.bufs.Get().(*buffers)
	defer c.bufs.Put(b)
	if err := preprocess.TensorInto(b.input, img, &c.opts); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, err)
	}
	if err := c.infer(ctx, b, b.input, b.logits, nil, 1); err != nil {
		return nil, err
	}
	return TopK(b.logits, k, c.labels), nil
}

// ClassifyReader decodes a JPEG or PNG image from r (within the
// preprocessing limits) and classifies it. An image that does not decode,
// or is over a limit, gives an error wrapping ErrBadImage.
func (c *Classifier) ClassifyReader(ctx context.Context, r io.Reader, k int) ([]Prediction, error) {
	limit := c.opts.MaxBytes
	if limit <= 0 {
		limit = preprocess.DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("gorn: reading the image: %w", err) // the reader's failure, not the image's
	}
	return c.ClassifyBytes(ctx, data, k)
}

// ClassifyBytes is ClassifyReader of an encoded image held in data.
func (c *Classifier) ClassifyBytes(ctx context.Context, data []byte, k int) ([]Prediction, error) {
	img, err := preprocess.DecodeBytes(data, &c.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, err)
	}
	return c.Classify(ctx, img, k)
}

// ClassifyBatch classifies imgs in passes of the model's MaxBatch
// (Options.MaxBatch) and returns the k most probable classes of each. An
// image the preprocessing cannot take fails the batch with an error
// wrapping ErrBadImage that gives its index.
func (c *Classifier) ClassifyBatch(ctx context.Context, imgs []image.Image, k int) ([][]Prediction, error) {
	if k < 1 {
		return nil, fmt.Errorf("gorn: k = %d, want at least 1", k)
	}
	if c.logits < 0 {
		return nil, ErrNoClasses
	}
	mb := min(c.eng.MaxBatch(), max(len(imgs), 1))
	in, nc := c.eng.InputLen(), c.Classes()
	src, logits := make([]float32, mb*in), make([]float32, mb*nc)
	b := &buffers{dsts: make([][]float32, len(c.eng.Outputs()))}
	out := make([][]Prediction, 0, len(imgs))
	for i := 0; i < len(imgs); i += mb {
		n := min(mb, len(imgs)-i)
		for j := range n {
			if err := preprocess.TensorInto(src[j*in:(j+1)*in], imgs[i+j], &c.opts); err != nil {
				return nil, fmt.Errorf("%w: image %d: %w", ErrBadImage, i+j, err)
			}
		}
		if err := c.infer(ctx, b, src[:n*in], logits[:n*nc], nil, n); err != nil {
			return nil, err
		}
		for j := range n {
			out = append(out, TopK(logits[j*nc:(j+1)*nc], k, c.labels))
		}
	}
	return out, nil
}

// Embed returns img's embedding: the pooled features the model's last
// layer classifies (for a ResNet, the globally pooled activations, 2048
// values for ResNet-50), or the output of an embedding model (a graph that
// ends in pooled features). Open chooses the output (see
// Options.EmbeddingOutput). A model without one gives ErrNoEmbedding.
func (c *Classifier) Embed(ctx context.Context, img image.Image) ([]float32, error) {
	if c.embed < 0 {
		return nil, ErrNoEmbedding
	}
	b := c.bufs.Get().(*buffers)
	defer c.bufs.Put(b)
	if err := preprocess.TensorInto(b.input, img, &c.opts); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, err)
	}
	features := make([]float32, c.EmbeddingSize())
	if err := c.infer(ctx, b, b.input, nil, features, 1); err != nil {
		return nil, err
	}
	return features, nil
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
