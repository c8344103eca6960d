package memplan

import (
	"math/rand/v2"
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
