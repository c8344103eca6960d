//go:build purego || !(amd64 || arm64)

package kernels

// Only the generic level exists in this build.
