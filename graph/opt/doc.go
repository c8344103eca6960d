// Package opt holds the passes that rewrite a graph.Graph before the
// executor lowers it: constant folding, clean-up, and the fusions that give
// the executor its fused operators (graph.OpConv, graph.OpScaleShift).
//
// Each pass is a function of the graph and the Options, small enough to be
// tested alone, and records what it did with Graph.Logf ("fuse-bn: bn1 into
// conv1"), which gorn info -v prints. Optimize runs them in order:
//
//	const-fold       shape inference; nodes of constants (and Shape/Size of static shapes) -> constants
//	lower-conv       Conv -> gorn.Conv with every attribute explicit
//	cleanup          Identity, Dropout, no-op Cast/Reshape/Pad/Transpose removed; a Transpose before a
//	                 keepdims=0 ReduceMean/ReduceMax bypassed; dead code removed
//	fuse-pad         zero Pad on H/W -> the next conv's (or pool's) pads
//	fuse-bn          BatchNormalization -> the conv's weights, else gorn.ScaleShift
//	fuse-residual    Add(conv, shortcut) -> gorn.Conv's Residual input
//	fuse-activation  Relu, Clip(0, max) -> the producer's epilogue
//	cleanup          again, for what the fusions left dead
//
// Shapes are inferred again after the last pass (graph.InferShapes), which
// checks what the passes made.
//
// FuseResidual runs before FuseActivation because gorn.Conv computes
// act(conv + bias + residual): the Relu after a block's Add fuses into the
// conv that took the Add.
//
// # Streaming
//
// No pass reads convolution weights: folding a BatchNorm into a conv gives
// the conv a new constant whose Tensor.Load loads the old weights and folds
// them, so the folded copy exists only while the executor packs it. Large
// constant folds (a Transpose or Reshape of a weight) are lazy in the same
// way when the result's shape is known.
//
// # Cost
//
// Every pass is linear in the graph's size: a pass collects its changes and
// applies them in one sweep that rebuilds the users lists, instead of
// editing them one use at a time (a node with 100,000 inputs fed by a
// chain of 50,000 Identity nodes costs one sweep, not a quadratic walk).
// Constant folding is bounded by Options.MaxFoldElements per tensor and
// Options.MaxFoldTotal in all, so a hostile graph fails with an error.
package opt
