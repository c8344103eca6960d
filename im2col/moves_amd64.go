//go:build !purego

package im2col

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

// movesAsm selects the assembly moves (kernels/amd64 CopyRowsAVX2 and
// Scatter3) over the Go ones; it is set from the CPU's features
// (GODEBUG=cpu.avx2=off turns it off) and switched by the benchmarks.
var movesAsm = cpu.X86.HasAVX2

// copyRowsAsm and scatter3Asm are the assembly moves, called by copyRows
// and scatter3 after their checks.
func copyRowsAsm(dst *float32, ldd int, src *float32, step, n, count int) {
	amd64.CopyRowsAVX2(dst, ldd, src, step, n, count)
}

func scatter3Asm(dst *float32, stride int, src *float32, count int) {
	amd64.Scatter3(dst, stride, src, count)
}
