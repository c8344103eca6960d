// Package opt holds the passes that rewrite a graph.Graph before the
// executor lowers it: constant folding, clean-up, and the fusions that give
// the executor its fused operators (graph.OpConv, graph.OpScaleShift).
//
// Each pass is a function of the graph and the Options, small enough to be
// tested alone, and records what it did with Graph.Logf ("fuse-bn: bn1 into
// conv1"), which gorn info -v prints. Optimize runs them in order:
//
//	lower-quant      QOperator (QLinearConv, QLinearMatMul, com.microsoft QLinearAdd/Mul/Sigmoid/
//	                 GlobalAveragePool/Concat, MaxPool & co on 8-bit values) -> the QDQ form
//	fuse-qconv       DequantizeLinear -> Conv -> [Relu] -> QuantizeLinear (int8 weights, int32
//	                 bias) -> gorn.QConv, run in 8 bits; others stay float, the log says why
//	const-fold       shape inference; nodes of constants (and Shape/Size of static shapes) -> constants
//	float-qdq        QuantizeLinear -> DequantizeLinear pairs left on activations -> gorn.QDQ,
//	                 the float32 fallback (exact rounding and saturation, float storage)
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
// # Quantized models
//
// A QDQ or QOperator model runs its convolutions in 8 bits where
// gorn.QConv's rules hold (per-tensor activations, int8 weights per output
// channel or per tensor with zero point 0, an int32 bias of scale
// x_scale*w_scale, one group, a QuantizeLinear on the output, alone or after
// a Relu). Everything else (Add, pools, Gemm/MatMul, Sigmoid, Concat,
// BatchNormalization, grouped convolutions) runs in float32 between
// DequantizeLinear and gorn.QDQ, which rounds and saturates exactly as the
// QuantizeLinear/DequantizeLinear pair does: never refused silently, never
// wrong. Per-axis quantization of activations and 8-bit graph outputs are
// refused with an error naming the node.
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
