package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gorn-ml/gorn/onnx"
)

const infoUsage = `
Usage: gorn info -model M [-arch NAME]

Describes a model file: the architecture gorn recognises in it, its
parameter count, the multiply-accumulates (MACs) of one image at the
model's input size (224x224 when the input size is not fixed), and for
ONNX files the operator set, producer, input name and shape, and whether
BatchNorm was fused into the convolutions. It loads and compiles the model,
so any problem with the file shows up here.
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
	fmt.Fprintf(out, "architecture  %s\n", a)
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
	}
	fmt.Fprintf(out, "packed        %.2f MB weights, %.2f MB workspace per concurrent inference (%s)\n",
		float64(m.WeightBytes())/1e6, float64(m.WorkspaceBytes())/1e6, m.Level().Name())
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
