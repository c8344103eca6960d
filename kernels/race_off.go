//go:build !race

package kernels

// raceEnabled reports a race-detector build.
const raceEnabled = false

// raceTile is a no-op outside race-detector builds; see race_on.go.
func raceTile([]float32, int, int, int, []float32, int, int) {}
