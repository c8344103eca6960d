package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn/preprocess"
)

const classifyUsage = `
Usage: gorn classify -model M [-topk K] [preprocessing flags] IMAGE...

Prints the K most likely classes of each image (JPEG or PNG), with their
softmax probabilities, in the order given:

	IMAGE
	  probability%  index  label

Each image goes through torchvision's ImageNet evaluation transform, which
is what torchvision's pretrained models expect: decode, resize the shorter
side to -resize pixels (-filter, antialiased, with Pillow's arithmetic, as
torchvision's Resize on PIL images), centre-crop
-crop x -crop, scale to [0,1], subtract -mean and divide by -std per RGB
channel (greyscale images are replicated to three channels). A model
trained with other preprocessing needs the same settings here: the digits
demo model in testdata/digits takes -resize 32 -crop 32.

Labels: with -labels imagenet (the default for models with 1000 classes)
the ImageNet-1k class names are printed; with -labels FILE, the lines of
FILE name the classes in index order; -labels none prints indices only.
Stops at the first image it cannot read or decode.
` + modelHelp

// classifyConfig holds the classify flags.
type classifyConfig struct {
	mf        modelFlags
	topk      int
	resize    int
	crop      int
	mean, std string
	labels    string
	filter    string
}

func runClassify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "classify", classifyUsage)
	var c classifyConfig
	c.mf.register(fs, false)
	fs.IntVar(&c.topk, "topk", 5, "classes to print per image")
	fs.IntVar(&c.resize, "resize", preprocess.DefaultResize, "resize the shorter side to this many `pixels` (-1: no resizing)")
	fs.IntVar(&c.crop, "crop", preprocess.DefaultCrop, "centre-crop a square of this many `pixels`: the model's input size")
	fs.StringVar(&c.mean, "mean", "0.485,0.456,0.406", "per-channel `R,G,B` mean subtracted after scaling to [0,1]")
	fs.StringVar(&c.std, "std", "0.229,0.224,0.225", "per-channel `R,G,B` standard deviation divided by")
	fs.StringVar(&c.filter, "filter", "bilinear", "resampling `kernel`: bilinear (torchvision's default) or bicubic (many timm models)")
	fs.StringVar(&c.labels, "labels", "", "class names: imagenet, none or a `file` with one per line (default: imagenet for 1000 classes)")
	if err := fs.parse(args); err != nil {
		return err
	}
	opts, err := c.options()
	if err != nil {
		return err
	}
	switch {
	case c.mf.path == "":
		return usageErrorf("-model is required")
	case fs.NArg() == 0:
		return usageErrorf("no images given")
	case c.topk < 1:
		return usageErrorf("-topk must be at least 1")
	}
	m, err := c.mf.open(c.crop, c.crop, 1)
	if err != nil {
		return err
	}
	defer m.Close()
	labels, err := c.loadLabels(m.Classes())
	if err != nil {
		return err
	}
	logits := make([]float32, m.Classes())
	for _, path := range fs.Args() {
		src, err := preprocess.File(path, opts)
		if err != nil {
			return err
		}
		if len(src) != m.InputLen() {
			return fmt.Errorf("%s: %d input values, the model takes %d", path, len(src), m.InputLen())
		}
		if err := m.Infer(ctx, logits, src, 1); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintln(e.stdout, path)
		for _, p := range topK(logits, c.topk) {
			line := fmt.Sprintf("  %7.3f%%  %4d  %s", 100*p.prob, p.index, label(labels, p.index))
			fmt.Fprintln(e.stdout, strings.TrimRight(line, " "))
		}
	}
	return nil
}

// options turns the preprocessing flags into preprocess.Options.
func (c *classifyConfig) options() (*preprocess.Options, error) {
	if c.crop < 1 {
		return nil, usageErrorf("-crop must be positive")
	}
	if c.resize == 0 || c.resize < -1 {
		return nil, usageErrorf("-resize must be positive, or -1 for no resizing")
	}
	mean, err := parseTriple(c.mean)
	if err != nil {
		return nil, usageErrorf("-mean: %v", err)
	}
	std, err := parseTriple(c.std)
	if err != nil {
		return nil, usageErrorf("-std: %v", err)
	}
	for _, s := range std {
		if !(s > 0) {
			return nil, usageErrorf("-std values must be positive")
		}
	}
	o := &preprocess.Options{Resize: c.resize, CropWidth: c.crop, CropHeight: c.crop, Mean: mean, Std: std}
	switch c.filter {
	case "bilinear":
		o.Filter = preprocess.Bilinear
	case "bicubic":
		o.Filter = preprocess.Bicubic
	default:
		return nil, usageErrorf("-filter %q: want bilinear or bicubic", c.filter)
	}
	return o, nil
}

// parseTriple parses "a,b,c" into three finite floats.
func parseTriple(s string) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return nil, fmt.Errorf("want three comma-separated values, got %q", s)
	}
	v := make([]float32, 3)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a number", p)
		}
		v[i] = float32(f)
	}
	return v, nil
}

// loadLabels returns the class names for -labels, or nil for none.
func (c *classifyConfig) loadLabels(classes int) ([]string, error) {
	switch c.labels {
	case "none":
		return nil, nil
	case "":
		if classes != 1000 {
			return nil, nil
		}
		return preprocess.ImageNetLabels(), nil
	case "imagenet":
		if classes != 1000 {
			return nil, fmt.Errorf("-labels imagenet: the model has %d classes, not 1000", classes)
		}
		return preprocess.ImageNetLabels(), nil
	}
	b, err := os.ReadFile(c.labels)
	if err != nil {
		return nil, err
	}
	labels := strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
	if len(labels) != classes {
		return nil, fmt.Errorf("-labels %s has %d lines, the model has %d classes", c.labels, len(labels), classes)
	}
	return labels, nil
}

func label(labels []string, i int) string {
	if labels == nil {
		return ""
	}
	return labels[i]
}

// scored is one class and its probability.
type scored struct {
	index int
	prob  float64
}

// topK returns the k most probable classes of logits (softmax computed in
// float64), most probable first; equal probabilities keep index order.
func topK(logits []float32, k int) []scored {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	all := make([]scored, len(logits))
	var sum float64
	for i, v := range logits {
		p := math.Exp(float64(v) - mx)
		all[i] = scored{i, p}
		sum += p
	}
	for i := range all {
		all[i].prob /= sum
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		switch {
		case a.prob > b.prob:
			return -1
		case a.prob < b.prob:
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}
