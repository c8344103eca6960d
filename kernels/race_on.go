//go:build race

package kernels

// raceEnabled reports a race-detector build.
const raceEnabled = true

// raceTile makes the race detector see the memory an assembly micro-kernel
// is about to touch (it cannot see inside assembly): a read of each A row's
// ends and a read and write of each C row's ends.
func raceTile(a []float32, lda, rows, kc int, c []float32, ldc, cols int) {
	var sink float32
	for r := 0; r < rows; r++ {
		sink += a[r*lda] + a[r*lda+kc-1]
		c[r*ldc] = c[r*ldc]
		c[r*ldc+cols-1] = c[r*ldc+cols-1]
	}
	_ = sink
}
