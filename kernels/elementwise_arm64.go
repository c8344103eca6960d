//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/arm64"
)

// neonElem are the NEON pooling, elementwise and matrix-vector kernels.
var neonElem = elemKernels{
	maxWindows: arm64.MaxWindowsNEON,
	avgWindows: arm64.AvgWindowsNEON,
	scaleShift: arm64.ScaleShiftNEON,
	add:        arm64.AddNEON,
	gemv4:      arm64.SgemvPanels4NEON,
}

// The neon level runs the NEON kernels; with GODEBUG=cpu.asimd=off it is
// unavailable and the generic level runs.
func init() {
	if cpu.ARM64.HasASIMD {
		neon.ew = &neonElem
	}
}
