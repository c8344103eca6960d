package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

type countJob struct {
	seen      []int32
	threads   int
	badWorker atomic.Bool
}

func (j *countJob) Do(task, worker int) {
	atomic.AddInt32(&j.seen[task], 1)
	if worker < 0 || worker >= j.threads {
		j.badWorker.Store(true)
	}
}

// TestBadArguments: every inconsistent call returns ErrShape and leaves C
// untouched; none reaches a kernel.
func TestBadArguments(t *testing.T) {
	a := make([]float32, 6*5)
	b := make([]float32, 5*4)
	c := make([]float32, 6*4)
	for i := range c {
		c[i] = 7
	}
	pb, err := PackB(5, 4, b, 4)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() error{
		"negative m":     func() error { return Sgemm(-1, 4, 5, a, 5, b, 4, c, 4, Epilogue{}, nil) },
		"negative n":     func() error { return Sgemm(6, -4, 5, a, 5, b, 4, c, 4, Epilogue{}, nil) },
		"negative k":     func() error { return Sgemm(6, 4, -5, a, 5, b, 4, c, 4, Epilogue{}, nil) },
		"lda < 1":        func() error { return Sgemm(6, 4, 5, a, 0, b, 4, c, 4, Epilogue{}, nil) },
		"ldb < n":        func() error { return Sgemm(6, 4, 5, a, 5, b, 3, c, 4, Epilogue{}, nil) },
		"ldc < n":        func() error { return Sgemm(6, 4, 5, a, 5, b, 4, c, 3, Epilogue{}, nil) },
		"short A":        func() error { return Sgemm(6, 4, 5, a[:29], 5, b, 4, c, 4, Epilogue{}, nil) },
		"short B":        func() error { return Sgemm(6, 4, 5, a, 5, b[:19], 4, c, 4, Epilogue{}, nil) },
		"short C":        func() error { return Sgemm(6, 4, 5, a, 5, b, 4, c[:23], 4, Epilogue{}, nil) },
		"short bias":     func() error { return Sgemm(6, 4, 5, a, 5, b, 4, c, 4, Epilogue{Bias: make([]float32, 3)}, nil) },
		"huge stride":    func() error { return Sgemm(6, 4, 5, a, math.MaxInt/2, b, 4, c, 4, Epilogue{}, nil) },
		"nil packed":     func() error { return SgemmPacked(6, a, 5, nil, c, 4, Epilogue{}, nil) },
		"packed wrong k": func() error { return SgemmPacked(6, a[:6*4], 4, pb, c, 4, Epilogue{}, nil) },
		"packed short C": func() error { return SgemmPacked(6, a, 5, pb, c[:20], 4, Epilogue{}, nil) },
	}
	for name, f := range cases {
		if err := f(); !errors.Is(err, ErrShape) {
			t.Errorf("%s: got %v, want ErrShape", name, err)
		}
		for i := range c {
			if c[i] != 7 {
				t.Fatalf("%s: C was written", name)
			}
		}
	}
	if _, err := PackB(5, 4, b[:10], 4); !errors.Is(err, ErrShape) {
		t.Errorf("PackB short: %v", err)
	}
	if _, err := PackBTransposed(5, 4, b[:10], 5); !errors.Is(err, ErrShape) {
		t.Errorf("PackBTransposed short: %v", err)
	}
	if _, err := Lookup("no-such-level"); err == nil {
		t.Error("Lookup of an unknown level succeeded")
	}
}

// TestNoAllocations: steady-state GEMM calls allocate nothing, packed or
// not, single- or multi-threaded.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose")
	}
	pool := NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(8, 8))
	m, n, k := 100, 70, 300
	a, _ := randMatrix(r, m, k, k)
	b, _ := randMatrix(r, k, n, n)
	bias, _ := randMatrix(r, 1, n, n)
	c := make([]float32, m*n)
	pb, err := PackB(k, n, b, n)
	if err != nil {
		t.Fatal(err)
	}
	ep := Epilogue{Bias: bias, ReLU: true}
	for name, f := range map[string]func(){
		"packed/1": func() { _ = SgemmPacked(m, a, k, pb, c, n, ep, nil) },
		"packed/2": func() { _ = SgemmPacked(m, a, k, pb, c, n, ep, &Options{Pool: pool}) },
		"sgemm/2":  func() { _ = Sgemm(m, n, k, a, k, b, n, c, n, ep, &Options{Pool: pool}) },
	} {
		f()
		if got := testing.AllocsPerRun(50, f); got != 0 {
			t.Errorf("%s: %v allocations per call", name, got)
		}
	}
}

func TestActiveIsAvailable(t *testing.T) {
	im := Active()
	if !im.Available() {
		t.Fatalf("active level %v is not available", im)
	}
	if got, err := Lookup(im.Name()); err != nil || got != im {
		t.Fatalf("Lookup(%q) = %v, %v", im.Name(), got, err)
	}
	if all := Impls(); all[len(all)-1] != Generic() {
		t.Fatalf("generic is not the last level: %v", all)
	}
	t.Logf("active level: %v", im)
}
