package quantize_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/quantize"
)

// Quantize the digits demo model on four of its held-out images and
// count the operators of the QDQ graph.
func ExampleQuantize() {
	m, err := onnx.Load("../testdata/digits/digits_resnet.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	po, err := m.Preprocessing() // resize 32, crop 32
	if err != nil {
		log.Fatal(err)
	}
	var inputs [][]float32
	for _, f := range []string{"0000.png", "0001.png", "0002.png", "0003.png"} {
		x, err := preprocess.File("../testdata/digits/heldout/"+f, po)
		if err != nil {
			log.Fatal(err)
		}
		inputs = append(inputs, x)
	}
	q, report, err := quantize.Quantize(context.Background(), m, quantize.Inputs(inputs),
		&quantize.Options{Method: quantize.Percentile, KeepFloat: []string{"last"}})
	if err != nil {
		log.Fatal(err)
	}
	// q.WriteFile("digits_int8.onnx") writes it; report.WriteText prints the table.
	ops := map[string]int{}
	for _, n := range q.Graph.Nodes {
		ops[n.OpType]++
	}
	fmt.Println(len(report.Layers), "layers;", ops["QuantizeLinear"], "QuantizeLinear,", ops["DequantizeLinear"], "DequantizeLinear")
	// Output: 17 layers; 20 QuantizeLinear, 44 DequantizeLinear
}
