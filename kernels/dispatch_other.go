//go:build purego || !(amd64 || arm64)

package kernels

// archLevels is empty: only the generic level exists in this build.
var archLevels []*Impl
