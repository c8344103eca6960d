package quantize

import (
	"context"
	"fmt"
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
