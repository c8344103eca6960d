package eval_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// Run evaluates a graph in float64: here an average pool of a 3x3 map
// with ceil_mode, whose partial windows average only the pixels they hold.
func ExampleRun() {
	g := graph.New()
	x, _ := g.AddInput("x", graph.Float32, []int{1, 1, 3, 3})
	pool, _ := g.AddNode("AveragePool", "pool", []*graph.Value{x}, []string{"y"}, graph.Attrs{
		"kernel_shape": graph.Is(2, 2), "strides": graph.Is(2, 2), "ceil_mode": graph.I(1)})
	g.Outputs = pool.Outputs
	in := eval.NewFloat([]int{1, 1, 3, 3}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	out, err := eval.Run(g, map[string]*eval.Tensor{"x": in})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out["y"].Shape, out["y"].F)
	// Output: [1 1 2 2] [3 4.5 7.5 9]
}

// Node folds one node whose inputs are known at compile time, here the
// Shape of an activation, which needs only its shape.
func ExampleNode() {
	n := &graph.Node{Op: "Shape", Name: "s", Inputs: []*graph.Value{{}}, Outputs: []*graph.Value{{}}}
	act := &graph.Tensor{DType: graph.Float32, Shape: []int{1, 64, 56, 56}}
	out, err := eval.Node(n, []*graph.Tensor{act})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out[0].DType, out[0].I64)
	// Output: int64 [1 64 56 56]
}
