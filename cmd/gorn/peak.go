package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// peakHelp explains the peak estimate; it is part of `gorn bench -h`.
const peakHelp = `Peak: cores used x float32 FMA lanes per cycle x 2 FLOP per FMA x clock.
  Lanes per cycle come from the CPU's features (golang.org/x/sys/cpu): 32 for
  AVX-512 on Intel (two 512-bit FMA units), 16 for AVX-512 on AMD (its 512-bit
  FMAs use both 256-bit pipes) and for AVX2+FMA (two 256-bit FMA units), 8 for
  arm64 NEON (two 128-bit FMA pipes, as on Neoverse N1 and Cortex-A76), and
  4 otherwise (SSE: one 4-lane multiply plus one add per cycle, counted as 4
  FMA). The clock is measured: a chain of dependent one-cycle integer
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

// estimatePeak measures the clock and combines it with the FMA width of this
// CPU for the given number of threads.
func estimatePeak(threads int) peakInfo {
	cores := min(max(threads, 1), runtime.NumCPU())
	return peakInfo{lanes: fmaLanes(), ghz: measureGHz(), cores: cores}
}

// fmaLanes is the number of float32 FMA lanes one core retires per cycle.
func fmaLanes() int {
	switch {
	case cpu.X86.HasAVX512F && cpuid.CPU.VendorID == cpuid.AMD:
		return 16
	case cpu.X86.HasAVX512F:
		return 32
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return 16
	case cpu.ARM64.HasASIMD:
		return 8
	}
	return 4
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
