package opt

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// qb adds the QDQ layout ONNX Runtime's quantizer writes to a builder.
type qb struct{ *builder }

func (b qb) scalar(v float32) *graph.Value { return b.constF([]float32{v}) }

func (b qb) zp(dt graph.DType, v int) *graph.Value {
	c, err := b.g.AddConst(b.name("z"), graph.Quant(dt, nil, []int{v}))
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// qdq adds QuantizeLinear -> DequantizeLinear on x (per tensor).
func (b qb) qdq(x *graph.Value, s float32, dt graph.DType, z int) *graph.Value {
	sv, zv := b.scalar(s), b.zp(dt, z)
	q := b.node("QuantizeLinear", []*graph.Value{x, sv, zv}, nil, x.Shape...)
	return b.node("DequantizeLinear", []*graph.Value{q, sv, zv}, nil, x.Shape...)
}

// qconv adds Conv with int8 per-channel weights and an int32 bias, both
// behind DequantizeLinear, on x dequantized with scale xs.
func (b qb) qconv(x *graph.Value, xs float32, co, k, group int) *graph.Value {
	ci := x.Shape[1] / group
	w := make([]int, co*ci*k*k)
	for i := range w {
		w[i] = b.rng.IntN(255) - 127
	}
	ws, bs := make([]float32, co), make([]float32, co)
	bias := make([]int64, co)
	for j := range ws {
		ws[j] = float32(0.002 + 0.004*b.rng.Float64())
		bs[j] = xs * ws[j]
		bias[j] = int64(b.rng.IntN(2001) - 1000)
	}
	wq, err := b.g.AddConst(b.name("wq"), graph.Quant(graph.Int8, []int{co, ci, k, k}, w))
	if err != nil {
		b.t.Fatal(err)
	}
	wzero := make([]int, co)
	wz, _ := b.g.AddConst(b.name("wz"), graph.Quant(graph.Int8, []int{co}, wzero))
	wf := b.node("DequantizeLinear", []*graph.Value{wq, b.constF(ws, co), wz}, graph.Attrs{"axis": graph.I(0)}, co, ci, k, k)
	bf := b.node("DequantizeLinear", []*graph.Value{b.constI(bias, co), b.constF(bs, co)}, graph.Attrs{"axis": graph.I(0)}, co)
	p := int64(k / 2)
	attrs := graph.Attrs{"kernel_shape": graph.Is(int64(k), int64(k)), "pads": graph.Is(p, p, p, p), "group": graph.I(int64(group))}
	return b.node("Conv", []*graph.Value{x, wf, bf}, attrs, 1, co, x.Shape[2], x.Shape[3])
}

func evalOne(t *testing.T, g *graph.Graph, x []float64) []float64 {
	t.Helper()
	res, err := eval.Run(g, map[string]*eval.Tensor{g.Inputs[0].Name: eval.NewFloat(g.Inputs[0].Shape, x)})
	if err != nil {
		t.Fatal(err)
	}
	return res[g.Outputs[0].Name].F
}

// TestQuantPasses builds a QDQ graph (uint8 and int8 activations, a Relu
// kept, a max pool, a residual Add, a global average pool, a grouped convolution gorn runs in
// float) and
// checks what the passes make of it and that graph/eval gives the same
// outputs before and after, to one output step.
func TestQuantPasses(t *testing.T) {
	for _, dt := range []graph.DType{graph.Uint8, graph.Int8} {
		b := qb{newBuilder(t)}
		z := 0
		if dt == graph.Int8 {
			z = -128
		}
		x := b.input(1, 4, 6, 6)
		xq := b.qdq(x, 0.01, dt, 0)
		c1 := b.relu(b.qconv(xq, 0.01, 8, 3, 1))
		h := b.qdq(c1, 0.02, dt, z)
		mp := b.node("MaxPool", []*graph.Value{h}, graph.Attrs{"kernel_shape": graph.Is(3, 3), "pads": graph.Is(1, 1, 1, 1)}, h.Shape...)
		c2 := b.qconv(b.qdq(mp, 0.02, dt, z), 0.02, 8, 1, 1)
		c3 := b.qconv(xq, 0.01, 8, 3, 2) // grouped: float
		s := b.add(b.qdq(c2, 0.03, dt, 0), b.qdq(c3, 0.03, dt, 0))
		gap := b.node("GlobalAveragePool", []*graph.Value{b.qdq(s, 0.05, dt, 0)}, nil, 1, 8, 1, 1)
		out := b.qdq(gap, 0.01, dt, 0)
		b.g.Outputs = []*graph.Value{out}
		rng := rand.New(rand.NewPCG(3, 4))
		xs := make([]float64, 4*36)
		for i := range xs {
			xs[i] = float64(float32(rng.Float64()*2 - 1))
		}
		want := evalOne(t, b.g, xs)
		if err := Optimize(b.g, nil); err != nil {
			t.Fatal(err)
		}
		if err := graph.Check(b.g); err != nil {
			t.Fatal(err)
		}
		h2 := b.g.OpHistogram()
		if !slices.Contains(h2, "gorn.QConv x2") || !slices.Contains(h2, "gorn.Conv x1") || !slices.Contains(h2, "QLinearGlobalAveragePool x1") {
			t.Errorf("%v: operators %v, want two gorn.QConv and one float gorn.Conv", dt, h2)
		}
		if n := node(t, b.g, "MaxPool"); n.Inputs[0].DType != dt {
			t.Errorf("%v: MaxPool reads %v, want 8-bit values", dt, n.Inputs[0].DType)
		}
		log := strings.Join(b.g.Log(), "\n")
		if !strings.Contains(log, "stays float32") || !strings.Contains(log, "grouped") {
			t.Errorf("%v: the log does not say why the grouped conv stays float:\n%s", dt, log)
		}
		got := evalOne(t, b.g, xs)
		nonzero := false
		for i := range want {
			if math.Abs(got[i]-want[i]) > 0.01*1.001 {
				t.Fatalf("%v: output %d = %v, want %v (one step 0.01)", dt, i, got[i], want[i])
			}
			nonzero = nonzero || want[i] != 0
		}
		if !nonzero {
			t.Fatal("all outputs zero: a test that cannot fail")
		}
	}
}

// TestFloatQDQRefusals: quantized values gorn cannot leave in 8 bits are
// refused with errors that name them, never run wrongly.
func TestFloatQDQRefusals(t *testing.T) {
	b := qb{newBuilder(t)}
	x := b.input(1, 2, 3, 3)
	sv, zv := b.scalar(0.1), b.zp(graph.Uint8, 0)
	q := b.node("QuantizeLinear", []*graph.Value{x, sv, zv}, nil, x.Shape...)
	b.g.Outputs = []*graph.Value{q}
	err := Optimize(b.g, nil)
	if err == nil || !strings.Contains(err.Error(), "graph output") {
		t.Errorf("a uint8 graph output: %v", err)
	}
	b = qb{newBuilder(t)}
	x = b.input(1, 2, 3, 3)
	s2 := b.constF([]float32{0.1, 0.2}, 2)
	z2, _ := b.g.AddConst("z2", graph.Quant(graph.Uint8, []int{2}, []int{0, 0}))
	q = b.node("QuantizeLinear", []*graph.Value{x, s2, z2}, nil, x.Shape...)
	d := b.node("DequantizeLinear", []*graph.Value{q, s2, z2}, nil, x.Shape...)
	b.g.Outputs = []*graph.Value{d}
	if err := Optimize(b.g, nil); err == nil || !strings.Contains(err.Error(), "per-axis") {
		t.Errorf("per-axis activation quantization: %v", err)
	}
}
