package gorn

import (
	"errors"
	"fmt"
	"io"

	"github.com/gorn-ml/gorn/internal/modelfile"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/resnet"
)

// Limits on what a model file may ask for. Sizes that come from a file
// (its declared input size, the crop and resize in its metadata, and the
// workspace they imply) are checked against them before anything of that
// size is allocated; Options raises them.
const (
	// MaxThreads bounds Options.Threads: 256 threads per inference. More
	// gain nothing on any machine gorn runs on and cost a goroutine and a
	// stack each.
	MaxThreads = resnet.MaxThreads
	// DefaultMaxInputPixels bounds the height x width the model is
	// compiled for: 1024 x 1024 (ImageNet models take 224 x 224).
	DefaultMaxInputPixels = 1 << 20
	// DefaultMaxWorkspaceBytes bounds the memory of one inference's
	// activations (engine.Model.WorkspaceBytes): 1 GiB. ResNet-50 at
	// 224 x 224 needs 6.4 MB per image of MaxBatch.
	DefaultMaxWorkspaceBytes = 1 << 30
	// maxModelBytes bounds what OpenReader reads into memory.
	maxModelBytes = 8 << 30
)

// Options configure Open. The zero value (or nil) runs the model as its
// file describes it, one image per pass, on every core.
type Options struct {
	// Threads is the number of threads one inference uses, from 1 to
	// MaxThreads; 0 means runtime.GOMAXPROCS(0). See the package
	// documentation for choosing it in a service.
	Threads int
	// Level names the kernels level to run on ("avx2", "generic", ...);
	// "" means the best this CPU has.
	Level string
	// MaxBatch is the most images one pass runs (ClassifyBatch splits
	// larger batches); 0 means 1. The workspace grows with it.
	MaxBatch int
	// Labels names the classes in index order, replacing those of the
	// model's metadata. With neither, a model with 1000 classes gets the
	// ImageNet-1k names and others none.
	Labels []string
	// Preprocess overrides the model's preprocessing (its metadata, or
	// torchvision's ImageNet transform when it has none) field by field:
	// each non-zero field replaces the model's (Filter only when it is
	// Bicubic, as its zero value is Bilinear: set Filter below to force
	// either; Mean and Std when not nil). Its MaxPixels, MaxBytes and
	// MaxDecodeBytes bound the images Classify decodes.
	Preprocess *preprocess.Options
	// Filter, when not nil, replaces the model's resampling filter,
	// Bilinear included (which Preprocess.Filter cannot ask for over a
	// model whose metadata says bicubic).
	Filter *preprocess.Filter
	// Arch, for a safetensors state dict, names the architecture instead
	// of reading it from the tensor shapes (the stem, input channels and
	// classes still come from the weights). It is an error for ONNX.
	Arch *resnet.Arch
	// MaxInputPixels bounds the input height x width (0:
	// DefaultMaxInputPixels); MaxWorkspaceBytes bounds the workspace of
	// one pass (0: DefaultMaxWorkspaceBytes).
	MaxInputPixels    int
	MaxWorkspaceBytes int64
	// Output names the graph output that holds the logits; "" takes the
	// first output that is not pooled features (an embedding model, whose
	// every output is pooled features, has none: Classify then fails with
	// ErrNoClasses).
	Output string
	// EmbeddingOutput names the graph output that Embed returns; "" takes
	// the only output of an embedding model, else the value the final
	// Gemm or MatMul reads when it comes from pooling (for a safetensors
	// ResNet, its "features" output): Open adds it as a last output when
	// the graph does not list it.
	EmbeddingOutput string
}

// Open loads the model file at path, a .onnx export or a .safetensors
// state dict, and compiles it: the weights are read, folded and packed one
// layer at a time, so loading takes little more memory than the packed
// weights, and the file is closed before Open returns. The model's
// metadata (ONNX metadata_props, or the safetensors __metadata__, with the
// keys of onnx.MetaResize and onnx.MetaLabels) gives the preprocessing and
// the class names unless o overrides them. The input size is the model's
// declared one, else the crop of its preprocessing (224 by default).
//
// Every model runs through gorn's graph compiler: an ONNX graph is
// imported, optimised (constant folding, BatchNorm and activation fusion,
// in-place residual additions) and compiled by onnx.Model.CompileGraph; a
// state dict's architecture (resnet.Arch) builds the same graph. A graph
// with an operator outside the supported set is refused with an error
// naming the node.
//
// The Classifier owns the model: Close releases it.
func Open(path string, o *Options) (*Classifier, error) {
	f, err := modelfile.Open(path, archOf(o))
	if err != nil {
		return nil, fmt.Errorf("gorn: %w", err)
	}
	return compileFile(f, o)
}

// OpenBytes is Open for a model held in memory, for example with
// go:embed; the format is told from the content. data is read only while
// OpenBytes runs.
func OpenBytes(data []byte, o *Options) (*Classifier, error) {
	f, err := modelfile.FromBytes(data, "model", archOf(o))
	if err != nil {
		return nil, fmt.Errorf("gorn: %w", err)
	}
	return compileFile(f, o)
}

// OpenReader is OpenBytes for a model of size bytes read from r.
func OpenReader(r io.ReaderAt, size int64, o *Options) (*Classifier, error) {
	if size < 0 || size > maxModelBytes {
		return nil, fmt.Errorf("gorn: model of %d bytes (want at most %d)", size, int64(maxModelBytes))
	}
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && size == 0) {
		return nil, fmt.Errorf("gorn: reading the model: %w", err)
	}
	return OpenBytes(data, o)
}

func archOf(o *Options) *resnet.Arch {
	if o == nil {
		return nil
	}
	return o.Arch
}

// compileFile compiles an opened file within the limits and wraps it.
func compileFile(f *modelfile.File, opts *Options) (*Classifier, error) {
	defer f.Close()
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	prep, err := o.preprocessing(f)
	if err != nil {
		return nil, err
	}
	h, w := prep.CropHeight, prep.CropWidth
	if err := o.checkSize(f, prep); err != nil {
		return nil, err
	}
	co := &modelfile.CompileOptions{Threads: o.Threads, MaxBatch: o.MaxBatch, Height: h, Width: w, Level: o.Level, Features: true}
	m, err := f.Compile(co)
	if err != nil {
		return nil, fmt.Errorf("gorn: %s: %w", f.Name, err)
	}
	lo, em, err := m.Roles(o.Output, o.EmbeddingOutput)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("gorn: %s: %w", f.Name, err)
	}
	if ws, lim := int64(m.WorkspaceBytes()), o.maxWorkspace(); ws > lim {
		m.Close()
		return nil, fmt.Errorf("gorn: %s: a %dx%d input with MaxBatch %d needs a %d MB workspace, over the %d MB limit (Options.MaxWorkspaceBytes)",
			f.Name, h, w, m.MaxBatch(), ws>>20, lim>>20)
	}
	labels := o.Labels
	if labels == nil {
		labels = f.Labels
	}
	c, err := newClassifier(m.Model, lo, em, labels, prep)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("gorn: %s: %w", f.Name, errors.Unwrap(err))
	}
	c.close = m.Close
	return c, nil
}

// check validates the options that do not depend on the model.
func (o *Options) check() error {
	switch {
	case o.Threads < 0:
		return fmt.Errorf("gorn: Threads %d is negative", o.Threads)
	case o.Threads > MaxThreads:
		return fmt.Errorf("gorn: Threads %d exceeds MaxThreads (%d)", o.Threads, MaxThreads)
	case o.MaxBatch < 0 || o.MaxInputPixels < 0 || o.MaxWorkspaceBytes < 0:
		return errors.New("gorn: MaxBatch, MaxInputPixels and MaxWorkspaceBytes cannot be negative")
	case o.MaxBatch > 1<<16:
		return fmt.Errorf("gorn: MaxBatch %d exceeds %d", o.MaxBatch, 1<<16)
	}
	return nil
}

func (o *Options) maxWorkspace() int64 {
	if o.MaxWorkspaceBytes > 0 {
		return o.MaxWorkspaceBytes
	}
	return DefaultMaxWorkspaceBytes
}

// preprocessing merges the file's preprocessing with the overrides and
// settles the crop: the declared input size, else the crop asked for, else
// the default.
func (o *Options) preprocessing(f *modelfile.File) (*preprocess.Options, error) {
	if f.PrepErr != nil {
		return nil, fmt.Errorf("gorn: %w", f.PrepErr)
	}
	var p preprocess.Options
	if f.Prep != nil {
		p = *f.Prep
	}
	if v := o.Preprocess; v != nil {
		setInt(&p.Resize, v.Resize)
		setInt(&p.CropWidth, v.CropWidth)
		setInt(&p.CropHeight, v.CropHeight)
		setInt(&p.MaxPixels, v.MaxPixels)
		setInt(&p.MaxBytes, v.MaxBytes)
		if v.MaxDecodeBytes != 0 {
			p.MaxDecodeBytes = v.MaxDecodeBytes
		}
		if v.Filter != preprocess.Bilinear {
			p.Filter = v.Filter
		}
		if v.Mean != nil {
			p.Mean = v.Mean
		}
		if v.Std != nil {
			p.Std = v.Std
		}
	}
	if o.Filter != nil {
		p.Filter = *o.Filter
	}
	if f.Height > 0 && f.Width > 0 {
		if (p.CropHeight != 0 || p.CropWidth != 0) && (p.CropHeight != f.Height || p.CropWidth != f.Width) {
			return nil, fmt.Errorf("gorn: %s: crop %dx%d, but the model takes %dx%d images", f.Name, p.CropWidth, p.CropHeight, f.Width, f.Height)
		}
		p.CropHeight, p.CropWidth = f.Height, f.Width
	}
	if p.CropHeight == 0 && p.CropWidth == 0 {
		p.CropHeight, p.CropWidth = preprocess.DefaultCrop, preprocess.DefaultCrop
	}
	setInt(&p.CropHeight, p.CropWidth)
	setInt(&p.CropWidth, p.CropHeight)
	return &p, nil
}

// checkSize bounds the input size and resize that come from the file.
func (o *Options) checkSize(f *modelfile.File, p *preprocess.Options) error {
	lim := o.MaxInputPixels
	if lim == 0 {
		lim = DefaultMaxInputPixels
	}
	h, w := p.CropHeight, p.CropWidth
	if h < 32 || w < 32 {
		return fmt.Errorf("gorn: %s: input %dx%d is smaller than 32x32", f.Name, w, h)
	}
	if int64(h)*int64(w) > int64(lim) {
		return fmt.Errorf("gorn: %s: input %dx%d exceeds %d pixels (raise Options.MaxInputPixels)", f.Name, w, h, lim)
	}
	maxPix := p.MaxPixels
	if maxPix == 0 {
		maxPix = preprocess.DefaultMaxPixels
	}
	if r := int64(p.Resize); r > 0 && r*r > int64(maxPix) {
		return fmt.Errorf("gorn: %s: resize %d makes images of over %d pixels (raise Preprocess.MaxPixels)", f.Name, r, maxPix)
	}
	if _, _, _, _, err := preprocess.Geometry(w, h, p); err != nil {
		return fmt.Errorf("gorn: %s: %w", f.Name, err)
	}
	return nil
}

func setInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}
