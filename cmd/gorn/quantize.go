package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/quantize"
)

const quantizeUsage = `
Usage: gorn quantize -model IN.onnx -calib DIR -o OUT.onnx [flags]

Static post-training quantization: runs the calibration images of DIR
(every .png, .jpg and .jpeg file, in name order; -limit N takes the first
N) through the float model, and writes OUT.onnx in the QDQ format ONNX
Runtime's quantizer writes: per-channel symmetric int8 weights, per-tensor
activations (-activations uint8: asymmetric with a zero point, the default;
int8: symmetric), int32 biases, QuantizeLinear/DequantizeLinear pairs on
the activations that feed Conv, Gemm and MatMul, and on residual Adds and
squeeze-excitation Muls.
Prints a per-layer report: the activation each layer quantizes, the range
calibration saw and the one chosen, scale, zero point, weight scales, and
each layer's output error against float over the calibration images (the
QDQ arithmetic simulated in float32, every earlier layer quantized too),
then the output's error and arg-max agreement; -no-error skips that pass.

-method minmax takes the range seen; -method percentile clips both tails of
a histogram of each activation at -percentile (99.99 %), which resists
outliers; -method entropy clips where the KL divergence between the float
and the quantized distributions is least (TensorRT's entropy calibration).
-keep-float NAME,... leaves those nodes in float32; "first" and
"last" name the first and last quantized node (the stem convolution and
the classifier) unless a node has that name.

ONNX Runtime on an x86 CPU without VNNI runs uint8 x int8 through 16-bit
pair sums that saturate: its results can be far from the file's (measured:
a trained SE-ResNet keeps fp32's arg-max on 40 of 360 images). For it, use
-reduce-range (7-bit weights) or -activations int8; gorn does not need
either.

Images are preprocessed as for classify: the model's metadata
(gorn.preprocess.*) gives the defaults, the flags given override them.
`

// quantizeConfig holds the quantize flags.
type quantizeConfig struct {
	model, calib, out string
	method            string
	percentile        float64
	activations       string
	keepFloat         string
	noAdd             bool
	noMul             bool
	noError           bool
	reduceRange       bool
	limit             int
	threads           int
	resize, crop      int
	mean, std, filter string
}

func runQuantize(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "quantize", quantizeUsage)
	var c quantizeConfig
	fs.StringVar(&c.model, "model", "", "float ONNX model `file` to quantize")
	fs.StringVar(&c.calib, "calib", "", "`directory` of calibration images")
	fs.StringVar(&c.out, "o", "", "output ONNX `file`")
	fs.StringVar(&c.method, "method", "minmax", "activation ranges: minmax, percentile or entropy")
	fs.Float64Var(&c.percentile, "percentile", quantize.DefaultPercentile, "share of values kept by -method percentile, in `percent`")
	fs.StringVar(&c.activations, "activations", "uint8", "activation type: uint8 (asymmetric) or int8 (symmetric)")
	fs.StringVar(&c.keepFloat, "keep-float", "", "comma-separated node `names` left in float32 (first, last: the first and last quantized node)")
	fs.BoolVar(&c.reduceRange, "reduce-range", false, "7-bit weights, for ONNX Runtime on x86 CPUs without VNNI (its u8s8 kernels saturate with 8-bit weights)")
	fs.BoolVar(&c.noError, "no-error", false, "skip the error measurement (a third pass over the images)")
	fs.BoolVar(&c.noAdd, "no-add", false, "leave residual Adds in float32")
	fs.BoolVar(&c.noMul, "no-mul", false, "leave Muls of two activations (squeeze-excitation gates) in float32")
	fs.IntVar(&c.limit, "limit", 0, "calibrate on the first `N` images only (0: all)")
	fs.IntVar(&c.threads, "threads", 0, "threads of the calibration runs (0: all cores)")
	fs.IntVar(&c.resize, "resize", preprocess.DefaultResize, "resize the shorter side to this many `pixels` (-1: no resizing)")
	fs.IntVar(&c.crop, "crop", preprocess.DefaultCrop, "centre-crop a square of this many `pixels`")
	fs.StringVar(&c.mean, "mean", "0.485,0.456,0.406", "per-channel `R,G,B` mean")
	fs.StringVar(&c.std, "std", "0.229,0.224,0.225", "per-channel `R,G,B` standard deviation")
	fs.StringVar(&c.filter, "filter", "bilinear", "resampling `kernel`: bilinear or bicubic")
	if err := fs.parse(args); err != nil {
		return err
	}
	opts, err := c.options()
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	m, err := onnx.Load(c.model)
	if err != nil {
		return err
	}
	defer m.Close()
	po, err := c.preprocessing(fs, m)
	if err != nil {
		return err
	}
	files, err := calibrationFiles(c.calib, c.limit)
	if err != nil {
		return err
	}
	opts.Compile.Import.Height, opts.Compile.Import.Width = po.CropHeight, po.CropWidth
	q, rep, err := quantize.Quantize(ctx, m, imageInputs(files, po), opts)
	if err != nil {
		return err
	}
	if err := q.WriteFile(c.out); err != nil {
		return err
	}
	if err := rep.WriteText(e.stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "wrote %s\n", c.out)
	return err
}

// options checks the flags and turns them into quantize.Options.
func (c *quantizeConfig) options() (*quantize.Options, error) {
	switch {
	case c.model == "":
		return nil, usageErrorf("-model is required")
	case c.calib == "":
		return nil, usageErrorf("-calib is required")
	case c.out == "":
		return nil, usageErrorf("-o is required")
	case c.limit < 0:
		return nil, usageErrorf("-limit must not be negative")
	case c.threads < 0:
		return nil, usageErrorf("-threads must not be negative")
	case !(c.percentile > 50 && c.percentile <= 100):
		return nil, usageErrorf("-percentile %g: want more than 50 and at most 100", c.percentile)
	}
	o := &quantize.Options{Percentile: c.percentile, NoAdd: c.noAdd, NoMul: c.noMul, ReduceRange: c.reduceRange, SkipError: c.noError}
	o.Compile.Engine.Threads = c.threads
	method, err := quantize.ParseMethod(c.method)
	if err != nil {
		return nil, usageErrorf("-method %q: want minmax, percentile or entropy", c.method)
	}
	o.Method = method
	switch c.activations {
	case "uint8":
		o.Activations = onnx.Uint8
	case "int8":
		o.Activations = onnx.Int8
	default:
		return nil, usageErrorf("-activations %q: want uint8 or int8", c.activations)
	}
	for _, s := range strings.Split(c.keepFloat, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.KeepFloat = append(o.KeepFloat, s)
		}
	}
	return o, nil
}

// preprocessing merges the model's metadata and the flags given.
func (c *quantizeConfig) preprocessing(fs *flagSet, m *onnx.Model) (*preprocess.Options, error) {
	po, err := m.Preprocessing()
	if err != nil {
		return nil, err
	}
	set := setFlags(fs)
	if set["resize"] {
		if c.resize == 0 || c.resize < -1 {
			return nil, usageErrorf("-resize must be positive, or -1 for no resizing")
		}
		po.Resize = c.resize
	}
	if set["crop"] {
		if c.crop < 1 {
			return nil, usageErrorf("-crop must be positive")
		}
		po.CropWidth, po.CropHeight = c.crop, c.crop
	}
	for _, f := range []struct {
		name, val string
		dst       *[]float32
	}{{"mean", c.mean, &po.Mean}, {"std", c.std, &po.Std}} {
		if !set[f.name] {
			continue
		}
		v, err := parseTriple(f.val)
		if err != nil {
			return nil, usageErrorf("-%s: %v", f.name, err)
		}
		if f.name == "std" && slices.ContainsFunc(v, func(x float32) bool { return !(x > 0) }) {
			return nil, usageErrorf("-std values must be positive")
		}
		*f.dst = v
	}
	if set["filter"] {
		switch c.filter {
		case "bilinear":
			po.Filter = preprocess.Bilinear
		case "bicubic":
			po.Filter = preprocess.Bicubic
		default:
			return nil, usageErrorf("-filter %q: want bilinear or bicubic", c.filter)
		}
	}
	if po.CropWidth == 0 {
		po.CropWidth, po.CropHeight = preprocess.DefaultCrop, preprocess.DefaultCrop
	}
	return po, nil
}

// calibrationFiles lists the images of dir in name order, at most limit
// of them (0: all).
func calibrationFiles(dir string, limit int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			path := filepath.Join(dir, e.Name())
			if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() { // symlinks followed, FIFOs skipped
				files = append(files, path)
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .png, .jpg or .jpeg images", dir)
	}
	if limit > 0 && len(files) > limit {
		files = files[:limit]
	}
	return files, nil
}

// imageInputs preprocesses files one at a time, each time it is iterated.
func imageInputs(files []string, po *preprocess.Options) iter.Seq2[[]float32, error] {
	return func(yield func([]float32, error) bool) {
		for _, f := range files {
			x, err := preprocess.File(f, po)
			if err != nil {
				err = fmt.Errorf("%s: %w", f, err)
			}
			if !yield(x, err) || err != nil {
				return
			}
		}
	}
}
