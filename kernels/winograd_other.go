//go:build purego || !amd64

package kernels

// wino returns nil: every level runs the generic Winograd transforms.
func (im *Impl) wino() *winoKernels { return nil }
