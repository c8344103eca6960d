package graph_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
)

// A convolution with auto_pad SAME_UPPER: InferShapes gives the output
// shape and writes the padding out ([top, left, bottom, right]); Check
// accepts the node.
func ExampleInferShapes() {
	g := graph.New()
	x, _ := g.AddInput("image", graph.Float32, []int{1, 3, 224, 224})
	w, _ := g.AddConst("w", graph.Floats([]int{64, 3, 7, 7}, make([]float32, 64*3*7*7)))
	conv, _ := g.AddNode("Conv", "stem", []*graph.Value{x, w}, []string{"y"},
		graph.Attrs{"strides": graph.Is(2, 2), "auto_pad": graph.S("SAME_UPPER")})
	g.Outputs = conv.Outputs
	if err := graph.InferShapes(g); err != nil {
		fmt.Println(err)
		return
	}
	pads, _ := conv.Ints("pads", nil)
	fmt.Println(conv.Outputs[0].Shape, pads, graph.Check(g))
	// Output: [1 64 112 112] [2 2 3 3] <nil>
}
