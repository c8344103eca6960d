//go:build purego || !amd64

package im2col

// movesAsm is false: there are no assembly moves in this build.
var movesAsm = false

// copyRows copies count rows of n floats, src rows step floats apart, to
// dst rows ldd floats apart.
func copyRows(dst []float32, ldd int, src []float32, step, n, count int) {
	if count <= 0 || n <= 0 {
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
	scatter3Go(t, stride, s, count)
}
