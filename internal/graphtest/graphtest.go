// Package graphtest builds small graphs for the tests of graph, graph/eval,
// graph/opt and engine: each function adds to a graph.Graph and fails the
// test on the first error, so a test reads as the graph it builds.
package graphtest

import (
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// Input adds a float32 graph input.
func Input(t testing.TB, g *graph.Graph, name string, shape ...int) *graph.Value {
	t.Helper()
	v, err := g.AddInput(name, graph.Float32, shape)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Const adds a constant.
func Const(t testing.TB, g *graph.Graph, name string, c *graph.Tensor) *graph.Value {
	t.Helper()
	v, err := g.AddConst(name, c)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Ints adds a 1-D int64 constant of the values v.
func Ints(t testing.TB, g *graph.Graph, name string, v ...int64) *graph.Value {
	t.Helper()
	return Const(t, g, name, graph.Ints([]int{len(v)}, v))
}

// Node adds a node with outputs named outs.
func Node(t testing.TB, g *graph.Graph, op, name string, ins []*graph.Value, outs []string, attrs graph.Attrs) *graph.Node {
	t.Helper()
	n, err := g.AddNode(op, name, ins, outs, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Op adds a node named out with one output, also named out, and returns
// that output.
func Op(t testing.TB, g *graph.Graph, op string, attrs graph.Attrs, out string, ins ...*graph.Value) *graph.Value {
	t.Helper()
	return Node(t, g, op, out, ins, []string{out}, attrs).Outputs[0]
}
