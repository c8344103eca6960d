package kernels

import (
	"fmt"
	"testing"
)

// spinJob is a task of a few microseconds of arithmetic.
type spinJob struct{ sink [2][8]float64 } // a cache line per worker

func (j *spinJob) Do(task, worker int) {
	x := float64(task + 1)
	for range 2000 {
		x = x*1.0000001 + 1e-9
	}
	j.sink[worker][0] = x
}

// BenchmarkPoolRun times a Run of two short tasks on two threads, the
// hand-off a layer of a network pays, with the pool held (workers poll) and
// not (workers block between runs).
func BenchmarkPoolRun(b *testing.B) {
	for _, held := range []bool{false, true} {
		b.Run(fmt.Sprintf("threads=1/held=%v", held), func(b *testing.B) {
			job := new(spinJob)
			for b.Loop() {
				job.Do(0, 0)
				job.Do(1, 1)
			}
		})
		b.Run(fmt.Sprintf("threads=2/held=%v", held), func(b *testing.B) {
			p := NewPool(2)
			defer p.Close()
			if held {
				p.Hold()
				defer p.Release()
			}
			job := new(spinJob)
			b.ReportAllocs()
			for b.Loop() {
				p.Run(2, 2, job)
			}
		})
	}
}
