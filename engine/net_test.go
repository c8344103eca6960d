package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/kernels"
)

// bottleneck builds a v1 bottleneck block (identity shortcut) and a
// classifier head: the last conv adds the block input in place.
func bottleneck(t *testing.T) (*tg, *graph.Value) {
	b, x := newTG(t, []int{1, 3, 12, 12})
	s := b.conv(x, 16, 3, 1, 1, "relu", nil) // the stem
	y := b.conv(s, 8, 1, 1, 0, "relu", nil)
	y = b.conv(y, 8, 3, 1, 1, "relu", nil)
	y = b.conv(y, 16, 1, 1, 0, "relu", s) // residual: s dies here
	p := b.node("GlobalAveragePool", []*graph.Value{y}, []int{1, 16, 1, 1}, nil)
	f := b.node("Flatten", []*graph.Value{p}, []int{1, 16}, nil)
	l := b.node("Gemm", []*graph.Value{f, b.lazyConst([]int{5, 16}, 0.5), b.randConst([]int{5}, 0.1)}, []int{1, 5},
		graph.Attrs{"transB": graph.I(1)})
	return b, l
}

func TestBottleneckInPlace(t *testing.T) {
	for _, im := range kernels.Impls() {
		t.Run("level="+im.Name(), func(t *testing.T) {
			if !im.Available() {
				t.Skipf("this CPU lacks %s", im.Requires())
			}
			b, l := bottleneck(t)
			b.out(l)
			m := check(t, b.g, &Options{Threads: 2, MaxBatch: 2, Level: im.Name()}, 3, 1e-5)
			if m.Level() != im {
				t.Errorf("level %v", m.Level())
			}
			testInPlace(t, m)
		})
	}
}

func testInPlace(t *testing.T, m *Model) {
	// The last conv (step 4) writes into the stem's slot (step 1).
	stem, last := m.steps[1], m.steps[4]
	if last.writes[0] != stem.writes[0] || !strings.Contains(last.note, "in place") {
		t.Errorf("residual conv writes %v (%s), stem output is %v\n%s", last.writes[0].slot, last.note, stem.writes[0].slot, m.Plan())
	}
}

// A residual still read later (here: a second output) is copied, not
// overwritten.
func TestResidualCopied(t *testing.T) {
	b, x := newTG(t, []int{1, 4, 6, 6})
	s := b.conv(x, 8, 3, 1, 1, "relu", nil)
	y := b.conv(s, 8, 3, 1, 1, "", s)
	b.out(y, s)
	m := check(t, b.g, nil, 2, 1e-5)
	if st := m.steps[2]; !strings.Contains(st.note, "copied") {
		t.Errorf("residual conv: %s\n%s", st.note, m.Plan())
	}
}

// SE block: a conv output read twice, squeezed, excited, and gating itself.
func TestSEBlock(t *testing.T) {
	b, x := newTG(t, []int{1, 3, 10, 9})
	c := b.conv(x, 16, 3, 2, 1, "relu", nil)
	p := b.node("ReduceMean", []*graph.Value{c, b.ints(2, 3)}, []int{1, 16, 1, 1}, graph.Attrs{"keepdims": graph.I(1)})
	e := b.conv(p, 4, 1, 1, 0, "relu", nil)
	e = b.conv(e, 16, 1, 1, 0, "", nil)
	g := b.node("Sigmoid", []*graph.Value{e}, e.Shape, nil)
	y := b.node("Mul", []*graph.Value{c, g}, c.Shape, nil)
	y = b.node("Add", []*graph.Value{y, x2(b, c)}, c.Shape, nil)
	y = b.node("Relu", []*graph.Value{y}, c.Shape, nil)
	b.out(y)
	check(t, b.g, &Options{MaxBatch: 3}, 5, 1e-5)
}

func x2(b *tg, c *graph.Value) *graph.Value {
	return b.node("HardSwish", []*graph.Value{c}, c.Shape, nil)
}

// v2 pre-activation block with gorn.ScaleShift, and an unfused
// BatchNormalization.
func TestPreActBlock(t *testing.T) {
	b, x := newTG(t, []int{1, 3, 8, 8})
	s := b.conv(x, 8, 3, 1, 1, "", nil)
	a := b.node(graph.OpScaleShift, []*graph.Value{s, b.randConst([]int{8}, 1), b.randConst([]int{8}, 0.5)}, s.Shape,
		graph.Attrs{"activation": graph.S("relu")})
	y := b.conv(a, 8, 3, 1, 1, "relu", nil)
	y = b.conv(y, 8, 3, 1, 1, "", s)
	bn := b.node("BatchNormalization", []*graph.Value{y, b.randConst([]int{8}, 1), b.randConst([]int{8}, 1),
		b.randConst([]int{8}, 1), shiftC(b.randConst([]int{8}, 0.5), 1)}, y.Shape, graph.Attrs{"epsilon": graph.F(1e-5)})
	b.out(bn)
	check(t, b.g, &Options{Threads: 1}, 2, 1e-5)
}

func shiftC(v *graph.Value, by float32) *graph.Value { v.Const.F32 = shift(v.Const.F32, by); return v }

// bnRef: BatchNormalization in the reference as y = (x-mean)/sqrt(var+eps)*scale+B.
func init() { refExtra["BatchNormalization"] = refBN }

// Option-A shortcut (CIFAR ResNet): x[:, :, ::2, ::2] padded with zero
// channels, added to a stride-2 branch.
func TestOptionAShortcut(t *testing.T) {
	b, x := newTG(t, []int{1, 3, 8, 8})
	s := b.conv(x, 4, 3, 1, 1, "relu", nil)
	y := b.conv(s, 8, 3, 2, 1, "relu", nil)
	y = b.conv(y, 8, 3, 1, 1, "", nil)
	sl := b.node("Slice", []*graph.Value{s, b.ints(0, 0), b.ints(8, 8), b.ints(2, 3), b.ints(2, 2)}, []int{1, 4, 4, 4}, nil)
	pd := b.node("Pad", []*graph.Value{sl, b.ints(0, 2, 0, 0, 0, 2, 0, 0), b.floats(nil, 0)}, []int{1, 8, 4, 4}, nil)
	y = b.node("Add", []*graph.Value{y, pd}, y.Shape, nil)
	y = b.node("Relu", []*graph.Value{y}, y.Shape, nil)
	b.out(y)
	check(t, b.g, &Options{MaxBatch: 2}, 3, 1e-5)
}

// Two outputs: pooled features and logits, filled together or one at a time.
func TestTwoOutputs(t *testing.T) {
	b, l := bottleneck(t)
	feat := b.g.Nodes[len(b.g.Nodes)-2].Outputs[0] // the Flatten
	b.out(feat, l)
	m := check(t, b.g, &Options{MaxBatch: 2}, 3, 1e-5)
	src := randInput(rand.New(rand.NewPCG(1, 1)), b.g, 3)
	both := [][]float32{make([]float32, 3*16), make([]float32, 3*5)}
	if err := m.InferOutputs(context.Background(), src, 3, both); err != nil {
		t.Fatal(err)
	}
	logits := make([]float32, 3*5)
	if err := m.InferOutputs(context.Background(), src, 3, [][]float32{nil, logits}); err != nil {
		t.Fatal(err)
	}
	feats := make([]float32, 3*16)
	if err := m.Infer(context.Background(), feats, src, 3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(logits, both[1]) || !slices.Equal(feats, both[0]) {
		t.Error("outputs differ between calls")
	}
	if m.OutputIndex(l.Name) != 1 {
		t.Errorf("OutputIndex(%q) = %d", l.Name, m.OutputIndex(l.Name))
	}
}

func TestZeroAllocs(t *testing.T) {
	b, l := bottleneck(t)
	b.out(l)
	m, err := Compile(b.g, &Options{Threads: 2, MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src := randInput(rand.New(rand.NewPCG(1, 1)), b.g, 3)
	dst := make([]float32, 3*5)
	ctx := context.Background()
	m.Infer(ctx, dst, src, 3)
	if n := testing.AllocsPerRun(20, func() {
		if err := m.Infer(ctx, dst, src, 3); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Infer: %v allocations per call", n)
	}
}

// Every thread count gives the same bits.
func TestThreadDeterminism(t *testing.T) {
	var first []float32
	for _, th := range []int{1, 2, 3} {
		b, _ := newTG(t, []int{1, 3, 20, 20})
		bb, l := bottleneckOn(b)
		bb.out(l)
		m, err := Compile(bb.g, &Options{Threads: th, MaxBatch: 2})
		if err != nil {
			t.Fatal(err)
		}
		src := randInput(rand.New(rand.NewPCG(1, 1)), bb.g, 2)
		dst := make([]float32, 2*5)
		if err := m.Infer(context.Background(), dst, src, 2); err != nil {
			t.Fatal(err)
		}
		m.Close()
		if first == nil {
			first = dst
		} else if !slices.Equal(first, dst) {
			t.Errorf("%d threads: %v, 1 thread: %v", th, dst, first)
		}
	}
}

// bottleneckOn is bottleneck's graph on a larger input (seeded the same way).
func bottleneckOn(b *tg) (*tg, *graph.Value) {
	x := b.g.Inputs[0]
	s := b.conv(x, 32, 3, 1, 1, "relu", nil)
	y := b.conv(s, 16, 1, 1, 0, "relu", nil)
	y = b.conv(y, 16, 3, 1, 1, "relu", nil)
	y = b.conv(y, 32, 1, 1, 0, "relu", s)
	p := b.node("GlobalAveragePool", []*graph.Value{y}, []int{1, 32, 1, 1}, nil)
	f := b.node("Flatten", []*graph.Value{p}, []int{1, 32}, nil)
	return b, b.node("Gemm", []*graph.Value{f, b.lazyConst([]int{5, 32}, 0.5), b.randConst([]int{5}, 0.1)}, []int{1, 5},
		graph.Attrs{"transB": graph.I(1)})
}

// Eight goroutines share one model; Close waits for them.
func TestConcurrentInferAndClose(t *testing.T) {
	b, l := bottleneck(t)
	b.out(l)
	m, err := Compile(b.g, &Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	src := randInput(rand.New(rand.NewPCG(1, 1)), b.g, 1)
	want := make([]float32, 5)
	if err := m.Infer(context.Background(), want, src, 1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float32, 5)
			for i := 0; i < 20; i++ {
				err := m.Infer(context.Background(), dst, src, 1)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil || !slices.Equal(dst, want) {
					t.Errorf("goroutine %d: %v %v", g, err, dst)
					return
				}
			}
		}()
	}
	m.Close()
	wg.Wait()
	if err := m.Infer(context.Background(), want, src, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestBadCalls(t *testing.T) {
	b, l := bottleneck(t)
	b.out(l)
	m, err := Compile(b.g, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src := make([]float32, m.InputLen())
	ctx := context.Background()
	for _, c := range []struct {
		dst, src []float32
		batch    int
	}{{make([]float32, 5), src, 0}, {make([]float32, 4), src, 1}, {make([]float32, 5), src[1:], 1}} {
		if err := m.Infer(ctx, c.dst, c.src, c.batch); !errors.Is(err, ErrInput) {
			t.Errorf("batch %d, %d, %d floats: %v", c.batch, len(c.dst), len(c.src), err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Infer(cctx, make([]float32, 5), src, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// An operator outside the set is refused, naming it.
	b2, x := newTG(t, []int{1, 3, 4, 4})
	b2.out(b2.node("Erf", []*graph.Value{x}, x.Shape, nil))
	if _, err := Compile(b2.g, nil); !errors.Is(err, graph.ErrUnsupported) || !strings.Contains(err.Error(), "Erf") {
		t.Errorf("Erf: %v", err)
	}
	b3, x := newTG(t, []int{1, 3, 5, 5})
	b3.out(b3.node("AveragePool", []*graph.Value{x}, []int{1, 3, 1, 1}, graph.Attrs{"kernel_shape": graph.Is(3, 3), "dilations": graph.Is(2, 2)}))
	if _, err := Compile(b3.g, nil); !errors.Is(err, graph.ErrUnsupported) {
		t.Errorf("dilated average pool: %v", err)
	}
}

func TestPlanDescription(t *testing.T) {
	b, l := bottleneck(t)
	b.out(l)
	m, err := Compile(b.g, &Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := m.Plan()
	for _, want := range []string{"steps: gorn.Conv x4, ", "1 residual additions in place", "residual added in place", "+relu", "view:", "slot s0"} {
		if !strings.Contains(p, want) {
			t.Errorf("plan lacks %q:\n%s", want, p)
		}
	}
	t.Log("\n" + p)
}

// Hostile sizes: long chains of views or in-place operators compile in
// time linear in their length, a graph above the node limit is refused.
func TestLargeGraphs(t *testing.T) {
	for _, c := range []struct {
		op    string
		nodes int
		ok    bool
	}{{"Identity", 43000, true}, {"Relu", 20000, true}, {"Identity", maxNodes + 1, false}} {
		b, x := newTG(t, []int{1, 3, 4, 4})
		y := x
		for i := 0; i < c.nodes; i++ {
			y = b.node(c.op, []*graph.Value{y}, x.Shape, nil)
		}
		b.out(y)
		t0 := time.Now()
		m, err := Compile(b.g, &Options{Threads: 1})
		t.Logf("%d %s: %v", c.nodes, c.op, time.Since(t0))
		if took := time.Since(t0); took > 10*time.Second {
			t.Errorf("%d %s nodes: compile took %v", c.nodes, c.op, took)
		}
		if c.ok {
			if err != nil {
				t.Fatal(err)
			}
			m.Close()
		} else if !errors.Is(err, graph.ErrUnsupported) {
			t.Errorf("%d nodes: %v", c.nodes, err)
		}
	}
}

// The SE gate and a per-channel bias run as scale-shifts, the Add + Relu
// of the block as one fused kernel call, a lone Relu on the vector kernel.
func TestFastPaths(t *testing.T) {
	b, x := newTG(t, []int{1, 64, 5, 6})
	p := b.node("GlobalAveragePool", []*graph.Value{x}, []int{1, 64, 1, 1}, nil)
	g := b.node("Sigmoid", []*graph.Value{p}, p.Shape, nil)
	y := b.node("Mul", []*graph.Value{g, x}, x.Shape, nil)
	y = b.node("Add", []*graph.Value{y, b.randConst([]int{64, 1, 1}, 1)}, x.Shape, nil)
	y = b.node("Relu", []*graph.Value{y}, x.Shape, nil)
	y = b.node("Add", []*graph.Value{y, x}, x.Shape, nil)
	y = b.node("Relu", []*graph.Value{y}, x.Shape, nil)
	z := b.node("Relu", []*graph.Value{b.node("Sub", []*graph.Value{x, b.randConst([]int{1, 64, 1, 1}, 1)}, x.Shape, nil)}, x.Shape, nil)
	b.out(y, z)
	m := check(t, b.g, &Options{MaxBatch: 2}, 3, tol)
	var notes []string
	for _, st := range m.steps {
		notes = append(notes, st.kind+":"+st.note)
	}
	want := []string{"Mul:per-channel", "Add:+relu, in place, per-channel", "Add:+relu, in place", "Sub:per-channel", "Relu:in place, vector"}
	for _, w := range want {
		if !slices.Contains(notes, w) {
			t.Errorf("no step %q in %q", w, notes)
		}
	}
}

// Close waits for a call in flight (held inside a step here), then later
// calls fail with ErrClosed; a shared pool is left running.
func TestCloseWaitsForCalls(t *testing.T) {
	b, l := bottleneck(t)
	b.out(l)
	pool := kernels.NewPool(2)
	defer pool.Close()
	m, err := Compile(b.g, &Options{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	src := randInput(rand.New(rand.NewPCG(1, 1)), b.g, 1)
	inStep, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		dst := make([]float32, 5)
		done <- m.InferTraced(context.Background(), m.NewWorkspace(), src, 1, [][]float32{dst}, func(i int, run func() error) error {
			if i == 2 {
				close(inStep)
				<-release
			}
			return run()
		})
	}()
	<-inStep
	closed := make(chan struct{})
	go func() { m.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the call in flight: %v", err)
	}
	<-closed
	if err := m.Infer(context.Background(), make([]float32, 5), src, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	// The shared pool still runs another model.
	m2, err := Compile(b.g, &Options{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if err := m2.Infer(context.Background(), make([]float32, 5), src, 1); err != nil {
		t.Error(err)
	}
}
