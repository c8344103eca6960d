//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/arm64"
)

func init() {
	if cpu.ARM64.HasASIMD {
		peakProbe.name, peakProbe.flopsPerIter, peakProbe.run = "neon", 24*8, arm64.FMAPeakNEON
	}
}
