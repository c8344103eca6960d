package resnet

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
)

// Close while Infer runs on other goroutines: Close waits for them (the
// race detector checks the pool is not closed under a running call), and
// every call returns either logits or ErrClosed.
func TestCloseWhileInfer(t *testing.T) {
	a, h, w := smallNet()
	wts := mustRandom(t, a, 1)
	for round := range shortRuns(8) {
		m, err := New(a, wts, &Options{Threads: 2, Height: h, Width: w})
		if err != nil {
			t.Fatal(err)
		}
		src := randInput(uint64(round), 1, 3, h, w)
		var wg, started sync.WaitGroup
		errs := make(chan error, 4*1000)
		for range 4 {
			wg.Add(1)
			started.Add(1)
			go func() {
				defer wg.Done()
				dst := make([]float32, m.Classes())
				for i := range 1000 {
					err := m.Infer(context.Background(), dst, src, 1)
					if i == 0 {
						started.Done()
					}
					errs <- err
					if err != nil {
						return
					}
				}
			}()
		}
		started.Wait() // every goroutine is looping over Infer
		m.Close()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && !errors.Is(err, ErrClosed) {
				t.Fatalf("Infer during Close: %v", err)
			}
		}
		if err := m.Infer(context.Background(), make([]float32, m.Classes()), src, 1); !errors.Is(err, ErrClosed) {
			t.Fatalf("Infer after Close: %v, want ErrClosed", err)
		}
	}
}

// Embed's features are what fc reads: fc.weight x features + fc.bias gives
// the logits (float64 reference), for a batch split over passes.
func TestEmbedFeaturesGiveLogits(t *testing.T) {
	a, h, w := smallNet()
	wts := mustRandom(t, a, 2)
	m := mustNew(t, a, wts, &Options{Threads: 1, MaxBatch: 2, Height: h, Width: w})
	const batch = 3
	fl := m.Features()
	fcw, fcb := wts["fc.weight"], wts["fc.bias"]
	if fl == 0 || fcw.Shape[1] != fl {
		t.Fatalf("Features %d, fc.weight %v", fl, fcw.Shape)
	}
	src := randInput(9, batch, 3, h, w)
	feat, logits := make([]float32, batch*fl), make([]float32, batch*m.Classes())
	if err := m.Embed(context.Background(), feat, logits, src, batch); err != nil {
		t.Fatal(err)
	}
	want := infer(t, m, src, batch)
	for b := range batch {
		for j := range m.Classes() {
			ref := float64(fcb.Data[j])
			for k := range fl {
				ref += float64(fcw.Data[j*fl+k]) * float64(feat[b*fl+k])
			}
			got := logits[b*m.Classes()+j]
			if got != want[b*m.Classes()+j] || math.Abs(ref-float64(got)) > 1e-4*(1+math.Abs(ref)) {
				t.Fatalf("image %d class %d: logit %v, Infer %v, from features %v", b, j, got, want[b*m.Classes()+j], ref)
			}
		}
	}
	if err := m.Embed(context.Background(), feat[:1], logits, src, batch); !errors.Is(err, ErrInput) {
		t.Errorf("short features: %v", err)
	}
}

// Bad thread counts are errors that name the option (issue 15, rows 4-5).
func TestThreadsBounds(t *testing.T) {
	a, h, w := smallNet()
	for _, tc := range []struct {
		threads int
		want    string
	}{{-5, "Options.Threads = -5 is negative"}, {10_000_000, "Options.Threads = 10000000 exceeds 256"}} {
		_, err := NewRandom(a, 1, &Options{Threads: tc.threads, Height: h, Width: w})
		if err == nil || err.Error() != "resnet: "+tc.want {
			t.Errorf("Threads %d: %v", tc.threads, err)
		}
	}
}
