// Package bench compares gorn's kernels, layers and networks with peers
// (gonum, the pure-Go level, ONNX Runtime) with go test -bench. It is a
// module of its own so that peers never become dependencies of gorn.
package bench
