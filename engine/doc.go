// Package engine compiles a graph.Graph (static shapes, optimized by
// graph/opt) into a Model that runs it on the CPU: every node is lowered to
// an operation of package nn or a plain loop, weights are packed once for
// the chosen kernels level, and all activations of a pass live in one
// workspace slab planned by lifetimes (internal/memplan).
//
// # Layout
//
// Nodes have ONNX's NCHW semantics; inside, 4-D activations are stored
// channels-last (NHWC), other ranks in their row-major (ONNX) order. The
// caller's NCHW input is converted once at the start and every 4-D output
// is converted back to NCHW. A 4-D tensor whose H*W or C is 1 has the same
// order in both layouts, so heads ([N,C,1,1], [N,C]) never move data.
// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout and Cast to
// float are views (no copy) when input and output have the same order, and
// a conversion otherwise (Flatten of an NHWC [N,C,H,W] gives ONNX's C-major
// order).
//
// # Memory
//
// A fused convolution (graph.OpConv) with a Residual input whose buffer
// dies at that node writes its output into the residual's buffer (the
// in-place identity add, nn.Epilogue{Residual: true}); otherwise the
// residual is copied into the output first. Elementwise operators and
// ScaleShift work in place when their input's buffer dies at the node. The
// plan lives in one slab; a Workspace holds one slab, and [Model.Infer]
// keeps idle workspaces, so a warm model makes no heap allocations.
//
// # 8-bit activations
//
// A uint8 or int8 value (the output of QuantizeLinear or gorn.QConv) is
// stored packed, one byte per element and images back to back, in a slot
// of the same slab sized in whole floats: the plan, its lifetimes and the
// float path are unchanged. Only QuantizeLinear (float32 -> 8 bits, per
// tensor), DequantizeLinear (8 bits -> float32) and gorn.QConv (nn.QConv:
// int8 weights packed once for the 8-bit level that belongs to the chosen
// kernels level, requantization fused into kernels.QGemm) read or write
// them; any other operator given one is refused. gorn.QDQ is the float32
// fallback (graph/opt's float-qdq pass).
//
// # Batches
//
// Shapes in the graph have batch 1. A pass runs n <= Options.MaxBatch
// images by scaling dimension 0; larger batches run in several passes.
//
// # Elementwise operators
//
// Same-shape Add and per-channel Add, Sub and Mul (a bias, a squeeze-and-
// excitation gate per image) run on the level's vector kernels as
// scale-shifts; a Relu that alone reads such an Add is fused into it, and
// a lone Relu runs on the vector kernel too. As in the convolutions' fused
// epilogues, ReLU maps NaN to 0. Other elementwise cases are plain loops
// over strided rows (the profile showed the per-channel Mul and the Relu
// of an SE block at 5 to 10 % of the block as plain loops; as kernels
// calls they take under 1 %).
//
// Results are bitwise identical for any thread count: the kernels split
// work over outputs only, and the loops of this package run on the calling
// goroutine.
package engine
