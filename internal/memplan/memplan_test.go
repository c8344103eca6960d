package memplan

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Layout never overlaps two slots that are alive at the same time, and a
// chain of buffers each used by the next step needs only two at once.
func TestLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(30)
		slots := make([]*Slot, n)
		for i := range slots {
			f := r.IntN(20)
			slots[i] = &Slot{Size: 1 + r.IntN(1000), First: f, Last: f + r.IntN(5)}
		}
		total := Layout(slots)
		for i, a := range slots {
			if a.Off%Align != 0 || a.Off+a.Size > total {
				t.Fatalf("slot %d at %d+%d, slab %d", i, a.Off, a.Size, total)
			}
			for _, b := range slots[i+1:] {
				live := a.First <= b.Last && b.First <= a.Last
				apart := a.Off+a.Size <= b.Off || b.Off+b.Size <= a.Off
				if live && !apart {
					t.Fatalf("overlap: %+v and %+v", *a, *b)
				}
			}
		}
	}
	var chain []*Slot
	for i := 0; i < 10; i++ {
		chain = append(chain, &Slot{Size: 100, First: i, Last: i + 1})
	}
	if got := Layout(chain); got != 2*AlignUp(100) {
		t.Errorf("chain of 10 buffers takes %d floats, want %d", got, 2*AlignUp(100))
	}
}

// naiveLayout is Layout with the busy slots found by scanning all placed
// ones: Layout must place every slot at the same offset.
func naiveLayout(slots []*Slot) int {
	order := slices.Clone(slots)
	slices.SortStableFunc(order, func(a, b *Slot) int { return b.Size - a.Size })
	var placed []*Slot
	total := 0
	for _, s := range order {
		var busy []*Slot
		for _, p := range placed {
			if p.First <= s.Last && s.First <= p.Last {
				busy = append(busy, p)
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
		placed = append(placed, s)
		total = max(total, AlignUp(off+s.Size))
	}
	return total
}

func TestLayoutMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 300; trial++ {
		n := 1 + r.IntN(60)
		a, b := make([]*Slot, n), make([]*Slot, n)
		for i := range a {
			f := r.IntN(40)
			a[i] = &Slot{Size: r.IntN(500), First: f, Last: f + r.IntN(8)}
			c := *a[i]
			b[i] = &c
		}
		ta, tb := Layout(a), naiveLayout(b)
		for i := range a {
			if a[i].Off != b[i].Off {
				t.Fatalf("trial %d slot %d at %d, naive %d", trial, i, a[i].Off, b[i].Off)
			}
		}
		if ta != tb {
			t.Fatalf("trial %d: slab %d, naive %d", trial, ta, tb)
		}
	}
}

// A chain of 100,000 short-lived buffers lays out in linear time.
func TestLayoutLongChain(t *testing.T) {
	chain := make([]*Slot, 100000)
	for i := range chain {
		chain[i] = &Slot{Size: 100 + i%7, First: i, Last: i + 1}
	}
	if got := Layout(chain); got > 3*AlignUp(107) {
		t.Errorf("chain takes %d floats", got)
	}
}
