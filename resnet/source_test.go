package resnet

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// countingSource is a WeightSource over Weights that counts reads and can
// fail one key or return too few values for one.
type countingSource struct {
	Weights
	reads       map[string]int
	fail, short string
}

func (s *countingSource) Float32s(key string) ([]float32, error) {
	s.reads[key]++
	if key == s.fail {
		return nil, errors.New("disk on fire")
	}
	d, err := s.Weights.Float32s(key)
	if key == s.short {
		d = d[:len(d)-1]
	}
	return d, err
}

func newCounting(w Weights) *countingSource {
	return &countingSource{Weights: w, reads: map[string]int{}}
}

// NewFrom on any source builds the same model as New, reading each tensor
// exactly once.
func TestNewFromSource(t *testing.T) {
	for _, a := range []Arch{ResNet18().WithWidth(4).WithClasses(3), ResNet50().WithVersion(V2).WithWidth(4).WithClasses(5)} {
		w := mustRandom(t, a, 3)
		w["bn1.num_batches_tracked"] = Tensor{Shape: []int{}, Data: []float32{7}}
		opt := &Options{Height: 40, Width: 36, Threads: 1}
		want := infer(t, mustNew(t, a, w, opt), randInput(1, 1, 3, 40, 36), 1)
		src := newCounting(w)
		m, err := NewFrom(a, src, opt)
		if err != nil {
			t.Fatal(err)
		}
		got := infer(t, m, randInput(1, 1, 3, 40, 36), 1)
		m.Close()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: logit %d is %g from NewFrom, %g from New", a, i, got[i], want[i])
			}
		}
		for k := range w {
			if n := src.reads[k]; n != 1 && k != "bn1.num_batches_tracked" {
				t.Errorf("%v: %s read %d times", a, k, n)
			}
		}
	}
}

// Bad shapes are reported before any tensor is read; read errors and
// sources that break their own shapes name the key.
func TestNewFromErrors(t *testing.T) {
	a := ResNet18().WithWidth(4).WithClasses(3)
	w := mustRandom(t, a, 1)
	if _, err := NewFrom(a, nil, nil); !errors.Is(err, ErrWeights) {
		t.Errorf("nil source: %v", err)
	}
	bad := Weights{}
	for k, v := range w {
		bad[k] = v
	}
	bad["layer4.1.conv2.weight"] = Tensor{Shape: []int{32, 32, 3, 1}, Data: make([]float32, 32*32*3)}
	src := newCounting(bad)
	if _, err := NewFrom(a, src, nil); err == nil || !strings.Contains(err.Error(), "layer4.1.conv2.weight has shape [32 32 3 1]") {
		t.Errorf("wrong shape: %v", err)
	}
	if len(src.reads) != 0 {
		t.Errorf("a wrong shape was found after reading %d tensors", len(src.reads))
	}
	for _, c := range []struct {
		fail, short, want string
	}{
		{fail: "layer2.0.bn1.running_var", want: "resnet: bad weights: layer2.0.bn1.running_var: disk on fire"},
		{short: "layer3.1.conv1.weight", want: "layer3.1.conv1.weight has 2303 values, its shape [16 16 3 3] needs 2304"},
		{fail: "fc.weight", want: "fc.weight: disk on fire"},
	} {
		src := newCounting(w)
		src.fail, src.short = c.fail, c.short
		m, err := NewFrom(a, src, &Options{Height: 32, Width: 32})
		if err == nil {
			m.Close()
			t.Errorf("%s%s: no error", c.fail, c.short)
			continue
		}
		if !errors.Is(err, ErrWeights) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%s: %v, want ErrWeights and %q", c.fail, c.short, err, c.want)
		}
	}
}
