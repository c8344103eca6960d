package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// quantEditOps are the operator types FuzzCompileQuant swaps in.
var quantEditOps = []string{"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "QLinearAdd",
	"QLinearGlobalAveragePool", "Conv", "Relu", "Add", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm", "Identity"}

// FuzzCompileQuant edits the quantized digits fixtures (QDQ and
// QOperator: operators swapped, inputs dropped and rewired, attributes
// changed, nodes deleted and duplicated, initializers dropped) and
// compiles them through every pass into the executor, then runs one
// image: errors are fine, panics and hangs are not.
func FuzzCompileQuant(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{1, 3, 0, 2, 0})
	f.Add([]byte{0, 7, 1, 0, 0, 9, 2, 1, 1})
	f.Add([]byte{1, 12, 0, 3, 1, 5, 2, 4, 0})
	f.Add([]byte{0, 30, 3, 5, 2, 40, 1, 1, 0})
	var bases [][]byte
	for _, name := range []string{"digits_qdq_u8.onnx", "digits_qop_u8.onnx", "digits_qdq_s8_relu.onnx"} {
		b, err := os.ReadFile(filepath.Join(quantDir, name))
		if err != nil {
			f.Fatal(err)
		}
		bases = append(bases, b)
	}
	x := make([]float32, 3*32*32)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	out := make([]float32, 1024)
	f.Fuzz(func(t *testing.T, edits []byte) {
		if len(edits) == 0 {
			return
		}
		m, err := Parse(bases[int(edits[0])%len(bases)], nil)
		if err != nil {
			t.Fatal(err)
		}
		for edits = edits[1:]; len(edits) >= 4; edits = edits[4:] {
			editGraphWith(&m.Graph, edits[:4], quantEditOps)
		}
		em, err := m.CompileGraph(nil)
		if err != nil {
			return
		}
		defer em.Close()
		if em.InputLen() == len(x) && em.Outputs()[0].Len() <= len(out) {
			_ = em.Infer(t.Context(), out[:em.Outputs()[0].Len()], x, 1)
		}
	})
}
