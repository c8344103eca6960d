package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// qconvRef is the real-valued convolution of the dequantized input and
// weights (float64, direct loops), plus the dequantized residual; ReLU last.
func qconvRef(p ConvParams, src []uint8, in QParams, wt []int8, wScale []float32, bias []int32,
	res []uint8, resP QParams, n, h, w int, relu bool) []float64 {
	oh, ow, _ := p.OutSize(h, w)
	out := make([]float64, n*oh*ow*p.Cout)
	for i := 0; i < n; i++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for co := 0; co < p.Cout; co++ {
					s := float64(bias[co]) * float64(in.Scale) * float64(wScale[co])
					for ci := 0; ci < p.Cin; ci++ {
						for ky := 0; ky < p.KH; ky++ {
							for kx := 0; kx < p.KW; kx++ {
								y, x := oy*p.StrideH-p.PadT+ky, ox*p.StrideW-p.PadL+kx
								if y < 0 || y >= h || x < 0 || x >= w {
									continue
								}
								v := float64(int32(src[((i*h+y)*w+x)*p.Cin+ci])-in.Zero) * float64(in.Scale)
								s += v * float64(wt[((co*p.Cin+ci)*p.KH+ky)*p.KW+kx]) * float64(wScale[co])
							}
						}
					}
					o := ((i*oh+oy)*ow+ox)*p.Cout + co
					if res != nil {
						s += float64(int32(res[o])-resP.Zero) * float64(resP.Scale)
					}
					if relu {
						s = max(s, 0)
					}
					out[o] = s
				}
			}
		}
	}
	return out
}

// TestQConv runs 3x3, strided and 1x1 (direct) quantized convolutions with
// and without a residual of another scale, uint8 and float32 outputs,
// against the float64 real-domain reference: a quantized output within one
// step, a float one within float32 rounding.
func TestQConv(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 20))
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, p := range []ConvParams{SquareConv(8, 16, 3, 1, 1), SquareConv(5, 7, 3, 2, 1), SquareConv(24, 40, 1, 1, 0)} {
		n, h, w := 2, 9, 8
		oh, ow, err := p.OutSize(h, w)
		if err != nil {
			t.Fatal(err)
		}
		in, out, resP := QParams{0.04, 110}, QParams{0.09, 12}, QParams{0.13, 140}
		src := make([]uint8, n*h*w*p.Cin)
		for i := range src {
			src[i] = uint8(r.IntN(256))
		}
		wt := make([]int8, p.Cout*p.Cin*p.KH*p.KW)
		for i := range wt {
			wt[i] = int8(r.IntN(256) - 128)
		}
		wScale, bias := make([]float32, p.Cout), make([]int32, p.Cout)
		for j := range wScale {
			wScale[j] = float32(0.0005 + 0.002*r.Float64())
			bias[j] = int32(r.IntN(4001) - 2000)
		}
		c, err := NewQConv(nil, p, wt, wScale, bias, in, out, false)
		if err != nil {
			t.Fatal(err)
		}
		size := n * oh * ow * p.Cout
		resv := make([]uint8, size)
		for i := range resv {
			resv[i] = uint8(r.IntN(256))
		}
		for _, withRes := range []bool{false, true} {
			var res *kernels.QResidual
			var rv []uint8
			if withRes {
				res = &kernels.QResidual{U8: resv, Ld: p.Cout, Zero: resP.Zero, Scale: resP.Scale / out.Scale}
				rv = resv
			}
			want := qconvRef(p, src, in, wt, wScale, bias, rv, resP, n, h, w, withRes)
			dst := make([]uint8, size)
			if err := QConvForward(c, dst, src, n, h, w, res, withRes, &kernels.Options{Pool: pool}); err != nil {
				t.Fatal(err)
			}
			for i, v := range want {
				q := max(0, min(255, math.RoundToEven(v/float64(out.Scale))+float64(out.Zero)))
				if math.Abs(float64(dst[i])-q) > 1 {
					t.Fatalf("%+v res=%t: dst[%d] = %d, want %v", p, withRes, i, dst[i], q)
				}
			}
			if withRes {
				continue
			}
			f := make([]float32, size)
			if err := QConvForward(c, f, src, n, h, w, nil, false, nil); err != nil {
				t.Fatal(err)
			}
			for i, v := range want {
				if math.Abs(float64(f[i])-v) > 1e-5*(math.Abs(v)+1) {
					t.Fatalf("%+v float: dst[%d] = %v, want %v", p, i, f[i], v)
				}
			}
		}
		if raceOn {
			continue
		}
		dst := make([]uint8, size)
		allocs := testing.AllocsPerRun(5, func() {
			if err := QConvForward(c, dst, src, n, h, w, nil, true, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per call", p, allocs)
		}
	}
}

func TestQConvBadInput(t *testing.T) {
	p := SquareConv(2, 3, 3, 1, 1)
	wt := make([]int8, 3*2*9)
	ws := []float32{1, 1, 1}
	in, out := QParams{1, 0}, QParams{1, 0}
	if _, err := NewQConv(nil, p, wt[:10], ws, nil, in, out, false); !errors.Is(err, ErrShape) {
		t.Errorf("short weights: %v", err)
	}
	if _, err := NewQConv(nil, p, wt, []float32{1, 0, 1}, nil, in, out, false); !errors.Is(err, ErrShape) {
		t.Errorf("zero weight scale: %v", err)
	}
	c, err := NewQConv(nil, p, wt, ws, nil, in, out, false)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]uint8, 3*4*4)
	if err := QConvForward(c, dst, make([]int8, 2*4*4), 1, 4, 4, nil, false, nil); !errors.Is(err, ErrShape) {
		t.Errorf("int8 input to a uint8 layer: %v", err)
	}
	if err := QConvForward(c, dst, make([]uint8, 5), 1, 4, 4, nil, false, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short src: %v", err)
	}
	if err := QConvForward(c, dst[:5], make([]uint8, 32), 1, 4, 4, nil, false, nil); !errors.Is(err, kernels.ErrShape) {
		t.Errorf("short dst: %v", err)
	}
}
