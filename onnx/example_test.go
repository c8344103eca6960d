package onnx_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/resnet"
)

// Load a model exported with torch.onnx.export and describe it.
func ExampleModel_Info() {
	m, err := onnx.Load("../testdata/onnx/resnet18_w4_fused_b1.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info)
	// Output: resnet18 width=4 classes=10: 45102 params, 1.14 MMAC at 64x64, opset 17, batch 1, BatchNorm fused
}

// Load, recognise and compile a model in one call, then run it.
func ExampleLoadResNet() {
	m, err := onnx.LoadResNet("../testdata/onnx/preact18_w4_kept_dyn.onnx", &resnet.Options{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	h, w := m.InputSize()
	image := make([]float32, 3*h*w) // NCHW, normalised
	logits := make([]float32, m.Classes())
	if err := m.Infer(context.Background(), logits, image, 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Arch(), h, w, len(logits))
	// Output: resnet18-v2 width=4 classes=10 56 56 10
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

// Describe any model's graph without recognising or compiling it.
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
