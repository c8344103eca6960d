package engine_test

import (
	"context"
	"fmt"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/graph"
)

// A graph with two outputs: a 3x3 convolution with ReLU, globally pooled
// into features, and a linear classifier on them. Compile it, then fill
// both outputs in one call.
func Example() {
	g := graph.New()
	x, _ := g.AddInput("image", graph.Float32, []int{1, 3, 8, 8})
	w := make([]float32, 4*3*3*3)
	for i := range w {
		w[i] = float32(i%5) / 10
	}
	wv, _ := g.AddConst("conv.w", graph.Floats([]int{4, 3, 3, 3}, w))
	conv, _ := g.AddNode(graph.OpConv, "conv", []*graph.Value{x, wv, nil, nil}, []string{"conv.y"},
		graph.Attrs{"kernel_shape": graph.Is(3, 3), "pads": graph.Is(1, 1, 1, 1), "activation": graph.S("relu")})
	pool, _ := g.AddNode("GlobalAveragePool", "pool", conv.Outputs, []string{"pool.y"}, nil)
	flat, _ := g.AddNode("Flatten", "flatten", pool.Outputs, []string{"features"}, nil)
	fw, _ := g.AddConst("fc.w", graph.Floats([]int{2, 4}, []float32{1, 0, 0, 0, 0, 0, 0, 1}))
	fc, _ := g.AddNode("Gemm", "fc", []*graph.Value{flat.Outputs[0], fw}, []string{"logits"}, graph.Attrs{"transB": graph.I(1)})
	g.Outputs = []*graph.Value{fc.Outputs[0], flat.Outputs[0]}
	if err := graph.InferShapes(g); err != nil {
		fmt.Println(err)
		return
	}

	m, err := engine.Compile(g, &engine.Options{Threads: 1, MaxBatch: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	for _, o := range m.Outputs() {
		fmt.Println(o.Name, o.Shape)
	}

	const batch = 2
	src := make([]float32, batch*m.InputLen()) // NCHW
	for i := range src {
		src[i] = 1
	}
	logits := make([]float32, batch*m.Outputs()[0].Len())
	features := make([]float32, batch*m.Outputs()[1].Len())
	if err := m.InferOutputs(context.Background(), src, batch, [][]float32{logits, features}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("logits %.3f\n", logits)
	// Output:
	// logits [1 2]
	// features [1 4]
	// logits [4.345 4.473 4.345 4.473]
}
