package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// toNCHW is the definition of NHWCToNCHW, element by element.
func toNCHW(src []float32, n, c, h, w int) []float32 {
	d := make([]float32, len(src))
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ch := 0; ch < c; ch++ {
					d[((i*c+ch)*h+y)*w+x] = src[((i*h+y)*w+x)*c+ch]
				}
			}
		}
	}
	return d
}

func TestLayoutShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, s := range [][4]int{
		{1, 1, 1, 1}, {1, 3, 1, 1}, {1, 1, 4, 5}, {3, 2, 1, 7}, {2, 5, 3, 3},
		{1, 64, 7, 7}, {2, 3, 11, 6}, {0, 3, 4, 4}, {2, 0, 4, 4}, {2, 3, 0, 4},
	} {
		n, c, h, w := s[0], s[1], s[2], s[3]
		src := randSlice(r, n*c*h*w)
		nhwc := newBuf(len(src))
		if err := NCHWToNHWC(nhwc.s(), src, n, c, h, w); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		nhwc.check(t, "nhwc")
		if !slices.Equal(nhwc.s(), toNHWC(src, n, c, h, w)) {
			t.Errorf("%v: NCHWToNHWC differs from the definition", s)
		}
		nchw := newBuf(len(src))
		if err := NHWCToNCHW(nchw.s(), src, n, c, h, w); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		nchw.check(t, "nchw")
		if !slices.Equal(nchw.s(), toNCHW(src, n, c, h, w)) {
			t.Errorf("%v: NHWCToNCHW differs from the definition", s)
		}
	}
}

func TestLayoutDoesNotAllocate(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	n, c, h, w := 2, 3, 4, 5
	src := make([]float32, n*c*h*w)
	dst := make([]float32, len(src))
	if a := testing.AllocsPerRun(20, func() {
		_ = NCHWToNHWC(dst, src, n, c, h, w)
		_ = NHWCToNCHW(dst, src, n, c, h, w)
	}); a != 0 {
		t.Errorf("%v allocations per call", a)
	}
}
