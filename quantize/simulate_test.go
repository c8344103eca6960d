package quantize

import (
	"context"
	"math"
	"testing"

	"github.com/gorn-ml/gorn/onnx"
)

// fq is QuantizeLinear then DequantizeLinear, uint8, in float64.
func fq(x, scale float64, zp int64) float64 {
	q := math.RoundToEven(x/scale) + float64(zp)
	return (min(max(q, 0), 255) - float64(zp)) * scale
}

// deq dequantizes a per-channel initializer pair of the QDQ model.
func deq(t *testing.T, in map[string]*onnx.Tensor, name string, dt onnx.DataType, channels, inner int) []float64 {
	q := ints(t, in[name+"_quantized"], dt)
	scaleName := name + "_scale"
	if dt == onnx.Int32 {
		scaleName = name + "_quantized_scale"
	}
	s := floats(t, in[scaleName])
	out := make([]float64, len(q))
	for i, v := range q {
		out[i] = float64(v) * s[(i/inner)%channels]
	}
	return out
}

// TestSimulateTiny runs Simulate's float graph of the tiny QDQ model and
// compares it with a float64 reference written here from the QDQ
// semantics: fake-quantized input, dequantized weights and biases, Conv
// 1x1, ReLU, fake-quantized features, Gemm.
func TestSimulateTiny(t *testing.T) {
	q, rep, err := Quantize(context.Background(), tinyModel(t, true), Inputs(tinyInputs), nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := Simulate(q)
	if err != nil {
		t.Fatal(err)
	}
	em, err := sim.CompileGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	in := inits(q)
	xs, xz := floats(t, in["x_scale"])[0], ints(t, in["x_zero_point"], onnx.Uint8)[0]
	fs, fz := floats(t, in["f_scale"])[0], ints(t, in["f_zero_point"], onnx.Uint8)[0]
	w, b := deq(t, in, "W", onnx.Int8, 3, 2), deq(t, in, "B", onnx.Int32, 3, 1)
	fw, fb := deq(t, in, "FW", onnx.Int8, 4, 12), deq(t, in, "FB", onnx.Int32, 4, 1)
	for _, x := range append(tinyInputs, []float32{0.3, -0.7, 2.9, 1.234, -0.01, 0.5, 1.75, 2.2}) {
		f := make([]float64, 12) // (3 channels, 2x2) flattened
		for c := 0; c < 3; c++ {
			for p := 0; p < 4; p++ {
				s := b[c]
				for k := 0; k < 2; k++ {
					s += w[c*2+k] * fq(float64(x[k*4+p]), xs, xz)
				}
				f[c*4+p] = fq(max(s, 0), fs, fz)
			}
		}
		got := make([]float32, 4)
		if err := em.Infer(context.Background(), got, x, 1); err != nil {
			t.Fatal(err)
		}
		for r := 0; r < 4; r++ {
			want := fb[r]
			for k := 0; k < 12; k++ {
				want += fw[r*12+k] * f[k]
			}
			if math.Abs(float64(got[r])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("input %v: output %d = %g, reference %g", x, r, got[r], want)
			}
		}
	}
	if rep.Measured != len(tinyInputs) || rep.OutputError <= 0 || rep.OutputError > 0.05 {
		t.Fatalf("report: %d measured, output error %g", rep.Measured, rep.OutputError)
	}
}
