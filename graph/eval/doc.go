// Package eval is a naive interpreter of gorn's IR: every operator graph
// supports (graph.SupportedOps), including the fused gorn.Conv and
// gorn.ScaleShift, on N-D tensors in NCHW (Conv and the pools in 2-D, as
// graph.Check requires), with plain loops, floats in float64 and int64
// exactly.
//
// It has two uses. Constant folding calls Node on a node whose inputs are
// all known at compile time and gets graph tensors back (Float32 results
// rounded once, at the end of the node). Tests use Run as the float64
// oracle for the passes and the executor.
//
// It is written to be obviously right, not fast, and it takes no results
// from package graph's shape inference: each operator checks its inputs and
// computes its output shape itself. It never allocates a tensor above
// Options.MaxElements or starts a computation above Options.MaxWork
// multiply-adds: a hostile ConstantOfShape of 2^40 elements is an error,
// not an out-of-memory crash.
package eval
