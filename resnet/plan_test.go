package resnet

import (
	"math/rand/v2"
	"testing"
)

// layout never overlaps two slots that are alive at the same time, and a
// chain of buffers each used by the next step needs only two at once.
func TestLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(30)
		slots := make([]*slot, n)
		for i := range slots {
			f := r.IntN(20)
			slots[i] = &slot{size: 1 + r.IntN(1000), first: f, last: f + r.IntN(5)}
		}
		total := layout(slots)
		for i, a := range slots {
			if a.off%slotAlign != 0 || a.off+a.size > total {
				t.Fatalf("slot %d at %d+%d, slab %d", i, a.off, a.size, total)
			}
			for _, b := range slots[i+1:] {
				live := a.first <= b.last && b.first <= a.last
				apart := a.off+a.size <= b.off || b.off+b.size <= a.off
				if live && !apart {
					t.Fatalf("overlap: %+v and %+v", *a, *b)
				}
			}
		}
	}
	var chain []*slot
	for i := 0; i < 10; i++ {
		chain = append(chain, &slot{size: 100, first: i, last: i + 1})
	}
	if got := layout(chain); got != 2*alignUp(100) {
		t.Errorf("chain of 10 buffers takes %d floats, want %d", got, 2*alignUp(100))
	}
}
