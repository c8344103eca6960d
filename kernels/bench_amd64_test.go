//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gorn-ml/gorn/kernels/amd64"
)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		peakProbe.name, peakProbe.flopsPerIter, peakProbe.run = "avx2", 24*16, amd64.FMAPeakAVX2
	}
}
