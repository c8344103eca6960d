// Package onnx reads ONNX models (the protobuf ModelProto format written by
// torch.onnx.export and other exporters) without generated code, and
// recognises ResNet-family graphs so that they run on gorn's executor.
//
// Parsing is defensive: every length and count is checked against the
// remaining input and against documented limits (MaxModelBytes,
// DefaultMaxTensorBytes, DefaultMaxTotalBytes, MaxExternalFiles) before
// memory is allocated for it, so a file that claims a 2^40-element tensor
// is rejected with an error. Model files and external data files are
// memory-mapped where the OS allows and read otherwise.
package onnx
