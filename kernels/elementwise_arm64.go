//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/arm64"
)

// neonElem are the NEON pooling and elementwise kernels.
var neonElem = elemKernels{
	maxWindows: arm64.MaxWindowsNEON,
	avgWindows: arm64.AvgWindowsNEON,
	scaleShift: arm64.ScaleShiftNEON,
	add:        arm64.AddNEON,
}

// The neon level runs the NEON kernels; with GODEBUG=cpu.asimd=off it is
// unavailable and the generic level runs.
func init() {
	if cpu.ARM64.HasASIMD {
		neon.ew = &neonElem
	}
}
