package quantize

import (
	"context"
	"testing"

	"github.com/gorn-ml/gorn/onnx"
)

// FuzzQuantize quantizes mutated tiny models (calibration on two inputs
// of the model's size): no panic, and a model that quantizes writes a file
// that parses back with every node input defined before use.
func FuzzQuantize(f *testing.F) {
	for _, transB := range []bool{true, false} {
		b, err := tinyModel(f, transB).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		m, err := onnx.Parse(data, &onnx.Options{MaxTotalBytes: 1 << 20})
		if err != nil {
			return
		}
		defer m.Close()
		em, err := m.CompileGraph(nil)
		if err != nil {
			return
		}
		n := em.InputLen()
		em.Close()
		if n > 1<<16 {
			return
		}
		xs := [][]float32{make([]float32, n), make([]float32, n)}
		for i := range xs[1] {
			xs[1][i] = float32(i%7) - 3
		}
		o := &Options{Method: Method(flags % 3), NoAdd: flags&4 != 0, SkipError: flags&8 != 0}
		if flags&16 != 0 {
			o.Activations = onnx.Int8
		}
		q, _, err := Quantize(context.Background(), m, Inputs(xs), o)
		if err != nil {
			return
		}
		b, err := q.Marshal()
		if err != nil {
			t.Fatalf("quantized model does not write: %v", err)
		}
		q2, err := onnx.Parse(b, nil)
		if err != nil {
			t.Fatalf("written model does not parse: %v", err)
		}
		checkOrder(t, q2)
	})
}
