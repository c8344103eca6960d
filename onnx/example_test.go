package onnx_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
)

// Load and compile a model in one call (import, graph passes, executor),
// then run it.
func ExampleLoadModel() {
	m, err := onnx.LoadModel("../testdata/onnx/preact18_w4_kept_dyn.onnx", &onnx.CompileOptions{Engine: engine.Options{Threads: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	in, out := m.Input(), m.Outputs()[0]
	image := make([]float32, m.InputLen()) // NCHW, normalised
	logits := make([]float32, out.Len())
	if err := m.Infer(context.Background(), logits, image, 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Name, in.Shape, out.Name, out.Shape)
	// Output: input [1 3 56 56] logits [1 10]
}

// Import a model's graph into gorn's IR and list what it holds.
func ExampleModel_Import() {
	m, err := onnx.Load("../testdata/digits/digits_resnet.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close() // after the graph's weights have been read
	g, err := m.Import(&onnx.ImportOptions{Height: 32, Width: 32})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Inputs[0].Name, g.Inputs[0].Shape, "->", g.Outputs[0].Name)
	fmt.Println(g.OpHistogram())
	// Output:
	// input [1 3 32 32] -> logits
	// [Conv x12 Relu x9 Add x4 Flatten x1 Gemm x1 GlobalAveragePool x1 MaxPool x1]
}

// Describe any model's graph without compiling it.
func ExampleModel_GraphInfo() {
	m, err := onnx.Load("../testdata/onnx/resnet18_w4_fused_b1.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	fmt.Println(m.GraphInfo())
	// Output:
	// opset 17 (IR version 8), producer "pytorch 1.13.0"
	// input  input: FLOAT [1 3 64 64]
	// output logits: FLOAT [1 10]
	// ops    Conv x20, Relu x17, Add x8, Flatten x1, Gemm x1, GlobalAveragePool x1, MaxPool x1
	// params 44802 in 49 nodes, 42 initializers (179208 bytes)
}
