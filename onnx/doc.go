// Package onnx reads ONNX models (the protobuf ModelProto that
// torch.onnx.export and other exporters write) without generated code, and
// imports their graphs into gorn's IR (package graph).
//
// # Import
//
//	m, err := onnx.Load("model.onnx")
//	g, err := m.Import(&onnx.ImportOptions{Height: 224, Width: 224})
//
// Import converts any graph of opsets MinOpset (7) to MaxOpset (21) into a
// graph.Graph with every operator in its opset-21 form: older versions'
// attributes become inputs (Pad, Slice, Squeeze, Unsqueeze, ReduceMean,
// ReduceMax, Clip, Split), BatchNormalization's spatial=1 and training-only
// attributes are dropped, Softmax before opset 13 keeps its flattening
// meaning; the table in import_ops.go lists each operator's accepted opsets
// and rewrites. Initializers and Constant nodes become constants:
// floating-point weights (FLOAT16, BFLOAT16 and DOUBLE converted to
// float32) load lazily from the mapped file, so keep the Model open until
// the executor has read them. Identity chains are resolved in linear time;
// duplicate initializers, values defined twice, names nothing defines,
// cycles and operators of other domains are errors that name the node.
// A graph input's batch dimension is 1 in the IR whatever the file says;
// a 4-D input's symbolic height and width take ImportOptions' size.
// Model.GraphInfo describes any graph (operator histogram, opset, inputs
// and outputs with their declared shapes, parameter count) without
// importing it.
//
// # Compile
//
//	em, err := onnx.LoadModel("resnet50.onnx", &onnx.CompileOptions{Engine: engine.Options{Threads: 2}})
//
// or, with the file open (for its metadata), Model.CompileGraph: Import,
// then the passes of graph/opt (constant folding, clean-up, BatchNorm
// folding into convolutions or into a per-channel scale-shift, Pad, ReLU
// and Clip fusion, residual additions in place), graph.Check, and
// engine.Compile, which packs the weights one layer at a time. Every .onnx
// model gorn runs goes through this one path; it knows no architecture
// (there is no ResNet-shaped pattern to match), only operators. Supported
// operators (each in opsets 7 to 21): Conv (any kernel, stride, pads,
// auto_pad, dilation, groups), BatchNormalization, Relu, LeakyRelu, Clip,
// Sigmoid, HardSigmoid, HardSwish, Tanh, Add, Sub, Mul, Div (NumPy
// broadcasting per channel or scalar), MaxPool, AveragePool,
// GlobalAveragePool, GlobalMaxPool, ReduceMean, ReduceMax, Flatten,
// Reshape, Squeeze, Unsqueeze, Transpose, Gemm, MatMul, Softmax,
// LogSoftmax, Concat, Slice, Pad, Identity, Dropout, Cast, Constant, and
// the operators constant folding evaluates at compile time (Shape, Gather,
// ConstantOfShape, Range, arithmetic on constants ...). Any other
// operator or attribute is refused with an error that wraps
// graph.ErrUnsupported and names the node. A graph may have several
// outputs (engine.Model.Outputs describes them; InferOutputs fills any of
// them).
//
// # Metadata
//
// Model carries the file's descriptive fields: producer name and version,
// domain, model version, doc string, the imported operator sets (Opset is
// the default domain's) and metadata_props (Model.Metadata); Model.GraphInfo
// repeats them next to the graph's description. Model.Preprocessing
// reads the image preprocessing a model expects from the metadata keys
// gorn.preprocess.resize, .crop, .mean, .std and .filter (MetaResize and
// the others document their values), which exporters can set with
// onnx.helper.set_model_props; `gorn classify` uses them as its defaults.
//
// # Limits
//
// Parsing is defensive: every length and count is checked against the
// remaining input and against documented limits (MaxModelBytes,
// DefaultMaxTensorBytes, DefaultMaxTotalBytes, MaxEntries,
// MaxExternalFiles) before memory is allocated for it, so a file that
// claims a 2^40-element tensor is rejected with an error, and no input
// makes the parser panic or loop. External data files must lie inside the
// model's directory and be regular files (a FIFO is refused before it is
// opened, and opened non-blocking where the OS has O_NONBLOCK). LoadFile's
// errors name the file and say what is wrong: "empty file", "truncated",
// "not an ONNX model" (ErrNotONNX). Model files and external data files are memory-mapped
// read-only where the OS allows (unix) and read otherwise; the mapped pages
// of a weight are dropped once it has been converted.
package onnx
