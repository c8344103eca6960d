package idle

import (
	"sync"
	"testing"
)

func TestListReusesAndBounds(t *testing.T) {
	var l List[int]
	l.Max = 2
	a, b, c := l.Get(), l.Get(), l.Get()
	*a, *b, *c = 1, 2, 3
	l.Put(a)
	l.Put(b)
	l.Put(c) // beyond Max: dropped
	if got := l.Get(); got != b {
		t.Fatalf("Get = %p, want the last one put (%p)", got, b)
	}
	if got := l.Get(); got != a {
		t.Fatalf("Get = %p, want %p", got, a)
	}
	if got := l.Get(); got == c || *got != 0 {
		t.Fatalf("Get returned the dropped object or a non-zero new one: %v", *got)
	}
}

func TestListNeverMissesAcrossGoroutines(t *testing.T) {
	var l List[[64]byte]
	l.Put(new([64]byte))
	round := func(get func() *[64]byte, put func(*[64]byte)) float64 {
		return testing.AllocsPerRun(100, func() {
			var wg sync.WaitGroup
			x := get()
			wg.Add(1)
			go func() { // put back from another goroutine, maybe another processor
				put(x)
				wg.Done()
			}()
			wg.Wait()
		})
	}
	held := new([64]byte)
	base := round(func() *[64]byte { return held }, func(*[64]byte) {})
	got := round(l.Get, l.Put)
	if got != base {
		t.Fatalf("%v allocations per round with the list, %v without: the list missed", got, base)
	}
}

func TestListConcurrent(t *testing.T) {
	var l List[int]
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				x := l.Get()
				*x++
				l.Put(x)
			}
		}()
	}
	wg.Wait()
	total := 0
	for len(l.items) > 0 {
		total += *l.Get()
	}
	if total != 8000 {
		t.Fatalf("increments seen: %d, want 8000", total)
	}
}

func TestListNewLenClear(t *testing.T) {
	made := 0
	l := List[int]{New: func() *int { made++; v := 7; return &v }}
	x := l.Get()
	if *x != 7 || made != 1 {
		t.Fatalf("Get on an empty list: %d, New called %d times", *x, made)
	}
	l.Put(x)
	if l.Len() != 1 || l.Get() != x || made != 1 {
		t.Fatal("Get did not return the idle object")
	}
	l.Put(x)
	l.Clear()
	if l.Len() != 0 {
		t.Fatalf("Len after Clear = %d", l.Len())
	}
	if l.Get() == x || made != 2 {
		t.Fatal("Get after Clear returned a dropped object")
	}
}

// Wait returns only once every Get has been matched by a Put.
func TestListWaitDrains(t *testing.T) {
	var l List[int]
	l.Wait() // nothing out: returns at once
	x := l.Get()
	done := make(chan struct{})
	go func() { l.Wait(); close(done) }()
	select {
	case <-done:
		t.Fatal("Wait returned with an object out")
	default:
	}
	var shared int
	go func() { shared = 1; l.Put(x) }()
	<-done
	if shared != 1 { // the race detector checks the ordering too
		t.Fatal("Wait returned before the Put")
	}
}
