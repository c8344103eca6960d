//go:build purego || !amd64

package im2col

// movesAsm is false: this build has no assembly moves.
var movesAsm = false

// copyRowsAsm and scatter3Asm are never called in this build (movesAsm is
// false); they exist for copyRows and scatter3 to compile.
func copyRowsAsm(dst *float32, ldd int, src *float32, step, n, count int) {
	panic("im2col: no assembly moves in this build")
}

func scatter3Asm(dst *float32, stride int, src *float32, count int) {
	panic("im2col: no assembly moves in this build")
}
