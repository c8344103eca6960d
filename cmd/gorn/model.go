package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/internal/modelfile"
	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/resnet"
)

// modelHelp explains -model, -arch, -threads and -level; it ends the help of
// every command that loads a model.
const modelHelp = `
Models:
  -model FILE.onnx         an ONNX export of a ResNet-family network (PyTorch,
                           timm, tf2onnx, the ONNX model zoo ...), compiled
                           from its graph: any arrangement of the supported
                           operators (see 'gorn info'), BatchNorm fused or
                           kept, batch static or dynamic, opsets 7 to 21. A
                           graph with a symbolic height and width is compiled
                           for the size asked for.
  -model FILE.safetensors  a torchvision/timm ResNet state dict (conv1.weight,
                           bn1.running_mean, layer1.0.conv1.weight, fc.weight,
                           ...). The architecture is read from the tensor
                           shapes (block kind, depths, widths, groups,
                           pre-activation, stem, classes); -arch overrides it,
                           e.g. to say resnet50-v1 (v1 and v1.5 have the same
                           shapes; the shapes read as v1.5).
  -arch NAME               resnet18, resnet34, resnet50, resnet101, resnet152,
                           wide_resnet50_2 or resnext50_32x4d, optionally with
                           -v1 (stride on the first 1x1) or -v2 (pre-activation),
                           e.g. resnet50-v2. With a .safetensors file, the stem
                           width and kernel, input channels and class count
                           still come from the weights (conv1.weight,
                           fc.weight).
  -threads N               threads per inference (default: all CPUs; at most 256).
  -level NAME              kernels level to run on (e.g. avx2, neon, generic;
                           default: the best this CPU has).
Model files are memory-mapped and compiled one layer at a time, so loading
takes little more memory than the packed weights.
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
	usage := "architecture `name` of a .safetensors model (default: read from its shapes)"
	if allowArch {
		usage += ", or of synthetic weights without -model"
	}
	fs.StringVar(&mf.arch, "arch", "", usage)
	fs.Var((*threadsValue)(&mf.threads), "threads", fmt.Sprintf("threads per inference, 0 (all CPUs) to %d", gorn.MaxThreads))
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

// loadFile opens -model (for safetensors, with the architecture of -arch
// or of the tensor shapes). The file stays open (mapped) until compile
// closes it.
func (mf *modelFlags) loadFile() (*modelfile.File, error) {
	if err := checkLevel(mf.level); err != nil {
		return nil, err
	}
	var a *resnet.Arch
	switch strings.ToLower(filepath.Ext(mf.path)) {
	case ".onnx":
		if mf.arch != "" {
			return nil, usageErrorf("-arch does not apply to ONNX models (the graph describes the network)")
		}
	case ".safetensors":
		if mf.arch != "" {
			pa, err := parseArch(mf.arch)
			if err != nil {
				return nil, usageErrorf("-arch: %v", err)
			}
			a = &pa
		}
	default:
		return nil, usageErrorf("-model %q: want a .onnx or .safetensors file", mf.path)
	}
	return modelfile.Open(mf.path, a)
}

// threadsValue is the -threads flag: 0 (all CPUs) to gorn.MaxThreads.
type threadsValue int

func (v *threadsValue) String() string { return strconv.Itoa(int(*v)) }

func (v *threadsValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return errors.New("not an integer")
	case n < 0:
		return errors.New("-threads must be >= 0")
	case n > gorn.MaxThreads:
		return fmt.Errorf("-threads must be at most %d", gorn.MaxThreads)
	}
	*v = threadsValue(n)
	return nil
}

// checkLevel reports a -level this build or CPU cannot run, with the true
// reason: a level the CPU could run may be off for another reason (avx512
// waits for GORN_AVX512=1 until it is verified on hardware).
func checkLevel(name string) error {
	if name == "" {
		return nil
	}
	for _, im := range kernels.Impls() {
		if im.Name() == name && !im.Available() {
			return levelError(name, im.Requires(), cpuHas(name))
		}
	}
	_, err := kernels.Lookup(name)
	return err
}

// levelError explains why level name is unavailable: requires is what the
// level needs, hasISA whether the CPU has its instructions.
func levelError(name, requires string, hasISA bool) error {
	if hasISA {
		return fmt.Errorf("-level %s: this CPU has the instructions, but the level is not enabled: it needs %s", name, requires)
	}
	return fmt.Errorf("-level %s: needs %s, which this CPU lacks", name, requires)
}

// cpuHas reports whether the CPU has the instruction set of a level.
func cpuHas(level string) bool {
	switch level {
	case "avx512":
		return cpu.X86.HasAVX512F
	case "avx2":
		return cpu.X86.HasAVX2 && cpu.X86.HasFMA
	case "neon":
		return cpu.ARM64.HasASIMD
	}
	return false
}

// compiled is a model ready to run: the compiled graph and which outputs
// hold what.
type compiled struct {
	*modelfile.Model
}

// compile builds the model for h x w images (0, 0: the model's declared
// size, else 224x224) and batches of up to maxBatch, reading the weights
// one layer at a time, then closes the file. An ONNX model with a fixed
// input size runs only at that size.
func (mf *modelFlags) compile(f *modelfile.File, h, w, maxBatch int) (*compiled, error) {
	defer f.Close()
	if h == 0 || w == 0 {
		h, w = f.Height, f.Width
		if h == 0 || w == 0 {
			h, w = 224, 224
		}
	}
	if f.Height > 0 && f.Width > 0 && (f.Height != h || f.Width != w) {
		return nil, fmt.Errorf("the model takes %dx%d images, not %dx%d", f.Height, f.Width, h, w)
	}
	if h < 32 || w < 32 {
		return nil, fmt.Errorf("input %dx%d is smaller than 32x32", h, w)
	}
	m, err := f.Compile(&modelfile.CompileOptions{Threads: mf.threads, MaxBatch: maxBatch, Height: h, Width: w, Level: mf.level})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return &compiled{Model: m}, nil
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
func (c *compiled) channels() int { return c.Input().Shape[1] }

// inputSize is the height and width the model was compiled for.
func (c *compiled) inputSize() (h, w int) {
	s := c.Input().Shape
	return s[2], s[3]
}
