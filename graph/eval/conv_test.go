package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestConvByHand(t *testing.T) {
	// 3x3 input 1..9, 2x2 kernel of ones: each output sums a 2x2 block.
	x, w := seq(1, 1, 3, 3), f([]int{1, 1, 2, 2}, 1, 1, 1, 1)
	same(t, ev(t, "Conv", nil, x, w), []int{1, 1, 2, 2}, []float64{12, 16, 24, 28}, 0)
	// pads 1 and stride 2 with a bias: corners of the padded input.
	y := ev(t, "Conv", graph.Attrs{"pads": graph.Is(1, 1, 1, 1), "strides": graph.Is(2, 2)}, x, w, f([]int{1}, 100))
	same(t, y, []int{1, 1, 2, 2}, []float64{101, 105, 111, 128}, 0)
	// Dilation 2: the four corners.
	same(t, ev(t, "Conv", graph.Attrs{"dilations": graph.Is(2, 2)}, x, w), []int{1, 1, 1, 1}, []float64{1 + 3 + 7 + 9}, 0)
	// Depthwise: each channel with its own 1x1 weight.
	x2 := seq(1, 2, 1, 2)
	same(t, ev(t, "Conv", graph.Attrs{"group": graph.I(2)}, x2, f([]int{2, 1, 1, 1}, 10, -1)), []int{1, 2, 1, 2}, []float64{10, 20, -3, -4}, 0)
}

// refConv is an independent convolution: the input is first padded into a
// larger zero array, then every output sums its dilated window of it.
func refConv(x, w *Tensor, b []float64, group, sh, sw, dh, dw int, pads [4]int) (*Tensor, []int) {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	ph, pw := h+pads[0]+pads[2], wd+pads[1]+pads[3]
	padded := make([]float64, n*c*ph*pw)
	for i := range x.F {
		ix, iy, ic, in := i%wd, i/wd%h, i/(wd*h)%c, i/(wd*h*c)
		padded[((in*c+ic)*ph+iy+pads[0])*pw+ix+pads[1]] = x.F[i]
	}
	oh := (ph-(kh-1)*dh-1)/sh + 1
	ow := (pw-(kw-1)*dw-1)/sw + 1
	out := make([]float64, n*m*oh*ow)
	mPer := m / group
	for in := range n {
		for oc := range m {
			grp := oc / mPer
			for oy := range oh {
				for ox := range ow {
					var s float64
					if b != nil {
						s = b[oc]
					}
					for k := range cg {
						ic := grp*cg + k
						for ky := range kh {
							for kx := range kw {
								s += padded[((in*c+ic)*ph+oy*sh+ky*dh)*pw+ox*sw+kx*dw] * w.F[((oc*cg+k)*kh+ky)*kw+kx]
							}
						}
					}
					out[((in*m+oc)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	shape := []int{n, m, oh, ow}
	return NewFloat(shape, out), shape
}

func TestConvAgainstPaddedReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type cfg struct {
		n, c, h, w, m, k1, k2, group, s1, s2, d1, d2 int
		pads                                         [4]int
		bias                                         bool
	}
	cases := []cfg{
		{1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, [4]int{1, 1, 1, 1}, true},
		{2, 4, 8, 7, 6, 3, 3, 2, 2, 2, 1, 1, [4]int{1, 1, 1, 1}, false},
		{1, 6, 7, 7, 6, 3, 3, 6, 1, 1, 1, 1, [4]int{1, 1, 1, 1}, true},   // depthwise
		{1, 2, 11, 10, 3, 3, 3, 1, 1, 1, 2, 2, [4]int{2, 2, 2, 2}, true}, // dilation 2
		{1, 2, 13, 13, 2, 3, 3, 1, 2, 1, 4, 4, [4]int{4, 0, 4, 0}, false},
		{1, 3, 10, 9, 2, 7, 7, 1, 2, 2, 1, 1, [4]int{3, 3, 3, 3}, true}, // stem-like
		{1, 4, 6, 6, 5, 1, 1, 1, 2, 2, 1, 1, [4]int{}, true},            // strided 1x1
		{1, 2, 5, 6, 2, 2, 3, 1, 1, 2, 1, 1, [4]int{0, 1, 2, 3}, true},  // asymmetric
	}
	for _, c := range cases {
		x := rnd(r, c.n, c.c, c.h, c.w)
		w := rnd(r, c.m, c.c/c.group, c.k1, c.k2)
		var b *Tensor
		var bd []float64
		ins := []*Tensor{x, w}
		if c.bias {
			b = rnd(r, c.m)
			bd = b.F
			ins = append(ins, b)
		}
		attrs := graph.Attrs{
			"group": graph.I(int64(c.group)), "strides": graph.Is(int64(c.s1), int64(c.s2)),
			"dilations": graph.Is(int64(c.d1), int64(c.d2)),
			"pads":      graph.Is(int64(c.pads[0]), int64(c.pads[1]), int64(c.pads[2]), int64(c.pads[3])),
		}
		want, shape := refConv(x, w, bd, c.group, c.s1, c.s2, c.d1, c.d2, c.pads)
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			same(t, ev(t, "Conv", attrs, ins...), shape, want.F, 1e-12)
		})
	}
}

// TestConvAutoPad: SAME_UPPER puts the odd padding pixel at the end,
// SAME_LOWER at the beginning; the reference gets those pads explicitly.
func TestConvAutoPad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, w := rnd(r, 1, 2, 6, 6), rnd(r, 3, 2, 3, 3)
	// in 6, k 3, s 2: output 3, total padding (3-1)*2+3-6 = 1.
	upper, shape := refConv(x, w, nil, 1, 2, 2, 1, 1, [4]int{0, 0, 1, 1})
	lower, _ := refConv(x, w, nil, 1, 2, 2, 1, 1, [4]int{1, 1, 0, 0})
	s2 := graph.Is(2, 2)
	same(t, ev(t, "Conv", graph.Attrs{"auto_pad": graph.S("SAME_UPPER"), "strides": s2}, x, w), shape, upper.F, 1e-12)
	same(t, ev(t, "Conv", graph.Attrs{"auto_pad": graph.S("SAME_LOWER"), "strides": s2}, x, w), shape, lower.F, 1e-12)
	valid, vshape := refConv(x, w, nil, 1, 2, 2, 1, 1, [4]int{})
	same(t, ev(t, "Conv", graph.Attrs{"auto_pad": graph.S("VALID"), "strides": s2}, x, w), vshape, valid.F, 1e-12)
}

func TestFusedConv(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x, w, b := rnd(r, 1, 3, 5, 5), rnd(r, 4, 3, 3, 3), rnd(r, 4)
	pads := graph.Is(1, 1, 1, 1)
	conv, shape := refConv(x, w, b.F, 1, 1, 1, 1, 1, [4]int{1, 1, 1, 1})
	res := rnd(r, shape...)
	for _, act := range []string{"", "relu", "clip"} {
		attrs := graph.Attrs{"pads": pads, "activation": graph.S(act)}
		if act == "clip" {
			attrs["min"], attrs["max"] = graph.F(-0.25), graph.F(0.5)
		}
		want := make([]float64, len(conv.F))
		for i, v := range conv.F {
			v += res.F[i]
			switch act {
			case "relu":
				v = math.Max(v, 0)
			case "clip":
				v = math.Min(math.Max(v, -0.25), 0.5)
			}
			want[i] = v
		}
		same(t, ev(t, graph.OpConv, attrs, x, w, b, res), shape, want, 1e-12)
	}
	// Without bias and residual it is a plain convolution.
	plain, _ := refConv(x, w, nil, 1, 1, 1, 1, 1, [4]int{1, 1, 1, 1})
	same(t, ev(t, graph.OpConv, graph.Attrs{"pads": pads}, x, w, nil, nil), shape, plain.F, 1e-12)
}

// The pooling cases are the examples of the ONNX operator documentation
// (input 1..16 as 4x4 or 1..25 as 5x5), plus PyTorch's ceil-mode divisor.
func TestPoolONNXExamples(t *testing.T) {
	x4, x5 := seq(1, 1, 4, 4), seq(1, 1, 5, 5)
	k := func(a, b int64) graph.Attr { return graph.Is(a, b) }
	cases := []struct {
		name  string
		op    string
		attrs graph.Attrs
		x     *Tensor
		shape []int
		want  []float64
	}{
		{"maxpool_2d_ceil", "MaxPool", graph.Attrs{"kernel_shape": k(3, 3), "strides": k(2, 2), "ceil_mode": graph.I(1)},
			x4, []int{1, 1, 2, 2}, []float64{11, 12, 15, 16}},
		{"maxpool_2d_dilations", "MaxPool", graph.Attrs{"kernel_shape": k(2, 2), "dilations": k(2, 2)},
			x4, []int{1, 1, 2, 2}, []float64{11, 12, 15, 16}},
		{"maxpool_2d_precomputed_pads", "MaxPool", graph.Attrs{"kernel_shape": k(5, 5), "pads": graph.Is(2, 2, 2, 2)},
			x5, []int{1, 1, 5, 5}, []float64{13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25}},
		{"maxpool_2d_precomputed_same_upper", "MaxPool", graph.Attrs{"kernel_shape": k(3, 3), "strides": k(2, 2), "auto_pad": graph.S("SAME_UPPER")},
			x5, []int{1, 1, 3, 3}, []float64{7, 9, 10, 17, 19, 20, 22, 24, 25}},
		{"averagepool_2d_ceil", "AveragePool", graph.Attrs{"kernel_shape": k(3, 3), "strides": k(2, 2), "ceil_mode": graph.I(1)},
			x4, []int{1, 1, 2, 2}, []float64{6, 7.5, 12, 13.5}},
		{"averagepool_2d_precomputed_pads", "AveragePool", graph.Attrs{"kernel_shape": k(5, 5), "pads": graph.Is(2, 2, 2, 2)},
			x5, []int{1, 1, 5, 5}, []float64{7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16, 16.5, 17, 17.5, 18, 18.5, 19}},
		{"averagepool_2d_precomputed_pads_count_include_pad", "AveragePool",
			graph.Attrs{"kernel_shape": k(5, 5), "pads": graph.Is(2, 2, 2, 2), "count_include_pad": graph.I(1)},
			x5, []int{1, 1, 5, 5}, []float64{2.52, 3.6, 4.8, 4.08, 3.24, 4.56, 6.4, 8.4, 7.04, 5.52, 7.2, 10, 13, 10.8, 8.4, 6.96, 9.6, 12.4, 10.24, 7.92, 6.12, 8.4, 10.8, 8.88, 6.84}},
		{"averagepool_2d_precomputed_same_upper", "AveragePool", graph.Attrs{"kernel_shape": k(3, 3), "strides": k(2, 2), "auto_pad": graph.S("SAME_UPPER")},
			x5, []int{1, 1, 3, 3}, []float64{4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22}},
		// timm ResNet-D shortcut: AvgPool(2, s2, ceil, count_include_pad=0) on an odd map.
		{"timm avg down", "AveragePool", graph.Attrs{"kernel_shape": k(2, 2), "strides": k(2, 2), "ceil_mode": graph.I(1)},
			seq(1, 1, 3, 3), []int{1, 1, 2, 2}, []float64{3, 4.5, 7.5, 9}},
		// PyTorch: the divisor with count_include_pad counts the padding but
		// not the part of a ceil-mode window past it.
		{"ceil count_include_pad", "AveragePool",
			graph.Attrs{"kernel_shape": k(3, 3), "strides": k(2, 2), "pads": graph.Is(1, 1, 1, 1), "ceil_mode": graph.I(1), "count_include_pad": graph.I(1)},
			f([]int{1, 1, 4, 4}, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), []int{1, 1, 3, 3},
			[]float64{4.0 / 9, 6.0 / 9, 2.0 / 6, 6.0 / 9, 1, 3.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			same(t, ev(t, c.op, c.attrs, c.x), c.shape, c.want, 1e-12)
		})
	}
}

func TestMaxPoolIndices(t *testing.T) {
	x := f([]int{1, 2, 2, 2}, 1, 4, 3, 2, 5, 5, 8, 6)
	out, err := Options{}.Eval(node("MaxPool", graph.Attrs{"kernel_shape": graph.Is(2, 2)}, 1, 2), []*Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	same(t, out[0], []int{1, 2, 1, 1}, []float64{4, 8}, 0)
	sameInts(t, out[1], []int{1, 2, 1, 1}, []int64{1, 6})
}

func TestGlobalPoolsAndNorms(t *testing.T) {
	x := seq(1, 2, 2, 2)
	same(t, ev(t, "GlobalAveragePool", nil, x), []int{1, 2, 1, 1}, []float64{2.5, 6.5}, 0)
	same(t, ev(t, "GlobalMaxPool", nil, x), []int{1, 2, 1, 1}, []float64{4, 8}, 0)
	scale, bias, mean, vr := f([]int{2}, 2, -1), f([]int{2}, 0.5, 1), f([]int{2}, 1, 6), f([]int{2}, 3.99999, 0.24999)
	want := make([]float64, 8)
	for i, v := range x.F {
		c := i / 4
		want[i] = (v-mean.F[c])/math.Sqrt(vr.F[c]+1e-5)*scale.F[c] + bias.F[c]
	}
	same(t, ev(t, "BatchNormalization", nil, x, scale, bias, mean, vr), x.Shape, want, 1e-9)
	// With var+eps = 4 and 0.25 exactly: (x-1)/2*2+0.5 and (x-6)/0.5*-1+1.
	same(t, ev(t, "BatchNormalization", graph.Attrs{"epsilon": graph.F(0.5)}, x, scale, bias, mean, f([]int{2}, 3.5, -0.25)),
		x.Shape, []float64{0.5, 1.5, 2.5, 3.5, 3, 1, -1, -3}, 1e-12)
	same(t, ev(t, graph.OpScaleShift, graph.Attrs{"activation": graph.S("relu")}, x, f([]int{2}, 1, -1), f([]int{2}, -2, 6)),
		x.Shape, []float64{0, 0, 1, 2, 1, 0, 0, 0}, 0)
}
