package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Job is work split into independent tasks, numbered from 0, that a [Pool]
// runs in parallel. Do is called once per task, from any of the pool's
// threads; worker is in [0, threads) and no two calls running at the same
// time share a worker number, so it can index per-thread scratch space.
type Job interface {
	Do(task, worker int)
}

// Pool is a fixed set of worker goroutines that run [Job]s. Idle workers
// block on a channel: they never spin, so an idle pool costs no CPU. A pool
// may be shared by any number of goroutines: each [Pool.Run] takes the
// workers that are idle at that moment and runs the rest of its tasks on the
// calling goroutine, so concurrent callers never wait for each other's work.
// The zero Pool and a nil *Pool run everything on the caller.
type Pool struct {
	threads int
	wake    chan *run
	closed  atomic.Bool
	once    sync.Once
}

type run struct {
	job    Job
	tasks  int64
	next   atomic.Int64
	worker atomic.Int32
	done   sync.WaitGroup
}

var runs = sync.Pool{New: func() any { return new(run) }}

// NewPool starts a pool of threads threads (the caller's goroutine counts as
// one, so threads-1 goroutines are started). threads <= 0 means
// runtime.GOMAXPROCS(0).
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: threads, wake: make(chan *run)}
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

func (p *Pool) work() {
	for r := range p.wake {
		r.drain()
		r.done.Done()
	}
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
	r := runs.Get().(*run)
	r.job, r.tasks = job, int64(tasks)
	r.next.Store(0)
	r.worker.Store(0)
	p.recruit(r, threads-1)
	r.drain()
	r.done.Wait()
	r.job = nil
	runs.Put(r)
}

// recruit hands r to up to n workers that are idle right now.
func (p *Pool) recruit(r *run, n int) {
	for range n {
		r.done.Add(1)
		if !p.send(r) {
			r.done.Done()
			return
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
