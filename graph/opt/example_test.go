package opt_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/opt"
)

// Conv -> BatchNormalization -> Relu compiles to one gorn.Conv with the
// BatchNorm folded into its weights and the ReLU in its epilogue.
func ExampleOptimize() {
	g := graph.New()
	x, _ := g.AddInput("x", graph.Float32, []int{1, 2, 4, 4})
	w, _ := g.AddConst("w", graph.Floats([]int{2, 2, 1, 1}, []float32{1, 0, 0, 1}))
	conv, _ := g.AddNode("Conv", "conv1", []*graph.Value{x, w}, []string{"c"}, nil)
	var stats []*graph.Value
	for i, v := range [][]float32{{1, 2}, {0, 1}, {0.5, 0}, {1, 4}} {
		s, _ := g.AddConst(fmt.Sprint("bn", i), graph.Floats([]int{2}, v))
		stats = append(stats, s)
	}
	bn, _ := g.AddNode("BatchNormalization", "bn1", append([]*graph.Value{conv.Outputs[0]}, stats...), []string{"b"}, nil)
	relu, _ := g.AddNode("Relu", "relu1", bn.Outputs, []string{"y"}, nil)
	g.Outputs = relu.Outputs

	if err := opt.Optimize(g, nil); err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range g.Log() {
		fmt.Println(l)
	}
	n := g.Nodes[0]
	act, _ := n.Str("activation", "")
	fmt.Println(g.OpHistogram(), act, n.Source)
	// Output:
	// lower-conv: 1 Conv -> gorn.Conv
	// fuse-bn: bn1 into conv1
	// fuse-activation: relu1 into conv1
	// [gorn.Conv x1] relu [conv1 bn1 relu1]
}
