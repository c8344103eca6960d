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
// # ResNet recognition (being replaced by Import)
//
//	m, err := onnx.LoadResNet("resnet50.onnx", &resnet.Options{Threads: 2})
//
// or step by step: Load parses the file, Model.Info describes the network
// (architecture, parameters, MACs, opset, input shape), Model.ResNet returns
// the resnet.Arch and the weights under torchvision state-dict names,
// Model.ResNetSource the same weights as a resnet.WeightSource that decodes
// each tensor from the mapped file only when asked, and Model.Compile hands
// that source to resnet.NewFrom, which reads it one layer at a time, so
// that loading ResNet-50 peaks at about the packed weights' memory.
//
// # Metadata
//
// Model carries the file's descriptive fields: producer name and version,
// domain, model version, doc string, the imported operator sets (Opset is
// the default domain's) and metadata_props (Model.Metadata); Model.Info
// repeats them next to the recognised architecture. Model.Preprocessing
// reads the image preprocessing a model expects from the metadata keys
// gorn.preprocess.resize, .crop, .mean, .std and .filter (MetaResize and
// the others document their values), which exporters can set with
// onnx.helper.set_model_props; `gorn classify` uses them as its defaults.
//
// # Graphs
//
// Recognition walks the graph from its input: the stem (7x7/2 convolution,
// BatchNorm, ReLU, 3x3/2 max pool; or the 3x3/1 CIFAR stem), each residual
// block (basic or bottleneck; v1, v1.5 or pre-activation v2; grouped 3x3
// convolutions for ResNeXt; identity or projection shortcuts) and the head
// (global average pooling, flattening, fully connected layer). Operators:
// Conv, BatchNormalization, Relu, Add, MaxPool, AveragePool (covering the
// whole map), GlobalAveragePool, Flatten, Reshape (to [batch, features]),
// Gemm, MatMul (+Add), Identity, Constant and Pad (folded into the next
// convolution), in opsets 9 to 21 (minRecognizeOpset), with a fixed or
// symbolic batch size.
// BatchNorm the exporter fused into the convolutions (the default eval
// export) arrives as convolution biases; BatchNorm kept as nodes
// (training=TrainingMode.PRESERVE) arrives as bnX.weight, bias,
// running_mean and running_var. Anything else is an error that wraps
// ErrUnsupported and names the node and operator it could not place.
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
