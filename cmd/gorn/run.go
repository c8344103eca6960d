package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn/engine"
)

const runUsage = `
Usage: gorn run -model M -input IN -shape N,C,H,W -output OUT [-output-name NAME] [-threads T]

Runs the model on a raw tensor and writes the raw output: for scripting, and
for checking gorn against other runtimes.

IN holds N*C*H*W little-endian float32 values in NCHW order (PyTorch's and
ONNX's layout; with numpy: x.astype('<f4').tofile(IN)); its size must be
exactly 4*N*C*H*W bytes, and C, H, W must suit the model (C = its input
channels, H and W at least 32). No preprocessing is applied.

OUT receives one graph output: the first (for a classifier, its logits,
before any softmax the graph does not compute itself), or the one
-output-name names ('gorn info' lists them). It holds N*K little-endian
float32 values, K being the output's size per image, image after image in
NCHW order (numpy: np.fromfile(OUT, '<f4').reshape(N, K)). For an
embedding model (a graph that ends in pooled features, with no classifier)
that is the feature vector of each image. Use - for IN or OUT to read stdin
or write stdout.
` + modelHelp

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", runUsage)
	var mf modelFlags
	mf.register(fs, false)
	in := fs.String("input", "", "raw little-endian float32 NCHW input `file` (- for stdin)")
	out := fs.String("output", "", "`file` for the raw little-endian float32 logits (- for stdout)")
	shapeFlag := fs.String("shape", "", "input shape `N,C,H,W`, e.g. 1,3,224,224")
	outName := fs.String("output-name", "", "graph output `name` to write (default: the first)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case mf.path == "":
		return usageErrorf("-model is required")
	case *in == "":
		return usageErrorf("-input is required")
	case *out == "":
		return usageErrorf("-output is required")
	case *shapeFlag == "":
		return usageErrorf("-shape is required")
	}
	shape, err := parseShape(*shapeFlag)
	if err != nil {
		return usageErrorf("-shape: %v", err)
	}
	src, err := readTensor(*in, shape)
	if err != nil {
		return err
	}
	m, err := mf.open(shape[2], shape[3], min(shape[0], 16))
	if err != nil {
		return err
	}
	defer m.Close()
	if shape[1] != m.channels() {
		return fmt.Errorf("-shape has %d channels, the model takes %d", shape[1], m.channels())
	}
	oi := 0
	if *outName != "" {
		if oi = m.OutputIndex(*outName); oi < 0 {
			return fmt.Errorf("-output-name: the model has no output %q (its outputs: %s)", *outName, outputNames(m.Outputs()))
		}
	}
	w := e.stdout
	if *out != "-" { // fail before the work if the output cannot be written
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	dst := make([]float32, shape[0]*m.Outputs()[oi].Len())
	dsts := make([][]float32, oi+1)
	dsts[oi] = dst
	if err := m.InferOutputs(ctx, src, shape[0], dsts); err != nil {
		return err
	}
	if err := writeTensor("-", w, dst); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && *out != "-" {
		return f.Close()
	}
	return nil
}

// outputNames lists the outputs' names, quoted.
func outputNames(outs []engine.TensorInfo) string {
	names := make([]string, len(outs))
	for i, t := range outs {
		names[i] = strconv.Quote(t.Name)
	}
	return strings.Join(names, ", ")
}

// parseShape parses "N,C,H,W" into four positive sizes whose product fits
// comfortably in memory (at most 2^31 elements).
func parseShape(s string) ([4]int, error) {
	var shape [4]int
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return shape, fmt.Errorf("want four sizes N,C,H,W, got %q", s)
	}
	total := 1
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 1 {
			return shape, fmt.Errorf("size %q is not a positive integer", p)
		}
		if v > math.MaxInt32/total {
			return shape, fmt.Errorf("%q has more than 2^31 elements", s)
		}
		total *= v
		shape[i] = v
	}
	return shape, nil
}

// readTensor reads exactly the float32 values of shape from path (or stdin
// for "-").
func readTensor(path string, shape [4]int) ([]float32, error) {
	n := shape[0] * shape[1] * shape[2] * shape[3]
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() != int64(4*n) {
			return nil, fmt.Errorf("%s has %d bytes; shape %d,%d,%d,%d needs %d",
				path, st.Size(), shape[0], shape[1], shape[2], shape[3], 4*n)
		}
		r = f
	}
	buf := make([]byte, 4*n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %v (want %d bytes)", path, err, 4*n)
	}
	if k, _ := r.Read(make([]byte, 1)); k > 0 {
		return nil, fmt.Errorf("%s holds more than the %d bytes of the shape", path, 4*n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return v, nil
}

// writeTensor writes v as little-endian float32 to path (or w for "-").
func writeTensor(path string, w io.Writer, v []float32) error {
	buf := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
	}
	if path == "-" {
		_, err := w.Write(buf)
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}
