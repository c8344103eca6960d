// Package graph is gorn's intermediate representation: a graph of typed
// values and operator nodes that every model compiles through. Frontends
// (the ONNX importer, resnet.Arch) build a Graph; the passes in graph/opt
// fold constants, clean up and fuse; the executor (package engine) lowers
// what is left to kernels. graph imports nothing of gorn.
//
// # Values and shapes
//
// A Value is a graph input, a constant (Value.Const, whose data may load
// lazily from the model file) or a node's output. Shapes are static once
// the input size is fixed (InferShapes); activations are float32 with
// dimension 0 the batch, written 1 in the IR: the executor runs n images by
// scaling dimension 0, so an operator that would mix images (a Reshape
// that moves the batch, a Concat on axis 0) is refused.
//
// # Operators
//
// Nodes carry ONNX operator names with ONNX's NCHW semantics. Importers
// normalise every operator to one form, that of its newest version (opset
// 21), so passes and the executor see one form:
//
//   - inputs that older opsets gave as attributes are inputs here (Pad's
//     pads and value, Slice's starts/ends/axes/steps, Squeeze/Unsqueeze/
//     ReduceMean/ReduceMax axes, Clip's min and max, Split's split,
//     Reshape's shape, Upsample -> Resize is not supported);
//   - BatchNormalization: inputs X, scale, B, mean, var; attribute
//     epsilon; spatial (opsets < 9) accepted only as 1 and dropped;
//     training outputs are refused;
//   - Conv, MaxPool, AveragePool: auto_pad is resolved into explicit pads
//     by InferShapes (and the attribute removed), "pads" always has four
//     entries [top, left, bottom, right] after InferShapes;
//   - Gemm keeps alpha, beta, transA, transB; MatMul is plain.
//
// The passes introduce two fused operators that the executor runs:
//
//   - OpConv ("gorn.Conv"): inputs X, W (OIHW, float32), B (optional, may
//     be nil), Residual (optional). Attributes kernel_shape, strides,
//     pads [t, l, b, r], dilations, group as for Conv, and "activation":
//     "" | "relu" | "clip" (with "min" and "max" floats). It computes
//     Y = act(conv(X, W) + B + Residual); with a Residual whose value dies
//     at this node the executor writes Y into the residual's buffer (the
//     in-place identity add).
//   - OpScaleShift ("gorn.ScaleShift"): inputs X, scale [C], shift [C]
//     (constants); attribute "activation" as above. Y = act(X*scale[c] +
//     shift[c]) per channel c (dimension 1): a BatchNorm that cannot fold.
//   - OpQDQ ("gorn.QDQ"): inputs X (float32), q_scale, q_zero_point,
//     dq_scale, dq_zero_point (float32 scalar constants); attributes "lo"
//     and "hi" (ints, the saturation bounds of the quantized type). It is
//     QuantizeLinear followed by DequantizeLinear computed in float32:
//     Y = (clamp(round_half_even(X/q_scale) + q_zero_point, lo, hi) -
//     dq_zero_point) * dq_scale. Quantized models run through it where
//     gorn has no 8-bit kernel (graph/opt's lower-quant pass).
//
// # Quantized operators
//
// QuantizeLinear and DequantizeLinear (per tensor or per axis, uint8 and
// int8, int32 for DequantizeLinear, whose int32 constants the importer may
// widen to int64; block_size 0), QLinearConv, QLinearMatMul and the
// com.microsoft operators QLinearAdd, QLinearMul, QLinearSigmoid,
// QLinearGlobalAveragePool (channels_last 0) and QLinearConcat have shapes,
// Check rules and float64 reference semantics (graph/eval): round half to
// even and saturation as ONNX defines them. Their scales and zero points
// must be constants.
//
// # Shape inference and the supported set
//
// InferShapes (or InferShapesWith, whose After hook lets constant folding
// turn each node into constants as soon as its shapes are known) sets every
// node output's DType and Shape in topological order; InferNode does one
// node. Shapes that depend on values (Reshape's shape, Slice's starts, Pad's
// pads, Expand, ConstantOfShape, Range, axes inputs) need those inputs
// constant, or the error wraps ErrUnsupported. No tensor may exceed
// MaxElements elements or MaxRank dimensions. Helpers the executor shares
// with inference: OutputSize and SamePads (window arithmetic), Slices,
// Pads, Perm, ReduceAxes, ShapeRange, ConstantValue, FillValue, CastType,
// Broadcast.
//
// Check is the supported-set check: SupportedOps lists the operators,
// FoldOnly those that constant folding alone evaluates (their inputs must
// be static: constants, or computed only from constants and shapes). It
// refuses unknown attributes, unsupported modes, weights computed at run
// time, and operations that would mix the images of a batch. Package
// graph/eval interprets every supported operator in float64, for constant
// folding and as the tests' reference.
//
// # Limits
//
// Every operation is linear in the graph's size (values, nodes and edges):
// users lists are kept on each value, Sort is Kahn's algorithm, removal is
// marked and compacted. A hostile file therefore costs time in proportion
// to its size, and sizes are checked before memory is allocated for them.
package graph

// Fused operators (see the package documentation).
const (
	OpConv       = "gorn.Conv"
	OpScaleShift = "gorn.ScaleShift"
	OpQDQ        = "gorn.QDQ"
)
