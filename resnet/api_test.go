package resnet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/gorn-ml/gorn/fold"
	"github.com/gorn-ml/gorn/internal/testutil"
)

// smallNet is a fast bottleneck network for API tests.
func smallNet() (Arch, int, int) {
	if testing.Short() {
		return ResNet50().WithWidth(4).WithClasses(10), 32, 36
	}
	return ResNet50().WithWidth(8).WithClasses(10), 48, 40
}

// shortRuns is n, or fewer in -short mode.
func shortRuns(n int) int {
	if testing.Short() {
		return max(1, n/4)
	}
	return n
}

func mustNew(t testing.TB, a Arch, w Weights, opt *Options) *Model {
	t.Helper()
	m, err := New(a, w, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func mustRandom(t testing.TB, a Arch, seed uint64) Weights {
	t.Helper()
	w, err := Random(a, seed)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Results are bitwise identical for 1, 2 and 4 threads and any MaxBatch.
func TestThreadsBitwiseIdentical(t *testing.T) {
	h, wd := 64, 56
	if testing.Short() {
		h, wd = 40, 32
	}
	resnext := ResNeXt50_32x4d().WithWidth(8).WithVersion(V2)
	resnext.Groups, resnext.WidthPerGroup = 4, 32
	for _, a := range []Arch{ResNet18().WithWidth(8), resnext} {
		w := mustRandom(t, a, 3)
		const batch = 3
		src := randInput(5, batch, 3, h, wd)
		forEachLevel(t, func(t *testing.T, level string) {
			var want []float32
			for _, threads := range []int{1, 2, 4} {
				for _, mb := range []int{1, batch} {
					if testing.Short() && mb == 1 && threads > 1 {
						continue
					}
					m := mustNew(t, a, w, &Options{Threads: threads, MaxBatch: mb, Height: h, Width: wd, Level: level})
					got := infer(t, m, src, batch)
					if want == nil {
						want = got
						continue
					}
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%v: threads %d, max batch %d: logit %d is %v, with 1 thread %v", a, threads, mb, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

// A warm model makes no heap allocations per Infer, with its own idle
// workspaces or an explicit one, on one thread or several. (The sync.Pools
// of the kernels' per-call state still allocate a few bytes once in a while,
// about once per 50 calls, when a goroutine meets an empty per-P cache; the
// average over 50 calls is what is checked.)
func TestInferDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a, h, w := smallNet()
	for _, threads := range []int{1, 2} {
		m := mustNew(t, a, mustRandom(t, a, 1), &Options{Threads: threads, MaxBatch: 2, Height: h, Width: w})
		src := randInput(1, 2, 3, h, w)
		dst := make([]float32, 2*m.Classes())
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if n := testing.AllocsPerRun(50, func() {
			if err := m.Infer(ctx, dst, src, 2); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("threads %d: Infer makes %v allocations per call", threads, n)
		}
		ws := m.NewWorkspace()
		if n := testing.AllocsPerRun(50, func() {
			if err := m.InferWith(ctx, ws, dst, src, 2); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("threads %d: InferWith makes %v allocations per call", threads, n)
		}
	}
}

// Eight goroutines sharing one model get the same logits as serial calls.
func TestConcurrentInfer(t *testing.T) {
	a, h, w := smallNet()
	m := mustNew(t, a, mustRandom(t, a, 2), &Options{Threads: 2, MaxBatch: 2, Height: h, Width: w})
	const goroutines = 8
	calls := shortRuns(8)
	srcs := make([][]float32, goroutines)
	want := make([][]float32, goroutines)
	for g := range srcs {
		srcs[g] = randInput(uint64(g), 2, 3, h, w)
		want[g] = infer(t, m, srcs[g], 2)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float32, 2*m.Classes())
			for i := 0; i < calls; i++ {
				if err := m.Infer(context.Background(), dst, srcs[g], 2); err != nil {
					errs <- err
					return
				}
				for j := range dst {
					if math.Float32bits(dst[j]) != math.Float32bits(want[g][j]) {
						errs <- errors.New("concurrent result differs from the serial one")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := m.idle.Len(); n < 1 || n > m.idle.Max {
		t.Errorf("%d idle workspaces kept, want 1 to %d", n, m.idle.Max)
	}
}

func TestInferErrors(t *testing.T) {
	a, h, w := smallNet()
	m := mustNew(t, a, mustRandom(t, a, 1), &Options{Threads: 1, Height: h, Width: w})
	src := randInput(1, 2, 3, h, w)
	dst := make([]float32, 2*10)
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		dst, src []float32
		batch    int
		want     string
	}{
		{"batch 0", dst[:0], src[:0], 0, "batch 0"},
		{"negative batch", dst, src, -1, "batch -1"},
		{"short src", dst, src[:len(src)-1], 2, "src has"},
		{"long src", dst[:10], src, 1, "src has"},
		{"short dst", dst[:19], src, 2, "dst has"},
		{"nil src", dst, nil, 2, "src has"},
	} {
		err := m.Infer(ctx, c.dst, c.src, c.batch)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrInput mentioning %q", c.name, err, c.want)
		}
	}
	if err := m.InferWith(ctx, nil, dst, src, 2); !errors.Is(err, ErrInput) {
		t.Errorf("nil workspace: %v", err)
	}
	other := mustNew(t, a, mustRandom(t, a, 1), &Options{Threads: 1, Height: h, Width: w})
	if err := m.InferWith(ctx, other.NewWorkspace(), dst, src, 2); !errors.Is(err, ErrInput) {
		t.Errorf("another model's workspace: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Infer(cctx, dst, src, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	// A context cancelled during the pass stops it at the next layer.
	cctx, cancel = context.WithCancel(ctx)
	calls := 0
	err := m.pass(cctx, m.NewWorkspace(), dst[:10], src[:len(src)/2], 1, func(i int, run func() error) error {
		if calls++; calls == 5 {
			cancel()
		}
		return run()
	})
	if !errors.Is(err, context.Canceled) || calls != 5 {
		t.Errorf("cancelled after 5 layers: %v after %d layers", err, calls)
	}
	m.Close()
	m.Close()
	if err := m.Infer(ctx, dst, src, 2); !errors.Is(err, ErrClosed) {
		t.Errorf("closed model: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	a := ResNet18().WithWidth(4).WithClasses(3)
	good := mustRandom(t, a, 1)
	edit := func(f func(w Weights)) Weights {
		w := Weights{}
		for k, v := range good {
			w[k] = v
		}
		f(w)
		return w
	}
	for _, c := range []struct {
		name string
		arch Arch
		w    Weights
		opt  *Options
		want string
	}{
		{"missing conv", a, edit(func(w Weights) { delete(w, "layer2.0.conv1.weight") }), nil, "missing layer2.0.conv1.weight"},
		{"missing fc", a, edit(func(w Weights) { delete(w, "fc.bias") }), nil, "missing fc.bias"},
		{"partial BN", a, edit(func(w Weights) { delete(w, "layer1.1.bn2.running_var") }), nil, "missing layer1.1.bn2.running_var"},
		{"BN and no bias", a, edit(func(w Weights) {
			for _, s := range bnSuffixes {
				delete(w, "layer3.0.downsample.1"+s)
			}
		}), nil, "layer3.0.downsample.0.bias"},
		{"wrong shape", a, edit(func(w Weights) {
			w["layer1.0.conv2.weight"] = Tensor{Shape: []int{4, 4, 1, 1}, Data: make([]float32, 16)}
		}), nil, "layer1.0.conv2.weight has shape [4 4 1 1], want [4 4 3 3]"},
		{"wrong length", a, edit(func(w Weights) { w["bn1.bias"] = Tensor{Shape: []int{4}, Data: make([]float32, 5)} }), nil, "bn1.bias has 5 values"},
		{"wrong bias shape", a, edit(func(w Weights) { w["conv1.bias"] = Tensor{Shape: []int{5}, Data: make([]float32, 5)} }), nil, "conv1.bias has shape [5]"},
		{"unknown key", a, edit(func(w Weights) { w["layer5.0.conv1.weight"] = Tensor{} }), nil, "unexpected keys for resnet18 width=4 classes=3: layer5.0.conv1.weight"},
		{"wrong arch", ResNet34().WithWidth(4).WithClasses(3), good, nil, "missing layer1.2.conv1.weight"},
		{"negative var", a, edit(func(w Weights) {
			w["layer1.0.bn1.running_var"] = Tensor{Shape: []int{4}, Data: []float32{1, -1, 1, 1}}
		}), nil, "layer1.0.bn1"},
		{"bad level", a, good, &Options{Level: "z80"}, "z80"},
		{"negative threads", a, good, &Options{Threads: -1}, "negative"},
		{"bad arch", Arch{Block: Basic}, good, nil, "stages"},
	} {
		m, err := New(c.arch, c.w, c.opt)
		if err == nil {
			m.Close()
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a mention of %q", c.name, err, c.want)
		}
	}
	// num_batches_tracked counters are ignored.
	w := edit(func(w Weights) { w["bn1.num_batches_tracked"] = Tensor{Shape: []int{}, Data: []float32{0}} })
	mustNew(t, a, w, &Options{Height: 32, Width: 32})
}

// Weights with BatchNorm fused into convolution biases, as ONNX exporters
// write them, give the same network.
func TestFusedBatchNorm(t *testing.T) {
	for _, a := range []Arch{ResNet18().WithWidth(4).WithClasses(5), ResNet50().WithVersion(V2).WithWidth(4).WithClasses(5)} {
		w := mustRandom(t, a, 4)
		fused := Weights{}
		for k, v := range w {
			fused[k] = v
		}
		n := a.build()
		var convs []*convDef
		n.convs(64, 64, func(c *convDef, _, _ int) { convs = append(convs, c) })
		for _, c := range convs {
			if c.bn == "" {
				continue
			}
			bn := fold.BatchNorm{Gamma: w[c.bn+".weight"].Data, Beta: w[c.bn+".bias"].Data,
				Mean: w[c.bn+".running_mean"].Data, Var: w[c.bn+".running_var"].Data, Eps: 1e-5}
			fw, fb, err := fold.IntoConv(w[c.name+".weight"].Data, nil, bn)
			if err != nil {
				t.Fatal(err)
			}
			fused[c.name+".weight"] = Tensor{Shape: w[c.name+".weight"].Shape, Data: fw}
			fused[c.name+".bias"] = Tensor{Shape: []int{c.cout}, Data: fb}
			for _, s := range bnSuffixes {
				delete(fused, c.bn+s)
			}
		}
		src := randInput(2, 2, 3, 64, 64)
		want := refForward(a, w, src, 2, 64, 64)
		got := infer(t, mustNew(t, a, fused, &Options{Height: 64, Width: 64, MaxBatch: 2}), src, 2)
		if e := testutil.RelL2(got, want); !(e <= 1e-5) {
			t.Errorf("%v: fused weights: rel L2 %.3g", a, e)
		}
		// The reference applies fused biases too.
		if e := testutil.RelL2(refForward(a, fused, src, 2, 64, 64), want); !(e <= 1e-6) {
			t.Errorf("%v: reference on fused weights: rel L2 %.3g", a, e)
		}
	}
}

// NewRandom builds the same model as New with Random's weights, and Random
// is deterministic.
func TestNewRandom(t *testing.T) {
	a := ResNeXt50_32x4d().WithWidth(8).WithClasses(7)
	a.Groups, a.WidthPerGroup = 4, 32
	w1, w2 := mustRandom(t, a, 11), mustRandom(t, a, 11)
	for k, v := range w1 {
		for i := range v.Data {
			if math.Float32bits(v.Data[i]) != math.Float32bits(w2[k].Data[i]) {
				t.Fatalf("Random is not deterministic at %s[%d]", k, i)
			}
		}
	}
	if w3 := mustRandom(t, a, 12); w3["fc.weight"].Data[0] == w1["fc.weight"].Data[0] {
		t.Error("seeds 11 and 12 give the same fc weight")
	}
	opt := &Options{Height: 32, Width: 32}
	m2, err := NewRandom(a, 11, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	src := randInput(3, 1, 3, 32, 32)
	got, want := infer(t, m2, src, 1), infer(t, mustNew(t, a, w1, opt), src, 1)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("logit %d: NewRandom %v, New(Random) %v", i, got[i], want[i])
		}
	}
	if _, err := NewRandom(Arch{}, 1, nil); !errors.Is(err, ErrArch) {
		t.Errorf("NewRandom of an invalid arch: %v", err)
	}
	if _, err := Random(Arch{}, 1); !errors.Is(err, ErrArch) {
		t.Errorf("Random of an invalid arch: %v", err)
	}
}

// Random's first values are pinned, so a change of generator is noticed.
func TestRandomPinned(t *testing.T) {
	w := mustRandom(t, ResNet18().WithWidth(4), 1)
	got := []float32{w["conv1.weight"].Data[0], w["conv1.weight"].Data[1], w["bn1.running_var"].Data[0], w["bn1.running_var"].Data[1]}
	want := []float32{-0.13329613, 0.14255004, 1.0050204, 0.67277235}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("Random's first values %v, want %v", got, want)
		}
	}
}

func TestProfile(t *testing.T) {
	a, h, w := smallNet()
	m := mustNew(t, a, mustRandom(t, a, 1), &Options{Threads: 1, MaxBatch: 2, Height: h, Width: w})
	src := randInput(1, 2, 3, h, w)
	stats, err := m.Profile(context.Background(), src, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	var macs int64
	convs := 0
	for _, s := range stats {
		macs += s.MACs
		if s.Op == "conv" {
			convs++
		}
		if s.Time <= 0 {
			t.Errorf("%s took %v", s.Name, s.Time)
		}
	}
	if want := 2 * a.MACs(h, w); macs != want {
		t.Errorf("profile counts %d MACs, the arch %d", macs, want)
	}
	if convs != 53 || stats[0].Op != "input" || stats[len(stats)-1].Name != "fc" {
		t.Errorf("%d convolutions, first %q, last %q", convs, stats[0].Op, stats[len(stats)-1].Name)
	}
	if want := fmt.Sprintf("%dx%dx3 -> %dx%dx%d 7x7/2", h, w, (h+1)/2, (w+1)/2, a.Width); stats[1].Shape != want {
		t.Errorf("stem shape %q", stats[1].Shape)
	}
	var b strings.Builder
	if err := WriteProfile(&b, stats); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "layer4.2.conv3") || !strings.Contains(b.String(), "total") {
		t.Errorf("profile table:\n%s", b.String())
	}
	if _, err := m.Profile(context.Background(), randInput(1, 3, 3, h, w), 3, 1); !errors.Is(err, ErrInput) {
		t.Errorf("batch above MaxBatch: %v", err)
	}
}

// The pooled features, through the fc weights in float64, give the logits.
func TestInferFeatures(t *testing.T) {
	a, h, w := smallNet()
	wts := mustRandom(t, a, 1)
	m := mustNew(t, a, wts, &Options{Threads: 2, MaxBatch: 2, Height: h, Width: w})
	const batch = 3
	src := randInput(4, batch, 3, h, w)
	logits := infer(t, m, src, batch)
	nf := m.Features()
	feats := make([]float32, batch*nf)
	ctx := context.Background()
	if err := m.InferFeatures(ctx, feats, src, batch); err != nil {
		t.Fatal(err)
	}
	fw, fb := wts["fc.weight"].Data, wts["fc.bias"].Data
	got, want := make([]float64, len(logits)), make([]float64, len(logits))
	for i := 0; i < batch; i++ {
		for j := 0; j < m.Classes(); j++ {
			s := float64(fb[j])
			for k := 0; k < nf; k++ {
				s += float64(fw[j*nf+k]) * float64(feats[i*nf+k])
			}
			got[i*m.Classes()+j], want[i*m.Classes()+j] = s, float64(logits[i*m.Classes()+j])
		}
	}
	if e := testutil.RelL2(got, want); !(e < 1e-5) {
		t.Errorf("fc(features) vs logits: relative L2 %.3g", e)
	}
	if n := testing.AllocsPerRun(5, func() { m.InferFeatures(ctx, feats, src, batch) }); n != 0 {
		t.Errorf("InferFeatures: %v allocations", n)
	}
	if err := m.InferFeatures(ctx, feats[1:], src, batch); !errors.Is(err, ErrInput) {
		t.Errorf("short dst: %v", err)
	}
}
