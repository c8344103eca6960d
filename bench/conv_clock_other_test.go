//go:build !linux

package bench

import "time"

// convThreadCPU is not available here: benchmarks report wall time only.
func convThreadCPU() (time.Duration, bool) { return 0, false }
