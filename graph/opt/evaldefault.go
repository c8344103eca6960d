package opt

import "github.com/gorn-ml/gorn/graph/eval"

// foldWork bounds the multiply-adds of one folded node: folding is for
// shape arithmetic and relabelled weights, not for running layers.
const foldWork = 1 << 26

// defaultEval returns graph/eval's evaluator bounded by o's fold limit.
func defaultEval(o *Options) EvalFunc {
	return eval.Options{MaxElements: o.maxFold(), MaxWork: foldWork}.Node
}
