// Package amd64 holds gorn's hand-written amd64 assembly kernels (AVX2+FMA
// and AVX-512F) and their Go declarations. It has no logic of its own:
// package kernels decides, from the CPU's features, which of them to call.
// On other architectures, and with the purego build tag, it is empty.
package amd64
