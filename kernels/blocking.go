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

// blockingOverride, when set (by tuning benchmarks), replaces the KC and
// MC derived from the cache sizes and the task grid taskGrid picks.
var blockingOverride struct{ kc, mc, rows, cols int }

// kcFor is the largest K block for a level: by default one packed B panel
// (kc x NR) takes about half of L1, leaving room for the A rows it meets;
// a level whose kernel streams its panel from L2 as fast as from L1 sets
// panelsL1 to 1 and takes K blocks twice as long (fewer passes over C).
func kcFor(im *Impl) int {
	if blockingOverride.kc > 0 {
		return blockingOverride.kc
	}
	panels := im.panelsL1
	if panels <= 0 {
		panels = 2
	}
	kc := caches().l1d / panels / (im.nr * 4)
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
// on several threads (about 40 µs on one core). Waking a pool thread costs
// 70-250 µs on the 2-vCPU VM this was tuned on (perf bench sched pipe:
// 137 µs per cross-CPU round trip), so smaller calls stay on one thread.
const minTaskFlops = 4 << 20

// taskGrid splits a GEMM of the given row tiles and panels (m x n x k) into
// rows x cols tasks for threads threads, fewer if that would leave a thread
// less than minTaskFlops. One thread gets one task. More threads get the grid of threads tasks that reads the fewest bytes from
// beyond L2, counting A once per column of tasks and B once per row of
// tasks (a matrix that fits in half of L2 is read once whatever the grid):
// tall shapes split rows, wide ones (m = 49, the fc) split columns. Two or
// four tasks per thread (the pool hands them out as threads free up, which
// absorbs a thread that was held up) are taken instead when that reads at
// most 1/8 more and leaves each task minTaskFlops.
func taskGrid(threads, tiles, panels, m, n, k int) (rows, cols int) {
	if threads <= 1 {
		return 1, 1
	}
	if o := blockingOverride; o.rows > 0 && o.cols > 0 {
		return min(o.rows, tiles), min(o.cols, panels)
	}
	flops := 2 * float64(m) * float64(n) * float64(k)
	threads = min(threads, max(1, int(flops/minTaskFlops)))
	if threads == 1 {
		return 1, 1
	}
	sizeA, sizeB := 4*float64(m)*float64(k), 4*float64(k)*float64(n)
	rows, cols = 1, 1
	base := -1.0
	for per := 1; per <= 4; per *= 2 {
		if per > 1 && flops/float64(threads*per) < minTaskFlops {
			break
		}
		r, c, cost := bestGrid(threads*per, tiles, panels, sizeA, sizeB)
		if cost < 0 {
			continue
		}
		if base < 0 {
			base = cost
		} else if cost > base*9/8 {
			break
		}
		rows, cols = r, c
	}
	return rows, cols
}

// bestGrid returns the rows x cols = tasks grid (rows <= tiles, cols <=
// panels) with the least bytes read (sizeA, sizeB in bytes), or cost -1 if
// there is none.
func bestGrid(tasks, tiles, panels int, sizeA, sizeB float64) (rows, cols int, cost float64) {
	cost = -1
	half := float64(caches().l2 / 2)
	reread := func(size float64, times int) float64 {
		if size <= half {
			return size
		}
		return size * float64(times)
	}
	for r := 1; r <= tasks; r++ {
		c := tasks / r
		if r*c != tasks || r > tiles || c > panels {
			continue
		}
		if v := reread(sizeB, r) + reread(sizeA, c); cost < 0 || v < cost {
			rows, cols, cost = r, c, v
		}
	}
	return rows, cols, cost
}
