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

// copyRows copies count rows of n floats, src rows step floats apart, to
// dst rows ldd floats apart.
func copyRows(dst []float32, ldd int, src []float32, step, n, count int) {
	if count <= 0 || n <= 0 {
		return
	}
	_ = dst[(count-1)*ldd+n-1]
	_ = src[(count-1)*step+n-1]
	if movesAsm {
		amd64.CopyRowsAVX2(&dst[0], ldd, &src[0], step, n, count)
		return
	}
	copyRowsGo(dst, ldd, src, step, n, count)
}

// scatter3 copies count groups of three consecutive floats of s to t,
// stride floats apart.
func scatter3(t []float32, stride int, s []float32, count int) {
	if count <= 0 {
		return
	}
	_ = t[(count-1)*stride+2]
	_ = s[3*count-1]
	if movesAsm {
		amd64.Scatter3(&t[0], stride, &s[0], count)
		return
	}
	scatter3Go(t, stride, s, count)
}
