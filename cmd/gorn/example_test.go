package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
)

// gorn info describes the demo model. (The last line of its output, sizes
// of the packed weights, depends on the kernels level and is left out.)
func Example_info() {
	var out bytes.Buffer
	code := run(context.Background(), []string{"info", "-model", "../../testdata/digits/digits_resnet.onnx"}, &out, os.Stderr)
	// The lines from "packed" on name this CPU's kernels levels: left out.
	text, _, _ := strings.Cut(out.String(), "\npacked ")
	fmt.Println(text)
	fmt.Println("exit status", code)
	// Output:
	// file          ../../testdata/digits/digits_resnet.onnx (onnx)
	// opset         17 (IR version 8)
	// producer      pytorch 1.13.0
	// input         input: FLOAT [batch 3 32 32]
	// output        logits: FLOAT [batch 10]
	// operators     29 nodes: Conv 12, Relu 9, Add 4, Flatten 1, Gemm 1, GlobalAveragePool 1, MaxPool 1
	// parameters    78602 (0.08 M) in 26 initializers
	// metadata      gorn.labels = 0,1,2,3,4,5,6,7,8,9
	//               gorn.preprocess.crop = 32
	//               gorn.preprocess.mean = 0.485,0.456,0.406
	//               gorn.preprocess.resize = 32
	//               gorn.preprocess.std = 0.229,0.224,0.225
	// preprocess    resize 32, crop 32x32, mean [0.485 0.456 0.406], std [0.229 0.224 0.225] (from the metadata; classify's defaults)
	// compiled      for 32x32 images
	// outputs       logits [1 10] (logits)
	// MACs          547456 (0.547 MMAC) per image
	// passes        lower-conv: 12 Conv -> gorn.Conv
	//               fuse-residual: 4, e.g. /layer1/layer1.0/Add into /layer1/layer1.0/conv2/Conv
	//               fuse-activation: 9, e.g. /relu/Relu into /conv1/Conv
	// exit status 0
}

// gorn classify prints the most likely classes of each image; the digits
// model's metadata sets its preprocessing (32x32, no -resize or -crop
// needed) and its labels (the digits).
func Example_classify() {
	var out bytes.Buffer
	run(context.Background(), []string{"classify", "-model", "../../testdata/digits/digits_resnet.onnx",
		"-topk", "1", "../../testdata/digits/heldout/0000.png"}, &out, os.Stderr)
	var prob float64
	var class int
	lines := strings.Split(out.String(), "\n")
	fmt.Sscanf(lines[1], " %f%% %d", &prob, &class)
	fmt.Println(lines[0])
	fmt.Println("digit", class, "with probability over 90 %:", prob > 90)
	// Output:
	// ../../testdata/digits/heldout/0000.png
	// digit 7 with probability over 90 %: true
}
