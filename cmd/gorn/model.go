package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/resnet"
	"github.com/gorn-ml/gorn/safetensors"
)

// modelHelp explains -model, -arch, -threads and -level; it ends the help of
// every command that loads a model.
const modelHelp = `
Models:
  -model FILE.onnx         an ONNX export (torch.onnx.export) of a torchvision-
                           style ResNet; the architecture is read from the graph.
                           BatchNorm may be fused or kept, the batch static or
                           dynamic, opsets 9 to 21.
  -model FILE.safetensors  a torchvision/timm ResNet state dict (conv1.weight,
                           bn1.running_mean, layer1.0.conv1.weight, fc.weight,
                           ...); -arch names the architecture.
  -arch NAME               resnet18, resnet34, resnet50, resnet101, resnet152,
                           wide_resnet50_2 or resnext50_32x4d, optionally with
                           -v1 (stride on the first 1x1) or -v2 (pre-activation),
                           e.g. resnet50-v2. With a .safetensors file, the stem
                           width and kernel, input channels and class count
                           come from the weights (conv1.weight, fc.weight).
  -threads N               threads per inference (default: all CPUs).
  -level NAME              kernels level to run on (e.g. avx2, neon, generic;
                           default: the best this CPU has).
`

// modelFlags are the flags that choose and configure a model.
type modelFlags struct {
	path    string
	arch    string
	threads int
	level   string
}

func (mf *modelFlags) register(fs *flagSet, allowArch bool) {
	fs.StringVar(&mf.path, "model", "", "model `file` (.onnx or .safetensors)")
	fs.StringVar(&mf.arch, "arch", "", "architecture `name` for .safetensors"+map[bool]string{true: " or synthetic weights", false: ""}[allowArch])
	fs.IntVar(&mf.threads, "threads", 0, "threads per inference (0: all CPUs)")
	fs.StringVar(&mf.level, "level", "", "kernels level `name` (default: best available)")
}

// archNames maps the -arch base names to architectures.
var archNames = map[string]func() resnet.Arch{
	"resnet18":        resnet.ResNet18,
	"resnet34":        resnet.ResNet34,
	"resnet50":        resnet.ResNet50,
	"resnet101":       resnet.ResNet101,
	"resnet152":       resnet.ResNet152,
	"wide_resnet50_2": resnet.WideResNet50_2,
	"resnext50_32x4d": resnet.ResNeXt50_32x4d,
}

// parseArch parses an -arch value such as "resnet50" or "resnet18-v2".
func parseArch(s string) (resnet.Arch, error) {
	name, suffix, _ := strings.Cut(strings.ToLower(s), "-")
	mk, ok := archNames[name]
	if !ok {
		return resnet.Arch{}, fmt.Errorf("unknown architecture %q (want resnet18, resnet34, resnet50, resnet101, resnet152, wide_resnet50_2 or resnext50_32x4d)", s)
	}
	a := mk()
	switch suffix {
	case "", "v1.5":
	case "v1":
		a = a.WithVersion(resnet.V1)
	case "v2":
		a = a.WithVersion(resnet.V2)
	default:
		return resnet.Arch{}, fmt.Errorf("unknown version %q in %q (want v1, v1.5 or v2)", suffix, s)
	}
	return a, nil
}

// modelFile is a model file's architecture and weights, before compiling.
type modelFile struct {
	arch    resnet.Arch
	weights resnet.Weights
	info    *onnx.Info // ONNX files only
	format  string     // "onnx", "safetensors" or "synthetic"
}

// loadFile reads -model (and -arch for safetensors).
func (mf *modelFlags) loadFile() (*modelFile, error) {
	switch strings.ToLower(filepath.Ext(mf.path)) {
	case ".onnx":
		if mf.arch != "" {
			return nil, usageErrorf("-arch does not apply to ONNX models (the graph names the architecture)")
		}
		return loadONNX(mf.path)
	case ".safetensors":
		if mf.arch == "" {
			return nil, usageErrorf("-arch is required with a .safetensors model")
		}
		a, err := parseArch(mf.arch)
		if err != nil {
			return nil, usageErrorf("-arch: %v", err)
		}
		return loadSafetensors(mf.path, a)
	}
	return nil, usageErrorf("-model %q: want a .onnx or .safetensors file", mf.path)
}

func loadONNX(path string) (*modelFile, error) {
	m, err := onnx.LoadFile(path, nil)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		return nil, err
	}
	a, w, err := m.ResNet()
	if err != nil {
		return nil, err
	}
	return &modelFile{arch: a, weights: w, info: info, format: "onnx"}, nil
}

// loadSafetensors reads a state dict. The architecture a fixes the block
// kind, stage depths and version; the stem's width, kernel size (7: the
// ImageNet stem, 3: the CIFAR one) and input channels come from
// conv1.weight, the number of classes from fc.weight. PyTorch's
// num_batches_tracked counters and names starting with "__" (extra
// tensors, not part of a state dict) are skipped.
func loadSafetensors(path string, a resnet.Arch) (*modelFile, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := make(resnet.Weights, f.Len())
	for _, t := range f.Tensors() {
		if strings.HasSuffix(t.Name, "num_batches_tracked") || strings.HasPrefix(t.Name, "__") {
			continue
		}
		v, err := t.Float32s()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.Name, err)
		}
		w[t.Name] = resnet.Tensor{Shape: append([]int(nil), t.Shape...), Data: v}
	}
	if c, ok := w["conv1.weight"]; ok && len(c.Shape) == 4 {
		a.Width, a.InChannels = c.Shape[0], c.Shape[1]
		if c.Shape[2] == 3 {
			a.Stem = resnet.StemCIFAR
		}
	}
	if fc, ok := w["fc.weight"]; ok && len(fc.Shape) == 2 {
		a.Classes = fc.Shape[0]
	}
	if _, ok := w["bn_final.weight"]; ok && a.Version != resnet.V2 {
		return nil, fmt.Errorf("%s has bn_final: a pre-activation network; try -arch %s-v2", path, strings.SplitN(a.String(), " ", 2)[0])
	}
	return &modelFile{arch: a, weights: w, format: "safetensors"}, nil
}

// inputSize is the model's declared input size, or 0, 0.
func (f *modelFile) inputSize() (h, w int) {
	if f.info != nil {
		return f.info.Height, f.info.Width
	}
	return 0, 0
}

// compiled is a model ready to run.
type compiled struct {
	*resnet.Model
	file *modelFile
}

// compile builds the model for h x w images and batches of up to maxBatch.
// An ONNX model with a fixed input size runs only at that size.
func (mf *modelFlags) compile(f *modelFile, h, w, maxBatch int) (*compiled, error) {
	if dh, dw := f.inputSize(); dh > 0 && dw > 0 && (dh != h || dw != w) {
		return nil, fmt.Errorf("the model takes %dx%d images, not %dx%d", dh, dw, h, w)
	}
	if h < 32 || w < 32 {
		return nil, fmt.Errorf("input %dx%d is smaller than 32x32", h, w)
	}
	opt := &resnet.Options{Threads: mf.threads, MaxBatch: maxBatch, Height: h, Width: w, Level: mf.level}
	m, err := resnet.New(f.arch, f.weights, opt)
	if err != nil {
		return nil, err
	}
	return &compiled{Model: m, file: f}, nil
}

// open loads -model and compiles it for h x w images.
func (mf *modelFlags) open(h, w, maxBatch int) (*compiled, error) {
	f, err := mf.loadFile()
	if err != nil {
		return nil, err
	}
	return mf.compile(f, h, w, maxBatch)
}

// channels is the number of input channels.
func (c *compiled) channels() int { return c.InputLen() / (c.hw()) }

func (c *compiled) hw() int {
	h, w := c.InputSize()
	return h * w
}
