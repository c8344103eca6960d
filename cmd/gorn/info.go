package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

const infoUsage = `
Usage: gorn info -model M [-arch NAME]

Describes a model file: the architecture gorn recognises in it, its
parameter count, the multiply-accumulates (MACs) of one image at the
model's input size (224x224 when the input size is not fixed), and for
ONNX files the operator set, producer, input name and shape, whether
BatchNorm was fused into the convolutions, the model's domain, version and
doc string, its metadata_props, and the preprocessing they set for
'gorn classify'. For a .safetensors file the architecture is read from the
tensor shapes unless -arch names it. It loads and compiles the model,
so any problem with the file shows up here. Last, it lists the kernels
levels compiled in: which one runs, and why each does or does not (the
CPU's features, GODEBUG, the level's self-test).
` + modelHelp

func runInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "info", infoUsage)
	var mf modelFlags
	mf.register(fs, false)
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
	h, w := f.inputSize()
	if h == 0 || w == 0 {
		h, w = 224, 224
	}
	m, err := mf.compile(f, h, w, 1)
	if err != nil {
		return err
	}
	defer m.Close()
	a := m.Arch()
	out := e.stdout
	fmt.Fprintf(out, "file          %s (%s)\n", mf.path, f.format)
	fmt.Fprintf(out, "architecture  %s (from the %s)\n", a, f.archFrom)
	fmt.Fprintf(out, "blocks        %s, layers %v, %s, width %d\n", a.Block, a.Layers, a.Version, a.Width)
	fmt.Fprintf(out, "classes       %d\n", a.Classes)
	fmt.Fprintf(out, "parameters    %d (%.2f M)\n", a.Params(), float64(a.Params())/1e6)
	fmt.Fprintf(out, "MACs          %d (%s) per %dx%d image\n", a.MACs(h, w), macString(a.MACs(h, w)), h, w)
	if in := f.info; in != nil {
		fmt.Fprintf(out, "opset         %d (IR version %d)\n", in.Opset, in.IRVersion)
		fmt.Fprintf(out, "producer      %s\n", in.Producer)
		fmt.Fprintf(out, "input         %s: %s x %d x %s x %s\n", in.Input, batchString(in),
			in.Channels, dimString(in.Height), dimString(in.Width))
		fmt.Fprintf(out, "BatchNorm     %s\n", map[bool]string{true: "fused into convolutions", false: "kept"}[in.FusedBN])
		printMetadata(out, in, f)
	}
	fmt.Fprintf(out, "packed        %.2f MB weights, %.2f MB workspace per concurrent inference (%s)\n",
		float64(m.WeightBytes())/1e6, float64(m.WorkspaceBytes())/1e6, m.Level().Name())
	printLevels(out, "levels", 14, m.Level())
	return nil
}

// batchString is the declared batch size: a number, or the name of a
// dynamic dimension.
func batchString(in *onnx.Info) string {
	switch {
	case in.Batch > 0:
		return strconv.Itoa(in.Batch)
	case in.BatchParam != "":
		return in.BatchParam
	}
	return "?"
}

// dimString is a declared size, or "?" for a dynamic one.
func dimString(n int) string {
	if n > 0 {
		return strconv.Itoa(n)
	}
	return "?"
}

// printMetadata prints an ONNX model's descriptive fields and
// metadata_props, and the preprocessing they ask for.
func printMetadata(out io.Writer, in *onnx.Info, f *modelFile) {
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
	switch p := f.prep; {
	case f.prepErr != nil:
		fmt.Fprintf(out, "preprocess    unreadable: %v\n", f.prepErr)
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
