// Package memplan places the buffers of an execution plan in one slab by
// their lifetimes: buffers alive at the same step never overlap, the others
// share memory. resnet and engine plan their workspaces with it.
package memplan

import "slices"

// Slot is one buffer of a plan: an activation tensor or a scratch area,
// needed from step First to step Last (inclusive).
type Slot struct {
	Size  int // floats
	First int
	Last  int
	Off   int // set by Layout: offset in the slab, in floats
}

// Align keeps every slot on a 64-byte boundary of the slab (in floats).
const Align = 16

// Layout places slots in one slab so that slots alive at the same time never
// overlap, sets their Off, and returns the slab's size in floats. It is the
// greedy "largest first, lowest free offset" placement: each slot, biggest
// first, goes at the lowest offset where it fits between the slots already
// placed whose lifetimes intersect its own. The placed slots are indexed by
// step, so finding those is proportional to how many are alive during the
// slot's lifetime, not to how many there are: a long chain of short-lived
// buffers lays out in linear time.
func Layout(slots []*Slot) int {
	order := slices.Clone(slots)
	slices.SortStableFunc(order, func(a, b *Slot) int { return b.Size - a.Size })
	steps := 0
	for _, s := range slots {
		steps = max(steps, s.Last+1)
	}
	alive := make([][]int, steps) // per step, indices in order of the placed slots alive then
	stamp := make([]int, len(order))
	var busy []*Slot
	total := 0
	for k, s := range order {
		first, last := max(s.First, 0), min(s.Last, steps-1)
		busy = busy[:0]
		for t := first; t <= last; t++ {
			for _, j := range alive[t] {
				if stamp[j] != k+1 {
					stamp[j] = k + 1
					busy = append(busy, order[j])
				}
			}
		}
		slices.SortFunc(busy, func(a, b *Slot) int { return a.Off - b.Off })
		off := 0
		for _, p := range busy {
			if off+s.Size <= p.Off {
				break
			}
			off = max(off, AlignUp(p.Off+p.Size))
		}
		s.Off = off
		for t := first; t <= last; t++ {
			alive[t] = append(alive[t], k)
		}
		total = max(total, AlignUp(off+s.Size))
	}
	return total
}

// AlignUp rounds n up to a multiple of Align.
func AlignUp(n int) int { return (n + Align - 1) / Align * Align }
