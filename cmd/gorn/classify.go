package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn"
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
demo model in testdata/digits takes -resize 32 -crop 32 (which its
metadata says, see below).

An ONNX model may name its preprocessing in its metadata_props (keys
gorn.preprocess.resize, .crop, .mean, .std and .filter, with values as the
flags take them; the crop may be "height,width" there): those values
replace the defaults of the flags not given. 'gorn info' lists them.

Labels: by default, the class names an ONNX model lists in its metadata
(gorn.labels), else for models with 1000 classes the ImageNet-1k names;
-labels imagenet prints the ImageNet-1k names, -labels FILE the lines of
FILE (one name per class, in index order), -labels none indices only.
Stops at the first image it cannot read or decode, unless -keep-going: then
each failure is reported on stderr (and as {"file":...,"error":...} with
-json) and the exit status is 1 at the end. -json prints one JSON object per
image and line. Flags may also follow the images.
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
	json      bool
	keepGoing bool
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
	fs.BoolVar(&c.json, "json", false, "print one JSON object per image: {\"file\":...,\"predictions\":[{\"index\":...,\"label\":...,\"probability\":...}]}")
	fs.BoolVar(&c.keepGoing, "keep-going", false, "report an image that fails and go on with the next; exit 1 at the end if any failed")
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
	clf, err := c.open(fs, opts)
	if err != nil {
		return err
	}
	defer clf.Close()
	labels, err := c.loadLabels(clf.Classes(), clf.Labels())
	if err != nil {
		return err
	}
	failed := 0
	for _, path := range fs.Args() {
		top, err := classifyFile(ctx, clf, path, c.topk)
		if err == nil {
			err = c.print(e, path, top, labels)
		} else if c.keepGoing && ctx.Err() == nil {
			failed++
			fmt.Fprintf(e.stderr, "gorn classify: %s: %s\n", path, oneLine(err.Error()))
			if c.json {
				json.NewEncoder(e.stdout).Encode(struct {
					File  string `json:"file"`
					Error string `json:"error"`
				}{path, err.Error()})
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images failed", failed, fs.NArg())
	}
	return nil
}

// open loads -model with gorn.Open: the flags given on the command line
// override the model's metadata, which overrides the flags' defaults.
func (c *classifyConfig) open(fs *flagSet, opts *preprocess.Options) (*gorn.Classifier, error) {
	if err := checkLevel(c.mf.level); err != nil {
		return nil, err
	}
	set := setFlags(fs)
	o := &gorn.Options{Threads: c.mf.threads, Level: c.mf.level, Preprocess: &preprocess.Options{}}
	if c.mf.arch != "" {
		if strings.EqualFold(filepath.Ext(c.mf.path), ".onnx") {
			return nil, usageErrorf("-arch does not apply to ONNX models (the graph describes the network)")
		}
		a, err := parseArch(c.mf.arch)
		if err != nil {
			return nil, usageErrorf("-arch: %v", err)
		}
		o.Arch = &a
	}
	p := o.Preprocess
	if set["resize"] {
		p.Resize = opts.Resize
	}
	if set["crop"] {
		p.CropWidth, p.CropHeight = opts.CropWidth, opts.CropHeight
	}
	if set["mean"] {
		p.Mean = opts.Mean
	}
	if set["std"] {
		p.Std = opts.Std
	}
	if set["filter"] {
		f := opts.Filter
		o.Filter = &f
	}
	clf, err := gorn.Open(c.mf.path, o)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "gorn: "))
	}
	return clf, nil
}

// classifyFile classifies the image file at path.
func classifyFile(ctx context.Context, clf *gorn.Classifier, path string, k int) ([]gorn.Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	top, err := clf.ClassifyReader(ctx, f, k)
	if errors.Is(err, gorn.ErrBadImage) {
		return nil, errors.New(strings.TrimPrefix(err.Error(), gorn.ErrBadImage.Error()+": "))
	}
	return top, err
}

// print writes one image's classes, as text or JSON.
func (c *classifyConfig) print(e *env, path string, top []gorn.Prediction, labels []string) error {
	for i := range top {
		top[i].Label = ""
		if top[i].Index < len(labels) {
			top[i].Label = labels[top[i].Index]
		}
	}
	if c.json {
		return json.NewEncoder(e.stdout).Encode(struct {
			File        string            `json:"file"`
			Predictions []gorn.Prediction `json:"predictions"`
		}{path, top})
	}
	fmt.Fprintln(e.stdout, path)
	for _, p := range top {
		line := fmt.Sprintf("  %7.3f%%  %4d  %s", 100*p.Probability, p.Index, p.Label)
		fmt.Fprintln(e.stdout, strings.TrimRight(line, " "))
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
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

// loadLabels returns the class names for -labels, or nil for none. The
// default is the model's own labels (ONNX metadata), then ImageNet's for
// 1000 classes.
func (c *classifyConfig) loadLabels(classes int, own []string) ([]string, error) {
	switch c.labels {
	case "none":
		return nil, nil
	case "":
		if own != nil {
			if len(own) != classes {
				return nil, fmt.Errorf("the model's metadata names %d labels for %d classes", len(own), classes)
			}
			return own, nil
		}
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
