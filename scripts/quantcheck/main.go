// Command quantcheck prepares the ONNX Runtime check of gorn's quantizer
// (bench/ort/quantize.js): it quantizes a float model on the first -calib
// images of a directory with each method, writes the QDQ files, the model
// re-written by onnx.Model.Marshal, and every image preprocessed (raw
// little-endian float32, NCHW) with its label, into -out. Where gorn can
// compile a QDQ file it also runs it and prints its arg-max agreement with
// the float model.
//
//	go run ./scripts/quantcheck -out /tmp/qcheck && node bench/ort/quantize.js /tmp/qcheck
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/quantize"
)

// variant is one quantization written.
type variant struct {
	File        string `json:"file"`
	Method      string `json:"method"`
	Activations string `json:"activations"`
	ReduceRange bool   `json:"reduce_range"`
}

// manifest describes the check directory for quantize.js.
type manifest struct {
	Float     string    `json:"float"`
	Rewritten string    `json:"rewritten"`
	Inputs    string    `json:"inputs"`
	Shape     []int     `json:"shape"`
	Labels    []int     `json:"labels"`
	Calib     int       `json:"calib"`
	Variants  []variant `json:"variants"`
}

// defaultModels are the digits demo model and the two trained networks
// of testdata/graphs (option-A CIFAR ResNet, SE-ResNet), all trained on
// the same digits.
const defaultModels = "testdata/digits/digits_resnet.onnx," +
	"testdata/graphs/trained_cifar_resnet8_a.onnx,testdata/graphs/trained_se_resnet8.onnx"

func main() {
	models := flag.String("models", defaultModels, "comma-separated float models")
	images := flag.String("images", "testdata/digits/heldout", "directory with NNNN.png and labels.txt")
	size := flag.Int("size", 32, "resize and crop for models whose metadata names no preprocessing")
	calib := flag.Int("calib", 100, "calibrate on the first N images")
	out := flag.String("out", "", "output directory: one subdirectory per model, fixtures/")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "quantcheck: -out is required")
		os.Exit(2)
	}
	for _, model := range strings.Split(*models, ",") {
		dir := filepath.Join(*out, strings.TrimSuffix(filepath.Base(model), ".onnx"))
		fmt.Println("#", model)
		if err := run(model, *images, *size, *calib, dir); err != nil {
			fmt.Fprintln(os.Stderr, "quantcheck:", model+":", err)
			os.Exit(1)
		}
	}
	if err := rewriteFixtures(filepath.Join(*out, "fixtures")); err != nil {
		fmt.Fprintln(os.Stderr, "quantcheck:", err)
		os.Exit(1)
	}
}

// copts compiles models for the current model's input size.
var copts *onnx.CompileOptions

func run(model, images string, size, calib int, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	m, err := onnx.Load(model)
	if err != nil {
		return err
	}
	defer m.Close()
	xs, labels, err := loadImages(m, images, size)
	if err != nil {
		return err
	}
	man := manifest{Float: model, Rewritten: "rewritten.onnx", Inputs: "inputs.f32", Labels: labels, Calib: calib}
	if err := m.WriteFile(filepath.Join(out, man.Rewritten)); err != nil {
		return err
	}
	if err := writeInputs(filepath.Join(out, man.Inputs), xs); err != nil {
		return err
	}
	man.Float, _ = filepath.Abs(model)
	man.Shape = []int{len(xs), 3, 0, 0}
	side := int(math.Sqrt(float64(len(xs[0]) / 3)))
	man.Shape[2], man.Shape[3] = side, side
	copts = &onnx.CompileOptions{Import: onnx.ImportOptions{Height: side, Width: side}}
	for _, v := range []variant{
		{"", "minmax", "uint8", false}, {"", "percentile", "uint8", false},
		{"", "minmax", "int8", false}, {"", "percentile", "int8", false},
		{"", "entropy", "uint8", false}, {"", "entropy", "int8", false},
		{"", "minmax", "uint8", true}, {"", "percentile", "uint8", true},
	} {
		v.File = fmt.Sprintf("qdq_%s_%s.onnx", v.Method, v.Activations)
		if v.ReduceRange {
			v.File = fmt.Sprintf("qdq_%s_%s_w7.onnx", v.Method, v.Activations)
		}
		if err := quantizeOne(m, xs[:calib], v, filepath.Join(out, v.File), xs); err != nil {
			return err
		}
		man.Variants = append(man.Variants, v)
	}
	b, _ := json.MarshalIndent(man, "", "  ")
	return os.WriteFile(filepath.Join(out, "manifest.json"), b, 0o644)
}

func quantizeOne(m *onnx.Model, calib [][]float32, v variant, path string, all [][]float32) error {
	meth, _ := quantize.ParseMethod(v.Method)
	o := &quantize.Options{Method: meth, Activations: onnx.Uint8, ReduceRange: v.ReduceRange}
	if v.Activations == "int8" {
		o.Activations = onnx.Int8
	}
	o.Compile.Import.Height = int(math.Sqrt(float64(len(calib[0]) / 3)))
	o.Compile.Import.Width = o.Compile.Import.Height
	q, _, err := quantize.Quantize(context.Background(), m, quantize.Inputs(calib), o)
	if err != nil {
		return err
	}
	if err := q.WriteFile(path); err != nil {
		return err
	}
	sim, err := quantize.Simulate(q)
	if err != nil {
		return err
	}
	sm, err := sim.CompileGraph(copts)
	if err != nil {
		return err
	}
	agree, err := agreement(m, sm, all)
	sm.Close()
	if err != nil {
		return err
	}
	fmt.Printf("%s: simulated in gorn (QDQ arithmetic in float32): arg-max agrees with fp32 on %d/%d images\n", v.File, agree, len(all))
	agree, logits, err := gornAgreement(m, path, all)
	if err != nil {
		fmt.Printf("%s: gorn cannot run it: %v\n", v.File, firstLine(err))
		return nil
	}
	if err := writeInputs(path+".gorn.f32", logits); err != nil {
		return err
	}
	fmt.Printf("%s: gorn arg-max agrees with its fp32 on %d/%d images\n", v.File, agree, len(all))
	return nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// gornAgreement runs the float model and the QDQ file in gorn, counts
// equal arg-maxes and returns the QDQ file's logits.
func gornAgreement(m *onnx.Model, path string, xs [][]float32) (int, [][]float32, error) {
	qm, err := onnx.LoadModel(path, copts)
	if err != nil {
		return 0, nil, err
	}
	defer qm.Close()
	agree, logits, err := run2(m, qm, xs)
	return agree, logits, err
}

// agreement counts the inputs on which qm's arg-max is the float model's.
func agreement(m *onnx.Model, qm *engine.Model, xs [][]float32) (int, error) {
	agree, _, err := run2(m, qm, xs)
	return agree, err
}

// run2 runs the float model and qm on xs: equal arg-maxes and qm's logits.
func run2(m *onnx.Model, qm *engine.Model, xs [][]float32) (int, [][]float32, error) {
	fm, err := m.CompileGraph(copts)
	if err != nil {
		return 0, nil, err
	}
	defer fm.Close()
	n := fm.Outputs()[0].Len()
	a := make([]float32, n)
	agree := 0
	var logits [][]float32
	for _, x := range xs {
		b := make([]float32, n)
		if err := fm.Infer(context.Background(), a, x, 1); err != nil {
			return 0, nil, err
		}
		if err := qm.Infer(context.Background(), b, x, 1); err != nil {
			return 0, nil, err
		}
		if argmax(a) == argmax(b) {
			agree++
		}
		logits = append(logits, b)
	}
	return agree, logits, nil
}

func argmax(v []float32) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	return k
}

// loadImages preprocesses every image of labels.txt as the model's
// metadata says, or resized and cropped to size where it says nothing.
func loadImages(m *onnx.Model, dir string, size int) ([][]float32, []int, error) {
	po, err := m.Preprocessing()
	if err != nil {
		return nil, nil, err
	}
	if po.Resize == 0 && po.CropWidth == 0 {
		po.Resize, po.CropWidth, po.CropHeight = size, size, size
	}
	f, err := os.Open(filepath.Join(dir, "labels.txt"))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var xs [][]float32
	var labels []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, lab, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		l, err := strconv.Atoi(lab)
		if err != nil {
			return nil, nil, fmt.Errorf("labels.txt: %q", sc.Text())
		}
		x, err := preprocess.File(filepath.Join(dir, name), po)
		if err != nil {
			return nil, nil, err
		}
		xs, labels = append(xs, x), append(labels, l)
	}
	if len(xs) == 0 {
		return nil, nil, fmt.Errorf("%s: no images", dir)
	}
	return xs, labels, sc.Err()
}

// rewriteFixtures parses and re-writes every ONNX file of testdata/onnx
// into dir, for quantize.js to run both in ONNX Runtime.
func rewriteFixtures(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join("testdata", "onnx", "*.onnx"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no testdata/onnx fixtures (run from the repository root): %v", err)
	}
	for _, f := range files {
		m, err := onnx.Load(f)
		if err != nil {
			return err
		}
		err = m.WriteFile(filepath.Join(dir, filepath.Base(f)))
		if err == nil && m.Opset() >= 13 {
			err = quantizeRandom(m, filepath.Join(dir, "qdq_"+filepath.Base(f)))
		}
		m.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// quantizeRandom writes a QDQ copy of m calibrated on 8 random inputs.
func quantizeRandom(m *onnx.Model, path string) error {
	fm, err := m.CompileGraph(nil)
	if err != nil {
		return err
	}
	n := fm.InputLen()
	fm.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var xs [][]float32
	for range 8 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		xs = append(xs, x)
	}
	q, _, err := quantize.Quantize(context.Background(), m, quantize.Inputs(xs), &quantize.Options{SkipError: true})
	if err != nil {
		return err
	}
	return q.WriteFile(path)
}

func writeInputs(path string, xs [][]float32) error {
	var b []byte
	for _, x := range xs {
		for _, v := range x {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return os.WriteFile(path, b, 0o644)
}
