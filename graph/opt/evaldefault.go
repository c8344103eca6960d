package opt

import "github.com/gorn-ml/gorn/graph"

// defaultEval is the evaluator ConstFold uses when Options.Eval is nil.
var defaultEval EvalFunc = func(n *graph.Node, _ []*graph.Tensor) ([]*graph.Tensor, error) {
	return nil, n.Unsupportedf("no evaluator")
}
