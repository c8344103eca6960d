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
func kcFor(im *Impl) int {
	kc := caches().l1d / 2 / (im.nr * 4)
	return min(max(kc&^7, 64), 512)
}

// mcFor is the number of rows of A one task covers: its KC-wide slice of A
// takes about half of L2, so it is reused from L2 across all panels of B.
func mcFor(im *Impl, kc int) int {
	mc := caches().l2 / 2 / (kc * 4)
	mc = mc / im.mr * im.mr
	return max(mc, im.mr)
}
