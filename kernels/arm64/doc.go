// Package arm64 holds gorn's hand-written arm64 NEON assembly kernels and
// their Go declarations. It has no logic of its own: package kernels
// decides, from the CPU's features, which of them to call. On other
// architectures, and with the purego build tag, it is empty.
package arm64
