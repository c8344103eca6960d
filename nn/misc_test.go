package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

func TestLinear(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, s := range [][3]int{{1, 2048, 1000}, {3, 17, 5}, {2, 1, 1}} {
			batch, in, out := s[0], s[1], s[2]
			w := randSlice(r, out*in)
			b := randSlice(r, out)
			l, err := NewLinearFor(im, in, out, w, b)
			if err != nil {
				t.Fatal(err)
			}
			src := newBuf(batch * in)
			fill(r, src.s())
			dst := newBuf(batch * out)
			if err := l.Forward(dst.s(), src.s(), batch, Epilogue{}, nil); err != nil {
				t.Fatal(err)
			}
			dst.check(t, "dst")
			for i := 0; i < batch; i++ {
				for o := 0; o < out; o++ {
					want := float64(b[o])
					for k := 0; k < in; k++ {
						want += float64(w[o*in+k]) * float64(src.s()[i*in+k])
					}
					if got := float64(dst.s()[i*out+o]); math.Abs(got-want) > 1e-6*float64(in+4) {
						t.Fatalf("%v: y[%d][%d] = %v, want %v", s, i, o, got, want)
					}
				}
			}
		}
	})
	if _, err := NewLinear(3, 2, make([]float32, 5), nil); !errors.Is(err, ErrShape) {
		t.Errorf("short weight: %v", err)
	}
	if _, err := NewLinear(3, 2, make([]float32, 6), make([]float32, 3)); !errors.Is(err, ErrShape) {
		t.Errorf("long bias: %v", err)
	}
	if _, err := NewLinear(0, 2, nil, nil); !errors.Is(err, ErrShape) {
		t.Errorf("zero inputs: %v", err)
	}
	l, _ := NewLinear(3, 2, make([]float32, 6), nil)
	if err := l.Forward(make([]float32, 3), make([]float32, 6), 2, Epilogue{}, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	if err := l.Forward(make([]float32, 4), make([]float32, 5), 2, Epilogue{}, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short src: %v", err)
	}
}

func TestScaleShift(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	c := 7
	scale, shift := randSlice(r, c), randSlice(r, c)
	src := randSlice(r, 5*c)
	for _, relu := range []bool{false, true} {
		dst := newBuf(len(src))
		if err := ScaleShift(dst.s(), src, c, scale, shift, relu); err != nil {
			t.Fatal(err)
		}
		dst.check(t, "dst")
		inPlace := slices.Clone(src)
		if err := ScaleShift(inPlace, inPlace, c, scale, shift, relu); err != nil {
			t.Fatal(err)
		}
		for i, v := range src {
			want := float64(v)*float64(scale[i%c]) + float64(shift[i%c])
			if relu && want < 0 {
				want = 0
			}
			if math.Abs(float64(dst.s()[i])-want) > 1e-6 || inPlace[i] != dst.s()[i] {
				t.Fatalf("relu=%v element %d = %v (in place %v), want %v", relu, i, dst.s()[i], inPlace[i], want)
			}
		}
	}
	if err := ScaleShift(make([]float32, 6), make([]float32, 6), 4, scale, shift, false); !errors.Is(err, ErrShape) {
		t.Errorf("length not a multiple of c: %v", err)
	}
	if err := ScaleShift(make([]float32, 14), make([]float32, 14), 7, scale[:6], shift, false); !errors.Is(err, ErrShape) {
		t.Errorf("short scale: %v", err)
	}
	if err := ScaleShift(make([]float32, 13), make([]float32, 14), 7, scale, shift, false); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
}

func TestAddReLU(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{-1, 2, nan, 0.5}
	ReLU(x)
	if !slices.Equal(x, []float32{0, 2, 0, 0.5}) {
		t.Errorf("ReLU = %v", x)
	}
	d := []float32{1, -3, 2, 9}
	if err := Add(d, []float32{1, 1, -5}, true); err != nil || !slices.Equal(d, []float32{2, 0, 0, 9}) {
		t.Errorf("Add = %v, %v", d, err)
	}
	if err := Add(d[:2], []float32{1, 1, 1}, false); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
}

func TestLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	n, c, h, w := 2, 3, 4, 5
	src := randSlice(r, n*c*h*w)
	nhwc := newBuf(len(src))
	if err := NCHWToNHWC(nhwc.s(), src, n, c, h, w); err != nil {
		t.Fatal(err)
	}
	nhwc.check(t, "nhwc")
	if !slices.Equal(nhwc.s(), toNHWC(src, n, c, h, w)) {
		t.Fatal("NCHWToNHWC differs from the definition")
	}
	back := newBuf(len(src))
	if err := NHWCToNCHW(back.s(), nhwc.s(), n, c, h, w); err != nil {
		t.Fatal(err)
	}
	back.check(t, "back")
	if !slices.Equal(back.s(), src) {
		t.Fatal("round trip differs")
	}
	if err := NCHWToNHWC(make([]float32, 10), src, n, c, h, w); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	if err := NHWCToNCHW(make([]float32, len(src)), src[:10], n, c, h, w); !errors.Is(err, ErrShape) {
		t.Errorf("short src: %v", err)
	}
	if err := NHWCToNCHW(nil, nil, -1, c, h, w); !errors.Is(err, ErrShape) {
		t.Errorf("negative batch: %v", err)
	}
}

func TestLinearAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(27, 28))
	l, err := NewLinear(64, 10, randSlice(r, 640), randSlice(r, 10))
	if err != nil {
		t.Fatal(err)
	}
	src, dst := randSlice(r, 2*64), make([]float32, 2*10)
	scale, shift := randSlice(r, 64), randSlice(r, 64)
	for _, opt := range []*kernels.Options{nil, {Pool: pool}} {
		allocs := testing.AllocsPerRun(10, func() {
			if err := l.Forward(dst, src, 2, Epilogue{ReLU: true}, opt); err != nil {
				t.Fatal(err)
			}
			if err := ScaleShift(src, src, 64, scale, shift, true); err != nil {
				t.Fatal(err)
			}
			if err := GlobalAvgPool(dst, src, 2, 1, 1, 10); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("threads=%d: %v allocations", threadsOf(opt), allocs)
		}
	}
}
