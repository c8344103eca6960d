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
