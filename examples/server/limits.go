package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// budget is a byte budget shared by the requests: a weighted semaphore.
// Waiters are served in arrival order, so a large reservation is not
// starved by a stream of small ones.
type budget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters []*waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(size int64) *budget { return &budget{size: size} }

// tryAcquire takes n bytes if they are free now and nobody waits.
func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		return true
	}
	return false
}

// acquire takes n bytes, waiting until they are free or ctx is done.
func (b *budget) acquire(ctx context.Context, n int64) error {
	if n > b.size {
		return errors.New("request larger than the whole budget")
	}
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			b.used -= n
			b.grant()
		default:
			for i, x := range b.waiters {
				if x == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
			b.grant() // the head may have changed
		}
		return ctx.Err()
	}
}

// release returns n bytes.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// grant wakes waiters in order while they fit. b.mu is held.
func (b *budget) grant() {
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.size {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.used += w.n
		close(w.ready)
	}
}

// inUse returns the bytes taken.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// errTooSlow reports an upload below the minimum rate.
var errTooSlow = errors.New("upload too slow")

// errNoMemory reports a body that found the memory budget spent.
var errNoMemory = errors.New("server busy: memory budget spent")

// bodyChunk is the granularity in which a body's bytes are reserved.
const bodyChunk = 64 << 10

// readBody reads r's body (at most max bytes: a *http.MaxBytesError
// beyond) at no less than minRate bytes per second after a grace period,
// setting the connection's read deadline before every read, and reserves
// its size in b as it grows. The caller releases *reserved.
func readBody(r io.Reader, rc *http.ResponseController, minRate int64, grace time.Duration, b *budget, reserved *int64) ([]byte, error) {
	start := time.Now()
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			newCap := 2 * cap(buf)
			if int64(newCap) > *reserved {
				need := max(bodyChunk, int64(newCap)-*reserved)
				if !b.tryAcquire(need) {
					return nil, errNoMemory
				}
				*reserved += need
			}
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			buf = nb
		}
		if minRate > 0 {
			allowed := grace + time.Duration(float64(len(buf))/float64(minRate)*float64(time.Second))
			_ = rc.SetReadDeadline(start.Add(allowed)) // not every writer supports it (tests)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isTimeout(err) {
				return nil, errTooSlow
			}
			return nil, err
		}
	}
	if minRate > 0 {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return buf, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
