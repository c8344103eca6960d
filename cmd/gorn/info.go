package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gorn-ml/gorn/internal/modelfile"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

const infoUsage = `
Usage: gorn info -model M [-arch NAME] [-v]

Describes a model file and what gorn compiles it to. For an ONNX file: the
operator set, producer, graph inputs and outputs with their declared shapes
(symbolic dimensions by name), the operator histogram, the parameter count
(floating-point weights, BatchNorm statistics included), the model's
domain, version and doc string, its metadata_props and the preprocessing
they set for 'gorn classify'. For a .safetensors state dict: the
architecture read from the tensor shapes (or named by -arch), its blocks,
classes and parameters. Then, for both, it compiles the model (so any
problem with the file shows up here) at its input size (224x224 when the
size is not fixed) and prints the outputs as compiled, which of them are
logits and which pooled features (an embedding), the multiply-accumulates
(MACs) of one image, what the compiler's passes folded and fused (constant
subgraphs, BatchNorm, Pad, activations, residual additions), and the sizes
of the packed weights and of the workspace of one inference, with the
kernels level.

With -v it then prints the compiled plan: every pass's record, each
operation with its shapes, fused epilogue and in-place additions, the
workspace slots it reads and writes, and the slots' sizes and lifetimes.

Supported ONNX operators: Conv (any kernel, stride, pads, auto_pad,
dilation, groups), BatchNormalization, Relu, LeakyRelu, Clip, Sigmoid,
HardSigmoid, HardSwish, Tanh, Add, Sub, Mul, Div (broadcast per channel or
scalar), MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
ReduceMean, ReduceMax, Flatten, Reshape, Squeeze, Unsqueeze, Transpose,
Gemm, MatMul, Softmax, LogSoftmax, Concat, Slice, Pad, Identity, Dropout,
Cast, Constant, and what constant folding evaluates at compile time (Shape,
Gather, ConstantOfShape, Range, ...). A graph with any other operator is
refused with an error that names the node.
Last, it lists the kernels levels compiled in: which one runs, and why
each does or does not (the CPU's features, GODEBUG, the level's
self-test).
` + modelHelp

func runInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "info", infoUsage)
	var mf modelFlags
	mf.register(fs, false)
	verbose := fs.Bool("v", false, "print the compiled plan")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if mf.path == "" {
		return usageErrorf("-model is required")
	}
	f, err := mf.loadFile()
	if err != nil {
		return err
	}
	out := e.stdout
	fmt.Fprintf(out, "file          %s (%s)\n", mf.path, f.Format)
	if gi := f.Graph; gi != nil {
		printGraph(out, gi)
	} else {
		a := f.Arch
		fmt.Fprintf(out, "architecture  %s (from the %s)\n", a, f.ArchFrom)
		fmt.Fprintf(out, "blocks        %s, layers %v, %s, width %d\n", a.Block, a.Layers, a.Version, a.Width)
		fmt.Fprintf(out, "classes       %d\n", a.Classes)
		fmt.Fprintf(out, "parameters    %d (%.2f M)\n", a.Params(), float64(a.Params())/1e6)
	}
	printMetadata(out, f)
	m, err := mf.compile(f, 0, 0, 1)
	if err != nil {
		return err
	}
	defer m.Close()
	printCompiled(out, m)
	if *verbose {
		fmt.Fprintf(out, "\nplan\n%s", m.Plan())
	}
	printLevels(out, "levels", 14, m.Level())
	return nil
}

// printGraph prints an ONNX graph's description.
func printGraph(out io.Writer, gi *onnx.GraphInfo) {
	fmt.Fprintf(out, "opset         %d (IR version %d)\n", gi.Opset, gi.IRVersion)
	fmt.Fprintf(out, "producer      %s\n", gi.Producer)
	for _, v := range gi.Inputs {
		fmt.Fprintf(out, "input         %s: %v %s\n", v.Name, v.ElemType, v.ShapeString())
	}
	for _, v := range gi.Outputs {
		fmt.Fprintf(out, "output        %s: %v %s\n", v.Name, v.ElemType, v.ShapeString())
	}
	ops := make([]string, len(gi.Ops))
	for i, o := range gi.Ops {
		ops[i] = fmt.Sprintf("%s %d", o.Op, o.Count)
	}
	fmt.Fprintf(out, "operators     %d nodes: %s\n", gi.Nodes, strings.Join(ops, ", "))
	fmt.Fprintf(out, "parameters    %d (%.2f M) in %d initializers\n", gi.Params, float64(gi.Params)/1e6, gi.Initializers)
}

// printCompiled describes the compiled model: outputs and their roles,
// work, what the passes did, sizes.
func printCompiled(out io.Writer, m *compiled) {
	h, w := m.inputSize()
	fmt.Fprintf(out, "compiled      for %dx%d images\n", h, w)
	lo, em, _ := m.Roles("", "")
	for i, t := range m.Outputs() {
		role := ""
		switch {
		case i == lo:
			role = " (logits)"
		case i == em || m.Pooled(i):
			role = " (pooled features: an embedding)"
		}
		fmt.Fprintf(out, "%-14s%s %v%s\n", map[bool]string{true: "outputs", false: ""}[i == 0], t.Name, t.Shape, role)
	}
	fmt.Fprintf(out, "MACs          %d (%s) per image\n", m.MACs(), macString(m.MACs()))
	passes := passSummary(m.PassLog())
	switch {
	case len(passes) > 0:
	case m.ResNet != nil:
		passes = []string{"none (a state dict's graph is built with BatchNorm folded and activations fused)"}
	default:
		passes = []string{"nothing folded or fused"}
	}
	for i, l := range passes {
		fmt.Fprintf(out, "%-14s%s\n", map[bool]string{true: "passes", false: ""}[i == 0], l)
	}
	fmt.Fprintf(out, "packed        %.2f MB weights, %.2f MB workspace per concurrent inference (%s)\n",
		float64(m.WeightBytes())/1e6, float64(m.WorkspaceBytes())/1e6, m.Level().Name())
}

// passSummary condenses the passes' log: a pass that logged one line keeps
// it; one that logged several gives their count and the first.
func passSummary(log []string) []string {
	var order []string
	lines := map[string][]string{}
	for _, l := range log {
		name, rest, ok := strings.Cut(l, ": ")
		if !ok {
			name, rest = l, ""
		}
		if lines[name] == nil {
			order = append(order, name)
		}
		lines[name] = append(lines[name], rest)
	}
	out := make([]string, 0, len(order))
	for _, name := range order {
		ls := lines[name]
		if len(ls) == 1 {
			out = append(out, strings.TrimSuffix(name+": "+ls[0], ": "))
			continue
		}
		eg, _, _ := strings.Cut(ls[0], " (")
		out = append(out, fmt.Sprintf("%s: %d, e.g. %s", name, len(ls), clip(eg, 70)))
	}
	return out
}

// printMetadata prints an ONNX model's descriptive fields and
// metadata_props, and the preprocessing they ask for.
func printMetadata(out io.Writer, f *modelfile.File) {
	in := f.Graph
	if in == nil {
		printPrep(out, f)
		return
	}
	if in.Domain != "" || in.ModelVersion != 0 {
		fmt.Fprintf(out, "model         domain %q, version %d\n", in.Domain, in.ModelVersion)
	}
	if in.DocString != "" {
		fmt.Fprintf(out, "doc           %s\n", clip(oneLine(in.DocString), 200))
	}
	keys := slices.Sorted(maps.Keys(in.Metadata))
	for i, k := range keys {
		label := "metadata"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(out, "%-14s%s = %s\n", label, k, clip(oneLine(in.Metadata[k]), 100))
	}
	printPrep(out, f)
}

// printPrep prints the preprocessing the metadata asks for.
func printPrep(out io.Writer, f *modelfile.File) {
	switch p := f.Prep; {
	case f.PrepErr != nil:
		fmt.Fprintf(out, "preprocess    unreadable: %v\n", f.PrepErr)
	case p != nil && (p.Resize != 0 || p.CropWidth != 0 || p.Mean != nil || p.Std != nil || p.Filter != preprocess.Bilinear):
		fmt.Fprintf(out, "preprocess    %s (from the metadata; classify's defaults)\n", prepString(p))
	}
}

// prepString describes the settings of o that are not zero.
func prepString(o *preprocess.Options) string {
	var parts []string
	if o.Resize != 0 {
		parts = append(parts, fmt.Sprintf("resize %d", o.Resize))
	}
	if o.CropWidth != 0 {
		parts = append(parts, fmt.Sprintf("crop %dx%d", o.CropWidth, o.CropHeight))
	}
	if o.Mean != nil {
		parts = append(parts, fmt.Sprintf("mean %v", o.Mean))
	}
	if o.Std != nil {
		parts = append(parts, fmt.Sprintf("std %v", o.Std))
	}
	if o.Filter == preprocess.Bicubic {
		parts = append(parts, "bicubic")
	}
	return strings.Join(parts, ", ")
}

// clip shortens s to at most n runes, marking the cut with "...".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
