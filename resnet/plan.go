package resnet

import "slices"

// slot is one buffer of the memory plan: an activation tensor or a scratch
// area, needed from step first to step last (inclusive).
type slot struct {
	size  int // floats
	first int
	last  int
	off   int // set by layout: offset in the workspace slab
}

// slotAlign keeps every slot on a 64-byte boundary of the slab.
const slotAlign = 16

// layout places slots in one slab so that slots alive at the same time never
// overlap, and returns the slab's size. It is the greedy "largest first,
// lowest free offset" placement: each slot, biggest first, goes at the
// lowest offset where it fits between the slots already placed whose
// lifetimes intersect its own.
func layout(slots []*slot) int {
	order := slices.Clone(slots)
	slices.SortStableFunc(order, func(a, b *slot) int { return b.size - a.size })
	var placed []*slot
	total := 0
	for _, s := range order {
		var busy []*slot
		for _, p := range placed {
			if p.first <= s.last && s.first <= p.last {
				busy = append(busy, p)
			}
		}
		slices.SortFunc(busy, func(a, b *slot) int { return a.off - b.off })
		off := 0
		for _, p := range busy {
			if off+s.size <= p.off {
				break
			}
			off = max(off, alignUp(p.off+p.size))
		}
		s.off = off
		placed = append(placed, s)
		total = max(total, alignUp(off+s.size))
	}
	return total
}

func alignUp(n int) int { return (n + slotAlign - 1) / slotAlign * slotAlign }
