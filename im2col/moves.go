package im2col

import "github.com/gorn-ml/gorn/kernels"

// level is the kernels level whose moves copyRows and scatter3 run: the
// active one (the benchmarks and tests switch it).
var level = kernels.Active()

// copyRows copies count rows of n floats, src rows step floats apart, to
// dst rows ldd floats apart (kernels' Impl.CopyRows). The callers compute
// sizes that fit; a size that does not is a bug in this package and panics.
func copyRows(dst []float32, ldd int, src []float32, step, n, count int) {
	if err := level.CopyRows(dst, ldd, src, step, n, count); err != nil {
		panic(err)
	}
}

// scatter3 copies count groups of three consecutive floats of s to t,
// stride floats apart (kernels' Impl.Scatter3); like copyRows, a size that
// does not fit panics.
func scatter3(t []float32, stride int, s []float32, count int) {
	if err := level.Scatter3(t, stride, s, count); err != nil {
		panic(err)
	}
}
