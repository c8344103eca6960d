// Package idle keeps objects between calls for reuse, like sync.Pool but
// without missing one: sync.Pool keeps each processor's last object in a
// private slot that no other processor can take, so a goroutine that has
// moved to another processor (after waiting for a worker, say) allocates
// anew while the object sits idle. gorn's hot paths promise zero
// allocations in steady state, so they keep their call state here.
package idle

import "sync"

// List holds up to Max idle objects (64 when Max is 0); a Put beyond that
// drops the object, so a burst of callers does not leave memory behind.
// The zero List is ready to use. A List must not be copied after first use.
type List[T any] struct {
	// Max bounds the objects kept (0: 64).
	Max int
	// New makes an object when none is idle (nil: a new zero T).
	New   func() *T
	mu    sync.Mutex
	items []*T
	out   int        // Gets minus Puts
	drain *sync.Cond // made by Wait; signalled when out drops to zero
}

// Get returns an idle object, or a new one if there is none.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	l.out++
	n := len(l.items)
	if n == 0 {
		l.mu.Unlock()
		if l.New != nil {
			return l.New()
		}
		return new(T)
	}
	x := l.items[n-1]
	l.items[n-1] = nil
	l.items = l.items[:n-1]
	l.mu.Unlock()
	return x
}

// Put keeps x for a later Get, if fewer than Max objects are idle.
func (l *List[T]) Put(x *T) {
	max := l.Max
	if max <= 0 {
		max = 64
	}
	l.mu.Lock()
	l.out--
	if len(l.items) < max {
		l.items = append(l.items, x)
	}
	if l.out <= 0 && l.drain != nil {
		l.drain.Broadcast()
	}
	l.mu.Unlock()
}

// Wait blocks until every object taken with Get has been given back with
// Put (it counts Gets and Puts, so a List that was filled with Puts of its
// own counts those as returns). Get and Put never allocate for it.
// Everything a caller did before its Put happens before Wait returns.
func (l *List[T]) Wait() {
	l.mu.Lock()
	for l.out > 0 {
		if l.drain == nil {
			l.drain = sync.NewCond(&l.mu)
		}
		l.drain.Wait()
	}
	l.mu.Unlock()
}

// Clear drops every idle object.
func (l *List[T]) Clear() {
	l.mu.Lock()
	clear(l.items)
	l.items = nil
	l.mu.Unlock()
}

// Len is the number of idle objects.
func (l *List[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}
