package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// quantGraph builds input -> QuantizeLinear -> gorn.QConv (3x3, bias,
// relu) -> MaxPool -> QLinearGlobalAveragePool -> DequantizeLinear, and a
// second output DequantizeLinear(conv) -> gorn.QDQ, with activations of
// type dt.
func quantGraph(t *testing.T, dt graph.DType) *graph.Graph {
	b, x := newTG(t, []int{1, 5, 7, 6})
	z := 0
	if dt == graph.Int8 {
		z = -20
	}
	sc := func(v float32) *graph.Value { return b.floats(nil, v) }
	zp := func(v int) *graph.Value {
		c, err := b.g.AddConst(b.name("z"), graph.Quant(dt, nil, []int{v}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	r := rand.New(rand.NewPCG(5, 6))
	w := make([]int, 6*5*3*3)
	for i := range w {
		w[i] = r.IntN(255) - 127
	}
	wv, _ := b.g.AddConst("w", graph.Quant(graph.Int8, []int{6, 5, 3, 3}, w))
	bias, _ := b.g.AddConst("b", &graph.Tensor{DType: graph.Int32, Shape: []int{6}, I32: []int32{100, -300, 0, 5000, -50, 7}})
	ws := b.floats([]int{6}, 0.001, 0.002, 0.003, 0.001, 0.0005, 0.004)
	xq := b.node("QuantizeLinear", []*graph.Value{x, sc(0.01), zp(z)}, []int{1, 5, 7, 6}, nil)
	xq.DType = dt
	c := b.node(graph.OpQConv, []*graph.Value{xq, wv, bias, sc(0.01), zp(z), ws, sc(0.02), zp(z)}, []int{1, 6, 7, 6},
		graph.Attrs{"kernel_shape": graph.Is(3, 3), "pads": graph.Is(1, 1, 1, 1), "activation": graph.S("relu")})
	m := b.node("MaxPool", []*graph.Value{c}, []int{1, 6, 4, 3}, graph.Attrs{"kernel_shape": graph.Is(3, 3), "strides": graph.Is(2, 2), "pads": graph.Is(1, 1, 1, 1)})
	g := b.node("QLinearGlobalAveragePool", []*graph.Value{m, sc(0.02), zp(z), sc(0.005), zp(z)}, []int{1, 6, 1, 1}, nil)
	b.out(b.node("DequantizeLinear", []*graph.Value{g, sc(0.005), zp(z)}, []int{1, 6, 1, 1}, nil))
	d := b.node("DequantizeLinear", []*graph.Value{c, sc(0.02), zp(z)}, []int{1, 6, 7, 6}, nil)
	lo, hi := graph.QuantRange(dt)
	b.out(b.node(graph.OpQDQ, []*graph.Value{d, sc(0.05), sc(float32(z)), sc(0.05), sc(float32(z))}, []int{1, 6, 7, 6},
		graph.Attrs{"lo": graph.I(int64(lo)), "hi": graph.I(int64(hi))}))
	if err := graph.InferShapes(b.g); err != nil {
		t.Fatal(err)
	}
	if err := graph.Check(b.g); err != nil {
		t.Fatal(err)
	}
	return b.g
}

// TestQuantOps runs 8-bit activations through the executor (byte storage
// in the slab, QuantizeLinear, gorn.QConv, MaxPool and the global average
// pool on 8-bit values, DequantizeLinear, gorn.QDQ) for 3 images in passes
// of 2, and compares with graph/eval image by image: within one step of
// each output's scale, no allocations.
func TestQuantOps(t *testing.T) {
	for _, dt := range []graph.DType{graph.Uint8, graph.Int8} {
		g := quantGraph(t, dt)
		m, err := Compile(g, &Options{Threads: 2, MaxBatch: 2})
		if err != nil {
			t.Fatal(err)
		}
		const batch = 3
		src := randInput(rand.New(rand.NewPCG(1, 1)), g, batch)
		outs := m.Outputs()
		dsts := [][]float32{make([]float32, batch*outs[0].Len()), make([]float32, batch*outs[1].Len())}
		ctx := context.Background()
		if err := m.InferOutputs(ctx, src, batch, dsts); err != nil {
			t.Fatal(err)
		}
		if !raceEnabled {
			if n := testing.AllocsPerRun(3, func() { m.InferOutputs(ctx, src, batch, dsts) }); n != 0 {
				t.Errorf("%v: %v allocations per call", dt, n)
			}
		}
		in := m.InputLen()
		steps := []float64{0.005, 0.05}
		nonzero := false
		for img := range batch {
			x := make([]float64, in)
			for i := range x {
				x[i] = float64(src[img*in+i])
			}
			ev, err := eval.Run(g, map[string]*eval.Tensor{g.Inputs[0].Name: eval.NewFloat(g.Inputs[0].Shape, x)})
			if err != nil {
				t.Fatal(err)
			}
			for o, v := range g.Outputs {
				want := ev[v.Name].F
				l := outs[o].Len()
				got := dsts[o][img*l : (img+1)*l]
				for i := range want {
					// gorn's storage is NHWC only inside; outputs are NCHW.
					if d := math.Abs(float64(got[i]) - want[i]); d > steps[o]*1.001 {
						t.Fatalf("%v image %d output %d element %d: %v, want %v", dt, img, o, i, got[i], want[i])
					}
					nonzero = nonzero || want[i] != 0
				}
			}
		}
		if !nonzero {
			t.Fatal("all outputs zero")
		}
		m.Close()
	}
}

// TestQuantRefusals: an 8-bit activation read by a float operator, or
// given as a graph output, is refused at compile time.
func TestQuantRefusals(t *testing.T) {
	b, x := newTG(t, []int{1, 2, 3, 3})
	sc := b.floats(nil, 0.1)
	q := b.node("QuantizeLinear", []*graph.Value{x, sc}, []int{1, 2, 3, 3}, nil)
	f := b.node("Flatten", []*graph.Value{q}, []int{1, 18}, nil)
	b.out(b.node("Relu", []*graph.Value{b.node("DequantizeLinear", []*graph.Value{f, sc}, []int{1, 18}, nil)}, []int{1, 18}, nil))
	if err := graph.InferShapes(b.g); err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(b.g, nil); err == nil || !strings.Contains(err.Error(), "uint8 activation") {
		t.Errorf("Flatten of uint8: %v", err)
	}
	b, x = newTG(t, []int{1, 2, 3, 3})
	b.out(b.node("QuantizeLinear", []*graph.Value{x, b.floats(nil, 0.1)}, []int{1, 2, 3, 3}, nil))
	if err := graph.InferShapes(b.g); err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(b.g, nil); err == nil || !strings.Contains(err.Error(), "graph output") {
		t.Errorf("uint8 graph output: %v", err)
	}
}
