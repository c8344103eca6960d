package onnx

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn/preprocess"
)

// Keys of metadata_props from which Model.Preprocessing reads the image
// preprocessing a model expects, so that its users need not be told. An
// exporter sets them in Python with, for example:
//
//	m = onnx.load("model.onnx")
//	onnx.helper.set_model_props(m, {
//	    "gorn.preprocess.resize": "256", "gorn.preprocess.crop": "224",
//	    "gorn.preprocess.mean": "0.485,0.456,0.406",
//	    "gorn.preprocess.std": "0.229,0.224,0.225",
//	    "gorn.preprocess.filter": "bilinear"})
//	onnx.save(m, "model.onnx")
//
// Every key is optional; values are decimal text.
const (
	// MetaResize is the length in pixels the shorter side is resized to
	// (torchvision's Resize), or -1 for no resizing: "256".
	MetaResize = "gorn.preprocess.resize"
	// MetaCrop is the centre crop in pixels (CenterCrop): "224" for a
	// square, or "height,width".
	MetaCrop = "gorn.preprocess.crop"
	// MetaMean and MetaStd are the per-channel R,G,B mean and standard
	// deviation applied after scaling to [0,1] (Normalize):
	// "0.485,0.456,0.406" and "0.229,0.224,0.225".
	MetaMean = "gorn.preprocess.mean"
	MetaStd  = "gorn.preprocess.std"
	// MetaFilter is the resampling kernel: "bilinear" (torchvision's
	// default) or "bicubic".
	MetaFilter = "gorn.preprocess.filter"
	// MetaLabels names the classes in index order, separated by newlines,
	// or by commas when there is no newline: "cat,dog" (see Model.Labels).
	MetaLabels = "gorn.labels"
)

// Labels returns the class names the metadata key MetaLabels lists, or nil
// when there is no such key. Names are trimmed of surrounding space.
func (m *Model) Labels() []string {
	v, ok := m.Metadata[MetaLabels]
	if !ok {
		return nil
	}
	sep := ","
	if strings.Contains(v, "\n") {
		sep = "\n"
		v = strings.TrimRight(strings.ReplaceAll(v, "\r\n", "\n"), "\n")
	}
	labels := strings.Split(v, sep)
	for i, l := range labels {
		labels[i] = strings.TrimSpace(l)
	}
	return labels
}

// maxPixels bounds a resize or crop read from metadata, as preprocess does.
const maxPixels = 1 << 14

// Preprocessing returns the preprocessing the model's metadata_props ask
// for (the Meta* keys). Fields whose key is absent stay zero, which the
// preprocess package reads as torchvision's ImageNet evaluation transform
// (resize 256, crop 224, bilinear, ImageNet mean and standard deviation).
// A malformed value is an error that names its key.
func (m *Model) Preprocessing() (*preprocess.Options, error) {
	return preprocessingFrom(m.Metadata)
}

func preprocessingFrom(meta map[string]string) (*preprocess.Options, error) {
	o := &preprocess.Options{}
	bad := func(key, why string) error {
		return fmt.Errorf("onnx: metadata %s = %q: %s", key, meta[key], why)
	}
	if v, ok := meta[MetaResize]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n == 0 || n < -1 || n > maxPixels {
			return nil, bad(MetaResize, fmt.Sprintf("want a size from 1 to %d pixels, or -1", maxPixels))
		}
		o.Resize = n
	}
	if v, ok := meta[MetaCrop]; ok {
		hw, err := parseInts(v)
		if err == nil && len(hw) == 1 {
			hw = append(hw, hw[0])
		}
		if err != nil || len(hw) != 2 || min(hw[0], hw[1]) < 1 || max(hw[0], hw[1]) > maxPixels {
			return nil, bad(MetaCrop, fmt.Sprintf("want \"size\" or \"height,width\", from 1 to %d pixels", maxPixels))
		}
		o.CropHeight, o.CropWidth = hw[0], hw[1]
	}
	for _, p := range []struct {
		key string
		dst *[]float32
		pos bool
	}{{MetaMean, &o.Mean, false}, {MetaStd, &o.Std, true}} {
		v, ok := meta[p.key]
		if !ok {
			continue
		}
		f, err := parseFloats(v)
		if err != nil || len(f) != 3 {
			return nil, bad(p.key, "want three comma-separated numbers (R,G,B)")
		}
		for _, x := range f {
			if p.pos && !(x > 0) {
				return nil, bad(p.key, "standard deviations must be positive")
			}
		}
		*p.dst = f
	}
	if v, ok := meta[MetaFilter]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "bilinear":
			o.Filter = preprocess.Bilinear
		case "bicubic":
			o.Filter = preprocess.Bicubic
		default:
			return nil, bad(MetaFilter, "want bilinear or bicubic")
		}
	}
	return o, nil
}

// parseInts parses comma-separated integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// parseFloats parses comma-separated finite numbers.
func parseFloats(s string) ([]float32, error) {
	var out []float32
	for _, p := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a finite number", p)
		}
		out = append(out, float32(f))
	}
	return out, nil
}
