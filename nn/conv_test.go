package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// refConv is a plain float64 convolution on NCHW tensors with OIHW weights,
// straight from the definition, returning NCHW output.
func refConv(p ConvParams, src []float32, n, h, w int, weights, bias []float32) (out []float64, oh, ow int) {
	p = p.normalized()
	oh = (h+p.PadT+p.PadB-(p.KH-1)*p.DilH-1)/p.StrideH + 1
	ow = (w+p.PadL+p.PadR-(p.KW-1)*p.DilW-1)/p.StrideW + 1
	cing, coutg := p.Cin/p.Groups, p.Cout/p.Groups
	out = make([]float64, n*p.Cout*oh*ow)
	for i := 0; i < n; i++ {
		for o := 0; o < p.Cout; o++ {
			g := o / coutg
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					var sum float64
					if bias != nil {
						sum = float64(bias[o])
					}
					for ci := 0; ci < cing; ci++ {
						c := g*cing + ci
						for ky := 0; ky < p.KH; ky++ {
							iy := y*p.StrideH - p.PadT + ky*p.DilH
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < p.KW; kx++ {
								ix := x*p.StrideW - p.PadL + kx*p.DilW
								if ix < 0 || ix >= w {
									continue
								}
								wv := weights[((o*cing+ci)*p.KH+ky)*p.KW+kx]
								sum += float64(wv) * float64(src[((i*p.Cin+c)*h+iy)*w+ix])
							}
						}
					}
					out[((i*p.Cout+o)*oh+y)*ow+x] = sum
				}
			}
		}
	}
	return out, oh, ow
}

// toNHWC converts an NCHW float32 tensor for the layer under test.
func toNHWC(src []float32, n, c, h, w int) []float32 {
	d := make([]float32, len(src))
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					d[((i*h+y)*w+x)*c+ch] = src[((i*c+ch)*h+y)*w+x]
				}
			}
		}
	}
	return d
}

type convCase struct {
	p       ConvParams
	n, h, w int
	bias    bool
	ep      Epilogue
}

func (c convCase) String() string {
	p := c.p.normalized()
	return fmt.Sprintf("n=%d/in=%dx%dx%d/out=%d/k=%dx%d/s=%dx%d/pad=%d,%d,%d,%d/dil=%dx%d/g=%d/bias=%v/res=%v/relu=%v",
		c.n, c.h, c.w, p.Cin, p.Cout, p.KH, p.KW, p.StrideH, p.StrideW, p.PadT, p.PadL, p.PadB, p.PadR,
		p.DilH, p.DilW, p.Groups, c.bias, c.ep.Residual, c.ep.ReLU)
}

// checkConv runs one case at level im with threads threads and compares it
// with refConv, in NHWC.
func checkConv(t *testing.T, im *kernels.Impl, tc convCase, opt *kernels.Options, r *rand.Rand) {
	t.Helper()
	p := tc.p.normalized()
	k := p.KH * p.KW * p.Cin / p.Groups
	runConvCase(t, tc, opt, r, fmt.Sprint(tc), 1e-6*float64(k+4), func(weights, bias []float32, oh, ow int) *Conv {
		c, err := NewConvFor(im, tc.p, weights, bias)
		if err != nil {
			t.Fatalf("%v: NewConv: %v", tc, err)
		}
		if goh, gow, err := c.OutSize(tc.h, tc.w); err != nil || goh != oh || gow != ow {
			t.Fatalf("%v: OutSize = %d, %d, %v; want %d, %d", tc, goh, gow, err, oh, ow)
		}
		return c
	})
}

// runConvCase draws tc's input, weights and bias, builds the convolution
// with build (given the reference's output size), runs it inside guard
// bands and compares each output with refConv (plus the residual, then
// ReLU) within tol; label starts the failure message. It returns the
// largest error.
func runConvCase(t *testing.T, tc convCase, opt *kernels.Options, r *rand.Rand, label string, tol float64,
	build func(weights, bias []float32, oh, ow int) *Conv) float64 {
	t.Helper()
	p := tc.p.normalized()
	srcNCHW := randSlice(r, tc.n*p.Cin*tc.h*tc.w)
	weights := randSlice(r, p.Cout*(p.Cin/p.Groups)*p.KH*p.KW)
	var bias []float32
	if tc.bias {
		bias = randSlice(r, p.Cout)
	}
	ref, oh, ow := refConv(p, srcNCHW, tc.n, tc.h, tc.w, weights, bias)
	c := build(weights, bias, oh, ow)
	src := newBuf(tc.n * tc.h * tc.w * p.Cin)
	copy(src.s(), toNHWC(srcNCHW, tc.n, p.Cin, tc.h, tc.w))
	dst := newBuf(tc.n * oh * ow * p.Cout)
	resid := randSlice(r, dst.n)
	if tc.ep.Residual {
		copy(dst.s(), resid)
	}
	scratch := newBuf(c.ScratchSize(tc.n, tc.h, tc.w, opt))
	if err := c.Forward(dst.s(), src.s(), tc.n, tc.h, tc.w, tc.ep, scratch.s(), opt); err != nil {
		t.Fatalf("%v: Forward: %v", tc, err)
	}
	src.check(t, "src")
	dst.check(t, "dst")
	scratch.check(t, "scratch")
	got := dst.s()
	worst := 0.0
	for i := 0; i < tc.n; i++ {
		for o := 0; o < p.Cout; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					at := ((i*oh+y)*ow+x)*p.Cout + o
					want := ref[((i*p.Cout+o)*oh+y)*ow+x]
					if tc.ep.Residual {
						want += float64(resid[at])
					}
					if tc.ep.ReLU && want < 0 {
						want = 0
					}
					e := math.Abs(float64(got[at]) - want)
					if !(e <= tol) {
						t.Fatalf("%s: out[%d][%d][%d][%d] = %v, want %v (tol %g)", label, i, y, x, o, got[at], want, tol)
					}
					worst = max(worst, e)
				}
			}
		}
	}
	return worst
}

// randomConvCase draws a small random geometry that fits.
func randomConvCase(r *rand.Rand) convCase {
	for {
		groups := []int{1, 1, 1, 2, 3, 32}[r.IntN(6)]
		cin := groups * (1 + r.IntN(max(1, 12/groups+1)))
		if groups == 1 && r.IntN(3) == 0 {
			cin = 13 + r.IntN(40) // long tap rows: the unstacked layout
		}
		cout := groups * (1 + r.IntN(max(1, 40/groups+1)))
		p := ConvParams{
			Cin: cin, Cout: cout, KH: 1 + r.IntN(5), KW: 1 + r.IntN(5),
			StrideH: 1 + r.IntN(2), StrideW: 1 + r.IntN(2),
			PadT: r.IntN(4), PadL: r.IntN(4), PadB: r.IntN(4), PadR: r.IntN(4),
			DilH: 1 + r.IntN(2), DilW: 1 + r.IntN(2), Groups: groups,
		}
		tc := convCase{p: p, n: []int{1, 3}[r.IntN(2)], h: 1 + r.IntN(12), w: 1 + r.IntN(12), bias: r.IntN(2) == 0,
			ep: Epilogue{Residual: r.IntN(2) == 0, ReLU: r.IntN(2) == 0}}
		if _, _, err := p.OutSize(tc.h, tc.w); err == nil {
			return tc
		}
	}
}

func TestConvRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *kernels.Impl) {
		r := rand.New(rand.NewPCG(1, 2))
		cases := 300
		if testing.Short() {
			cases = 60
		}
		for range cases {
			checkConv(t, im, randomConvCase(r), nil, r)
		}
	})
}
