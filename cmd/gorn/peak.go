package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/klauspost/cpuid/v2"
)

// peakHelp explains the peak estimate; it is part of `gorn bench -h`.
const peakHelp = `Peak: cores used x float32 FMA lanes per cycle x 2 FLOP per FMA x clock,
  for the kernels level the model runs on (not the best the CPU has). Lanes
  per cycle: 32 for avx512 on Intel (two 512-bit FMA units), 16 for avx512 on
  AMD (its 512-bit FMAs use both 256-bit pipes) and for avx2 (two 256-bit FMA
  units), 8 for neon (two 128-bit FMA pipes, as on Neoverse N1 and
  Cortex-A76), and 2 for generic (scalar Go: two multiply-adds per cycle). The clock is measured: a chain of dependent one-cycle integer
  operations (add, xor) runs in short bursts after a warm-up that lets the
  core reach its boost clock; the fastest of up to 200 bursts counts. Cores
  used is min(threads, number of CPUs). It is an estimate: a CPU with other
  FMA widths, or one that clocks down under vector load, differs. Give the
  real figure with -peak.`

// peakInfo is an estimate of a CPU's float32 FMA peak.
type peakInfo struct {
	lanes int     // FMA lanes per cycle per core
	ghz   float64 // measured clock
	cores int
}

// gflops is the peak in GFLOP/s.
func (p peakInfo) gflops() float64 { return float64(p.cores*p.lanes*2) * p.ghz }

func (p peakInfo) String() string {
	return fmt.Sprintf("%.0f GFLOP/s = %d cores x %d FMA lanes x 2 x %.2f GHz", p.gflops(), p.cores, p.lanes, p.ghz)
}

// estimatePeak measures the clock and combines it with the FMA width of the
// kernels level that runs, for the given number of threads.
func estimatePeak(threads int, level string) peakInfo {
	cores := min(max(threads, 1), runtime.NumCPU())
	return peakInfo{lanes: fmaLanes(level, cpuid.CPU.VendorID == cpuid.AMD), ghz: measureGHz(), cores: cores}
}

// fmaLanes is the number of float32 FMA lanes one core retires per cycle at
// a kernels level: what the level's instructions can reach on this CPU
// vendor, whatever wider units the CPU may have.
func fmaLanes(level string, amd bool) int {
	switch level {
	case "avx512":
		if amd {
			return 16
		}
		return 32
	case "avx2":
		return 16
	case "neon":
		return 8
	}
	return 2
}

// chain runs 4n dependent one-cycle integer operations. It must not be
// inlined, so that the loop is compiled on its own as written.
//
//go:noinline
func chain(n int, a, b, c, d uint64) uint64 {
	x := uint64(0)
	for range n {
		x += a
		x ^= b
		x += c
		x ^= d
	}
	return x
}

// chainSink keeps chain's result alive.
var chainSink uint64

// measureGHz estimates the core clock from the time a dependent chain of
// one-cycle operations takes. Runs are short (about 0.3 ms) and the fastest
// of many counts, so that other processes sharing the CPU rarely spoil all
// of them.
func measureGHz() float64 {
	const n = 250_000 // 1 M operations per run
	best := 0.0
	chainSink += chain(40*n, 3, 5, 7, 11) // warm-up: let the clock rise
	start := time.Now()
	for i := 0; i < 200 && (i < 20 || time.Since(start) < 200*time.Millisecond); i++ {
		t := time.Now()
		chainSink += chain(n, 3, 5, 7, 11)
		if d := time.Since(t).Seconds(); d > 0 {
			best = max(best, 4*n/d/1e9)
		}
	}
	return best
}
