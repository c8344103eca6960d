package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorn-ml/gorn/internal/idle"
)

// Job is work split into independent tasks, numbered from 0, that a [Pool]
// runs in parallel. Do is called once per task, from any of the pool's
// threads; worker is in [0, threads) and no two calls running at the same
// time share a worker number, so it can index per-thread scratch space.
type Job interface {
	Do(task, worker int)
}

// Pool is a fixed set of worker goroutines that run [Job]s. Idle workers
// block on a channel, so an idle pool costs no CPU; between [Pool.Hold] and
// [Pool.Release] (around one network inference, say) they poll for the next
// run for up to [HotSpin] after their last task instead, which takes the
// wake-up latency of the operating system out of every layer. A pool may be
// shared by any number of goroutines: each [Pool.Run] takes the workers that
// are idle at that moment and runs the rest of its tasks on the calling
// goroutine, so concurrent callers never wait for each other's work.
// The zero Pool and a nil *Pool run everything on the caller.
type Pool struct {
	threads int
	wake    chan *run    // buffered: one slot per worker
	idle    atomic.Int32 // workers waiting for a run and not yet reserved
	hot     atomic.Int32 // Holds not yet Released
	closed  atomic.Bool
	once    sync.Once
}

// HotSpin is how long an idle worker of a held pool (see [Pool.Hold]) polls
// for work after its last task before it blocks. It bounds the CPU a
// forgotten Hold can waste, and is far longer than the gap between two
// layers of a network.
const HotSpin = 2 * time.Millisecond

type run struct {
	job    Job
	tasks  int64
	next   atomic.Int64
	worker atomic.Int32
	// left counts the caller and the workers sent the run that have not
	// finished; whoever of the workers brings it to zero signals fin.
	left atomic.Int32
	fin  chan struct{}
}

var runs idle.List[run]

// NewPool starts a pool of threads threads (the caller's goroutine counts as
// one, so threads-1 goroutines are started). threads <= 0 means
// runtime.GOMAXPROCS(0).
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: threads, wake: make(chan *run, threads)}
	for range threads - 1 {
		go p.work()
	}
	return p
}

// Threads is the most threads one Run uses, the caller included.
func (p *Pool) Threads() int {
	if p == nil || p.threads < 1 {
		return 1
	}
	return p.threads
}

// Hold asks the pool's idle workers to poll for work rather than block, for
// up to [HotSpin] after each task, until the matching [Pool.Release]. Use it
// around a burst of Runs that follow each other closely, such as the layers
// of one inference: a blocked worker takes tens to hundreds of microseconds
// to wake, a polling one well under one. Holds nest and may come from any
// number of goroutines; each needs its own Release. A nil pool ignores it.
func (p *Pool) Hold() {
	if p != nil && p.threads > 1 {
		p.hot.Add(1)
	}
}

// Release ends one [Pool.Hold]. Once every Hold is released, idle workers
// block again.
func (p *Pool) Release() {
	if p != nil && p.threads > 1 {
		p.hot.Add(-1)
	}
}

// Close stops the workers once they finish what they are running. Runs
// started after Close execute on the caller alone.
func (p *Pool) Close() {
	if p == nil || p.wake == nil {
		return
	}
	p.once.Do(func() {
		p.closed.Store(true)
		close(p.wake)
	})
}

// work is a worker's loop. A worker counts itself idle before it waits, and
// a run is sent only after reserving an idle worker (see recruit), so every
// run sent is taken by a worker that was free for it.
func (p *Pool) work() {
	for {
		p.idle.Add(1)
		r, ok := p.await()
		if !ok {
			return
		}
		r.drain()
		if r.left.Add(-1) == 0 {
			r.fin <- struct{}{}
		}
	}
}

// await returns the next run, polling while the pool is held and blocking
// otherwise; ok is false once the pool is closed.
func (p *Pool) await() (r *run, ok bool) {
	if p.hot.Load() > 0 {
		start := time.Now()
		for spin := 1; p.hot.Load() > 0; spin++ {
			// len reads the count without the channel's lock, which the
			// sender needs: poll that, and receive once something is there
			if len(p.wake) > 0 || p.closed.Load() {
				select {
				case r, ok = <-p.wake:
					return r, ok
				default:
				}
			}
			if spin%256 == 0 {
				if time.Since(start) > HotSpin {
					break
				}
				runtime.Gosched()
			}
		}
	}
	r, ok = <-p.wake
	return r, ok
}

// Run calls job.Do for every task in [0, tasks), using at most threads
// threads (<= 0: all of the pool's), and returns when all calls have
// returned. It does not allocate.
func (p *Pool) Run(tasks, threads int, job Job) {
	if tasks <= 0 {
		return
	}
	if threads <= 0 || threads > p.Threads() {
		threads = p.Threads()
	}
	threads = min(threads, tasks)
	if threads == 1 || p.closed.Load() {
		for t := range tasks {
			job.Do(t, 0)
		}
		return
	}
	r := runs.Get()
	if r.fin == nil {
		r.fin = make(chan struct{}, 1)
	}
	r.job, r.tasks = job, int64(tasks)
	r.next.Store(0)
	r.worker.Store(0)
	r.left.Store(1)
	p.recruit(r, threads-1)
	r.drain()
	if r.left.Add(-1) != 0 {
		p.finish(r)
	}
	r.job = nil
	runs.Put(r)
}

// finish waits for the workers still running r. A held pool's caller polls
// (a worker that wakes a parked caller hands it to its own processor, where
// it waits for the worker to stop polling); otherwise it blocks.
func (p *Pool) finish(r *run) {
	if p.hot.Load() > 0 {
		for spin := 1; len(r.fin) == 0; spin++ {
			if spin%256 == 0 {
				runtime.Gosched()
			}
		}
	}
	<-r.fin
}

// recruit hands r to up to n workers that are idle right now, reserving
// each one before sending so that the run never waits in the channel for a
// worker busy with another caller's run.
func (p *Pool) recruit(r *run, n int) {
	for range n {
		if !p.reserve() {
			return
		}
		r.left.Add(1)
		if !p.send(r) {
			r.left.Add(-1)
			return
		}
	}
}

// reserve claims one idle worker, if there is one.
func (p *Pool) reserve() bool {
	for {
		n := p.idle.Load()
		if n <= 0 {
			return false
		}
		if p.idle.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (p *Pool) send(r *run) (ok bool) {
	defer func() {
		if recover() != nil { // the pool was closed meanwhile
			ok = false
		}
	}()
	select {
	case p.wake <- r:
		return true
	default:
		return false
	}
}

func (r *run) drain() {
	w := int(r.worker.Add(1)) - 1
	for {
		t := r.next.Add(1) - 1
		if t >= r.tasks {
			return
		}
		r.job.Do(int(t), w)
	}
}
