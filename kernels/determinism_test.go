package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestThreadCountDeterminism checks that 1, 2, 3 and 8 threads give
// bitwise identical C: work is split over output tiles only, never over K.
func TestThreadCountDeterminism(t *testing.T) {
	pool := NewPool(8)
	defer pool.Close()
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(6, 6))
		shapes := [][3]int{{49, 512, 4608}, {196, 256, 600}, {97, 1000, 77}, {3136, 64, 64}, {1, 1000, 2048}}
		if testing.Short() {
			shapes = shapes[1:3]
		}
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a, _ := randMatrix(r, m, k, k)
			b, _ := randMatrix(r, k, n, n)
			bias, _ := randMatrix(r, 1, n, n)
			c0, _ := randMatrix(r, m, n, n)
			pb, err := im.PackB(k, n, b, n)
			if err != nil {
				t.Fatal(err)
			}
			var first []float32
			for _, threads := range []int{1, 2, 3, 8} {
				c := append([]float32(nil), c0...)
				ep := Epilogue{Bias: bias, Accumulate: true, ReLU: true}
				if err := SgemmPacked(m, a, k, pb, c, n, ep, &Options{Pool: pool, Threads: threads}); err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
						t.Fatalf("m=%d n=%d k=%d: %d threads differ from 1 thread at %d: %v vs %v",
							m, n, k, threads, i, c[i], first[i])
					}
				}
			}
		}
	})
}

// TestPoolSharedByGoroutines runs GEMMs from several goroutines on one pool
// at once; each must get the same answer as when run alone.
func TestPoolSharedByGoroutines(t *testing.T) {
	pool := NewPool(3)
	defer pool.Close()
	r := rand.New(rand.NewPCG(7, 7))
	m, n, k := 61, 70, 90
	a, _ := randMatrix(r, m, k, k)
	b, _ := randMatrix(r, k, n, n)
	pb, err := PackB(k, n, b, n)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, m*n)
	if err := SgemmPacked(m, a, k, pb, want, n, Epilogue{}, nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			c := make([]float32, m*n)
			for it := 0; it < 20; it++ {
				if err := SgemmPacked(m, a, k, pb, c, n, Epilogue{}, &Options{Pool: pool}); err != nil {
					errs <- err
					return
				}
				for i := range c {
					if c[i] != want[i] {
						errs <- errMismatch
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

var errMismatch = shapeErr("concurrent result differs from the serial one")

// TestPoolRunsEveryTaskOnce checks the pool's bookkeeping: every task runs
// exactly once and worker numbers stay below the thread count.
func TestPoolRunsEveryTaskOnce(t *testing.T) {
	pool := NewPool(4)
	defer pool.Close()
	for _, tasks := range []int{1, 3, 4, 5, 100} {
		for _, threads := range []int{0, 1, 2, 4, 9} {
			j := &countJob{seen: make([]int32, tasks), threads: pool.Threads()}
			pool.Run(tasks, threads, j)
			for i, v := range j.seen {
				if v != 1 {
					t.Fatalf("tasks=%d threads=%d: task %d ran %d times", tasks, threads, i, v)
				}
			}
			if j.badWorker.Load() {
				t.Fatalf("worker index out of range")
			}
		}
	}
	pool.Close()
	j := &countJob{seen: make([]int32, 5), threads: 1}
	pool.Run(5, 0, j) // after Close: runs on the caller
	for i, v := range j.seen {
		if v != 1 {
			t.Fatalf("after Close: task %d ran %d times", i, v)
		}
	}
}
