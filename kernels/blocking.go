package kernels

import (
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Cache sizes used for blocking, read once from CPUID; where it reports
// nothing (as on arm64) the defaults below, which suit current ARM and x86
// cores, are used.
var caches = sync.OnceValue(func() (c struct{ l1d, l2 int }) {
	c.l1d, c.l2 = 32<<10, 1<<20
	if v := cpuid.CPU.Cache.L1D; v >= 16<<10 && v <= 1<<20 {
		c.l1d = v
	}
	if v := cpuid.CPU.Cache.L2; v >= 128<<10 && v <= 64<<20 {
		c.l2 = v
	}
	return c
})

// kcFor is the largest K block for a level: one packed B panel (kc x NR)
// takes about half of L1, leaving room for the A rows it meets.
// blockingOverride, when set (by tuning benchmarks), replaces the KC and
// MC derived from the cache sizes.
var blockingOverride struct{ kc, mc int }

func kcFor(im *Impl) int {
	if blockingOverride.kc > 0 {
		return blockingOverride.kc
	}
	kc := caches().l1d / 2 / (im.nr * 4)
	return min(max(kc&^7, 64), 512)
}

// mcFor is the number of rows of A one task covers: its KC-wide slice of A
// takes about half of L2, so it is reused from L2 across all panels of B.
func mcFor(im *Impl, kc int) int {
	if blockingOverride.mc > 0 {
		return blockingOverride.mc
	}
	mc := caches().l2 / 2 / (kc * 4)
	mc = mc / im.mr * im.mr
	return max(mc, im.mr)
}

// minTaskFlops is the least work worth a task of its own when a call runs
// on several threads.
const minTaskFlops = 4 << 20

// taskGrid splits a GEMM of the given row tiles and panels (m x n x k) into
// rows x cols tasks for threads threads. One thread gets one task. More
// threads get one, two or four tasks each (the pool hands them out as
// threads free up, which absorbs a thread that was held up), as many as
// leave each task minTaskFlops; the grid is the one that reads the fewest
// bytes, counting A once per column of tasks and B once per row of tasks:
// tall shapes split rows, wide ones (m = 49, the fc) split columns.
func taskGrid(threads, tiles, panels, m, n, k int) (rows, cols int) {
	if threads <= 1 {
		return 1, 1
	}
	flops := 2 * float64(m) * float64(n) * float64(k)
	per := 1
	for per < 4 && flops/float64(threads*per*2) >= minTaskFlops {
		per *= 2
	}
	sizeA, sizeB := float64(m)*float64(k), float64(k)*float64(n)
	for tasks := threads * per; tasks > 1; tasks-- {
		best := -1.0
		for r := 1; r <= tasks; r++ {
			c := tasks / r
			if r*c != tasks || r > tiles || c > panels {
				continue
			}
			if cost := float64(r)*sizeB + float64(c)*sizeA; best < 0 || cost < best {
				best, rows, cols = cost, r, c
			}
		}
		if best >= 0 {
			return rows, cols
		}
	}
	return 1, 1
}
