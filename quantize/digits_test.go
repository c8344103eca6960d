package quantize

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

const digitsModel = "../testdata/digits/digits_resnet.onnx"

// digitsInputs preprocesses held-out digit images first..first+n-1.
func digitsInputs(t testing.TB, m *onnx.Model, first, n int) [][]float32 {
	t.Helper()
	po, err := m.Preprocessing()
	if err != nil {
		t.Fatal(err)
	}
	var xs [][]float32
	for i := first; i < first+n; i++ {
		x, err := preprocess.File(filepath.Join("..", "testdata", "digits", "heldout", fmt.Sprintf("%04d.png", i)), po)
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x)
	}
	return xs
}

// TestDigitsQDQ quantizes the digits model and checks the QDQ layout: a
// Q/DQ pair per quantized activation, every Conv and the Gemm reading an
// int8 weight through a per-axis DequantizeLinear, int32 biases, and a
// file that parses back.
func TestDigitsQDQ(t *testing.T) {
	m, err := onnx.Load(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, method := range []Method{MinMax, Percentile} {
		q, rep, err := Quantize(context.Background(), m, Inputs(digitsInputs(t, m, 0, 8)), &Options{Method: method})
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		rep.WriteText(&sb)
		t.Log(sb.String())
		b, err := q.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		q2, err := onnx.Parse(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkQDQ(t, m, q2)
	}
}

// checkQDQ checks every Conv and Gemm of q reads DequantizeLinear outputs.
func checkQDQ(t *testing.T, float, q *onnx.Model) {
	t.Helper()
	producer := map[string]*onnx.Node{}
	for i := range q.Graph.Nodes {
		for _, s := range q.Graph.Nodes[i].Outputs {
			producer[s] = &q.Graph.Nodes[i]
		}
	}
	inits := map[string]*onnx.Tensor{}
	for i := range q.Graph.Initializers {
		inits[q.Graph.Initializers[i].Name] = &q.Graph.Initializers[i]
	}
	convs := 0
	for _, n := range q.Graph.Nodes {
		if n.OpType != "Conv" && n.OpType != "Gemm" {
			continue
		}
		convs++
		want := []onnx.DataType{0, onnx.Int8, onnx.Int32}
		for k, s := range n.Inputs {
			dq := producer[s]
			if dq == nil || dq.OpType != "DequantizeLinear" {
				t.Fatalf("%s input %d is not a DequantizeLinear output", n.Name, k)
			}
			if k == 0 {
				if qn := producer[dq.Inputs[0]]; qn == nil || qn.OpType != "QuantizeLinear" {
					t.Fatalf("%s: activation DQ without Q", n.Name)
				}
				continue
			}
			if w := inits[dq.Inputs[0]]; w == nil || w.DataType != want[k] {
				t.Fatalf("%s input %d: %v, want a %s initializer", n.Name, k, w, want[k])
			}
		}
	}
	if convs == 0 {
		t.Fatal("no convolutions")
	}
	if q.Metadata["gorn.preprocess.resize"] != float.Metadata["gorn.preprocess.resize"] {
		t.Fatal("metadata lost")
	}
}

// TestCalibrationOutputs checks the calibration graph's extra outputs are
// the float graph's values: its logits equal the plain model's, and the
// pooled features (layer4 is 1x1) equal ReLU of the last residual sum.
func TestCalibrationOutputs(t *testing.T) {
	m, err := onnx.Load(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	o, _ := (&Options{}).withDefaults()
	add, flat := "/layer4/layer4.0/Add_output_0", "/Flatten_output_0"
	c, err := newCalibrator(m, []string{add, flat, "logits"}, &o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.release()
	plain, err := m.CompileGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, x := range digitsInputs(t, m, 0, 4) {
		if err := c.em.InferOutputs(context.Background(), x, 1, c.bufs); err != nil {
			t.Fatal(err)
		}
		want := make([]float32, 10)
		if err := plain.Infer(context.Background(), want, x, 1); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if d := float64(c.bufs[2][i] - want[i]); d > 1e-5 || d < -1e-5 {
				t.Fatalf("logit %d: %g, plain model %g", i, c.bufs[2][i], want[i])
			}
		}
		if len(c.bufs[0]) != 64 || len(c.bufs[1]) != 64 {
			t.Fatalf("sizes %d %d", len(c.bufs[0]), len(c.bufs[1]))
		}
		neg := 0
		for i, v := range c.bufs[0] {
			if v < 0 {
				neg++
			}
			if max(v, 0) != c.bufs[1][i] {
				t.Fatalf("feature %d: %g, relu of the sum %g", i, c.bufs[1][i], v)
			}
		}
		if neg == 0 {
			t.Log("no negative residual sums in this image")
		}
	}
}

// TestDigitsRunsInGorn writes the quantized digits model, loads the file
// back through gorn's compiler (QDQ import) and checks it computes what
// Simulate computes, and keeps the float model's arg-max on the images it
// was not calibrated on.
func TestDigitsRunsInGorn(t *testing.T) {
	m, err := onnx.Load(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	q, rep, err := Quantize(context.Background(), m, Inputs(digitsInputs(t, m, 0, 20)), &Options{Method: Percentile})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "q.onnx")
	if err := q.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	qm, err := onnx.LoadModel(path, nil)
	if err != nil {
		t.Fatalf("gorn cannot run the QDQ file: %v", err)
	}
	defer qm.Close()
	sim, err := Simulate(q)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sim.CompileGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	fm, err := m.CompileGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fm.Close()
	var num, den float64
	agree, n := 0, 0
	for _, x := range digitsInputs(t, m, 20, 40) {
		a, b, f := make([]float32, 10), make([]float32, 10), make([]float32, 10)
		for _, r := range []struct {
			m interface {
				Infer(context.Context, []float32, []float32, int) error
			}
			dst []float32
		}{{qm, a}, {sm, b}, {fm, f}} {
			if err := r.m.Infer(context.Background(), r.dst, x, 1); err != nil {
				t.Fatal(err)
			}
		}
		for i := range a {
			num += float64(a[i]-b[i]) * float64(a[i]-b[i])
			den += float64(b[i]) * float64(b[i])
		}
		if argmax(a) == argmax(f) {
			agree++
		}
		n++
	}
	if rel := math.Sqrt(num / den); rel > 2e-3 {
		t.Fatalf("gorn's QDQ run vs Simulate: rel L2 %g", rel)
	}
	if agree < n-1 || rep.Agreement < rep.Measured-1 {
		t.Fatalf("arg-max agreement with float: %d/%d held out, %d/%d calibration", agree, n, rep.Agreement, rep.Measured)
	}
}
