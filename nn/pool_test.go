package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// refPool is PyTorch's max_pool2d / avg_pool2d on NCHW in float64, written
// from its definition: windows start at o*stride - pad; for averages the
// window is clipped to the padded input for the count_include_pad divisor
// and to the input for the other.
func refPool(p PoolParams, avg bool, src []float32, n, c, h, w int) (out []float64, oh, ow int) {
	oh = poolDim(h, p.KH, p.StrideH, p.PadT, p.PadB, p.CeilMode)
	ow = poolDim(w, p.KW, p.StrideW, p.PadL, p.PadR, p.CeilMode)
	out = make([]float64, n*c*oh*ow)
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					y0, x0 := y*p.StrideH-p.PadT, x*p.StrideW-p.PadL
					y1, x1 := min(y0+p.KH, h+p.PadB), min(x0+p.KW, w+p.PadR)
					padded := (y1 - y0) * (x1 - x0)
					m, sum, cnt := math.Inf(-1), 0.0, 0
					for yy := max(y0, 0); yy < min(y1, h); yy++ {
						for xx := max(x0, 0); xx < min(x1, w); xx++ {
							v := float64(src[((i*c+ch)*h+yy)*w+xx])
							if v > m || math.IsNaN(v) {
								m = v
							}
							sum += v
							cnt++
						}
					}
					r := m
					if avg {
						r = sum / float64(cnt)
						if p.CountIncludePad {
							r = sum / float64(padded)
						}
					}
					out[((i*c+ch)*oh+y)*ow+x] = r
				}
			}
		}
	}
	return out, oh, ow
}

// poolDim is PyTorch's pooling_output_shape.
func poolDim(in, k, s, padA, padB int, ceil bool) int {
	num := in + padA + padB - k
	o := num/s + 1
	if ceil {
		o = (num+s-1)/s + 1
		if (o-1)*s >= in+padA {
			o--
		}
	}
	return o
}

func randomPool(r *rand.Rand) PoolParams {
	kh, kw := 1+r.IntN(4), 1+r.IntN(4)
	return PoolParams{
		KH: kh, KW: kw, StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3),
		PadT: r.IntN(kh/2 + 1), PadL: r.IntN(kw/2 + 1), PadB: r.IntN(kh/2 + 1), PadR: r.IntN(kw/2 + 1),
		CeilMode: r.IntN(2) == 0, CountIncludePad: r.IntN(2) == 0,
	}
}

func TestPoolRandom(t *testing.T) {
	pool := kernels.NewPool(3)
	defer pool.Close()
	r := rand.New(rand.NewPCG(11, 12))
	cases := 600
	if testing.Short() {
		cases = 150
	}
	for i := range cases {
		p := randomPool(r)
		if i%10 == 0 {
			p = SquarePool(3, 2, 1)
		}
		n, c, h, w := 1+2*r.IntN(2), 1+r.IntN(9), 1+r.IntN(11), 1+r.IntN(11)
		avg := r.IntN(2) == 0
		oh, ow, err := p.OutSize(h, w)
		if err != nil {
			continue
		}
		srcNCHW := randSlice(r, n*c*h*w)
		ref, roh, row := refPool(p, avg, srcNCHW, n, c, h, w)
		if roh != oh || row != ow {
			t.Fatalf("%+v on %dx%d: OutSize = %d, %d, want %d, %d", p, h, w, oh, ow, roh, row)
		}
		src := newBuf(len(srcNCHW))
		copy(src.s(), toNHWC(srcNCHW, n, c, h, w))
		dst := newBuf(n * oh * ow * c)
		var opt *kernels.Options
		if i%2 == 1 {
			opt = &kernels.Options{Pool: pool}
		}
		f := MaxPool
		if avg {
			f = AvgPool
		}
		if err := f(dst.s(), src.s(), n, h, w, c, p, opt); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		src.check(t, "src")
		dst.check(t, "dst")
		for j := 0; j < n; j++ {
			for ch := 0; ch < c; ch++ {
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						got := float64(dst.s()[((j*oh+y)*ow+x)*c+ch])
						want := ref[((j*c+ch)*oh+y)*ow+x]
						if !(math.Abs(got-want) <= 1e-6) {
							t.Fatalf("%+v avg=%v in %dx%dx%dx%d: out[%d][%d][%d][%d] = %v, want %v", p, avg, n, h, w, c, j, y, x, ch, got, want)
						}
					}
				}
			}
		}
	}
}

func TestMaxPoolNaN(t *testing.T) {
	src := []float32{1, float32(math.NaN()), 3, 2}
	for _, order := range [][]float32{src, {float32(math.NaN()), 1, 3, 2}} {
		dst := make([]float32, 1)
		if err := MaxPool(dst, order, 1, 2, 2, 1, SquarePool(2, 2, 0), nil); err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(float64(dst[0])) {
			t.Errorf("max of %v = %v, want NaN", order, dst[0])
		}
	}
}

func TestGlobalAvgPool(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][4]int{{1, 7, 7, 2048}, {3, 1, 1, 5}, {2, 3, 5, 7}} {
		n, h, w, c := s[0], s[1], s[2], s[3]
		src := newBuf(n * h * w * c)
		fill(r, src.s())
		dst := newBuf(n * c)
		if err := GlobalAvgPool(dst.s(), src.s(), n, h, w, c); err != nil {
			t.Fatal(err)
		}
		dst.check(t, "dst")
		for i := 0; i < n; i++ {
			for ch := 0; ch < c; ch++ {
				var sum float64
				for p := 0; p < h*w; p++ {
					sum += float64(src.s()[(i*h*w+p)*c+ch])
				}
				if got, want := float64(dst.s()[i*c+ch]), sum/float64(h*w); math.Abs(got-want) > 1e-6 {
					t.Fatalf("%v: [%d][%d] = %v, want %v", s, i, ch, got, want)
				}
			}
		}
	}
	if err := GlobalAvgPool(make([]float32, 1), make([]float32, 8), 1, 2, 2, 2); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	if err := GlobalAvgPool(make([]float32, 2), make([]float32, 7), 1, 2, 2, 2); !errors.Is(err, ErrShape) {
		t.Errorf("short src: %v", err)
	}
	if err := GlobalAvgPool(nil, nil, 1, 0, 2, 2); !errors.Is(err, ErrShape) {
		t.Errorf("empty image: %v", err)
	}
}

func TestPoolErrors(t *testing.T) {
	src := make([]float32, 2*8*8*3)
	dst := make([]float32, 2*4*4*3)
	bad := map[string]PoolParams{
		"zero stride":      {KH: 3, KW: 3, StrideW: 2},
		"negative stride":  SquarePool(3, -1, 1),
		"zero window":      SquarePool(0, 1, 0),
		"pad over half":    SquarePool(3, 2, 2),
		"negative pad":     SquarePool(3, 2, -1),
		"window too large": SquarePool(11, 1, 0),
	}
	for name, p := range bad {
		if err := MaxPool(dst, src, 2, 8, 8, 3, p, nil); !errors.Is(err, ErrShape) {
			t.Errorf("%s: MaxPool error = %v, want ErrShape", name, err)
		}
		if err := AvgPool(dst, src, 2, 8, 8, 3, p, nil); !errors.Is(err, ErrShape) {
			t.Errorf("%s: AvgPool error = %v, want ErrShape", name, err)
		}
	}
	p := SquarePool(2, 2, 0)
	if err := MaxPool(dst[:len(dst)-1], src, 2, 8, 8, 3, p, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	if err := MaxPool(dst, src[:len(src)-1], 2, 8, 8, 3, p, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short src: %v", err)
	}
	if err := MaxPool(dst, src, 2, 8, 8, 0, p, nil); !errors.Is(err, ErrShape) {
		t.Errorf("zero channels: %v", err)
	}
	if err := MaxPool(dst, src, -1, 8, 8, 3, p, nil); !errors.Is(err, ErrShape) {
		t.Errorf("negative batch: %v", err)
	}
}

func TestPoolAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	src := make([]float32, 20*20*8)
	dst := make([]float32, 10*10*8)
	for _, opt := range []*kernels.Options{nil, {Pool: pool}} {
		allocs := testing.AllocsPerRun(20, func() {
			if err := MaxPool(dst, src, 1, 20, 20, 8, SquarePool(3, 2, 1), opt); err != nil {
				t.Fatal(err)
			}
			if err := AvgPool(dst, src, 1, 20, 20, 8, SquarePool(2, 2, 0), opt); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("threads=%d: %v allocations per call", threadsOf(opt), allocs)
		}
	}
}

// Sign-free inputs take the bit-pattern path: check it against the
// reference, with zeros, denormals, +Inf and NaN among the values.
func TestMaxPoolSignFree(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	special := []float32{0, math.SmallestNonzeroFloat32, 1e-40, float32(math.Inf(1)), math.MaxFloat32}
	for i := range 300 {
		p := randomPool(r)
		n, c, h, w := 1+r.IntN(2), 1+r.IntN(9), 1+r.IntN(11), 1+r.IntN(11)
		oh, ow, err := p.OutSize(h, w)
		if err != nil {
			continue
		}
		srcNCHW := make([]float32, n*c*h*w)
		for j := range srcNCHW {
			srcNCHW[j] = r.Float32() * 10
			if r.IntN(8) == 0 {
				srcNCHW[j] = special[r.IntN(len(special))]
			}
			if i%7 == 0 && r.IntN(30) == 0 {
				srcNCHW[j] = float32(math.NaN())
			}
		}
		ref, _, _ := refPool(p, false, srcNCHW, n, c, h, w)
		dst := make([]float32, n*oh*ow*c)
		if err := MaxPool(dst, toNHWC(srcNCHW, n, c, h, w), n, h, w, c, p, nil); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < n; j++ {
			for ch := 0; ch < c; ch++ {
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						got := dst[((j*oh+y)*ow+x)*c+ch]
						want := ref[((j*c+ch)*oh+y)*ow+x]
						if float64(got) != want && !(math.IsNaN(want) && got != got) {
							t.Fatalf("%+v: out[%d][%d][%d][%d] = %v, want %v", p, j, y, x, ch, got, want)
						}
					}
				}
			}
		}
	}
}
