package engine

import (
	"fmt"
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// This file is an independent float64 reference for the operators the
// engine runs: naive loops in ONNX's NCHW order on one image (batch 1),
// reading shapes from the graph.

// refTensor is a float64 tensor in row-major order.
type refTensor struct {
	shape []int
	d     []float64
}

func rowMajor(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// coords returns the coordinates of flat index i.
func coords(i int, shape []int) []int {
	c := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		c[k] = i % shape[k]
		i /= shape[k]
	}
	return c
}

// refEval evaluates g on one image and returns every value.
func refEval(g *graph.Graph, in []float64) (map[*graph.Value]*refTensor, error) {
	env := map[*graph.Value]*refTensor{g.Inputs[0]: {g.Inputs[0].Shape, in}}
	get := func(v *graph.Value) *refTensor {
		if t, ok := env[v]; ok {
			return t
		}
		if v.Const != nil {
			if v.Const.DType == graph.Int64 {
				d, _ := v.Const.Int64s()
				out := make([]float64, len(d))
				for i, x := range d {
					out[i] = float64(x)
				}
				return &refTensor{v.Const.Shape, out}
			}
			d, _ := v.Const.Float32s()
			out := make([]float64, len(d))
			for i, x := range d {
				out[i] = float64(x)
			}
			return &refTensor{v.Const.Shape, out}
		}
		return nil
	}
	for _, n := range g.Nodes {
		var ins []*refTensor
		for _, v := range n.Inputs {
			if v == nil {
				ins = append(ins, nil)
			} else {
				ins = append(ins, get(v))
			}
		}
		out := n.Outputs[0].Shape
		d, err := refNode(n, ins, out)
		if err != nil {
			return nil, err
		}
		env[n.Outputs[0]] = &refTensor{out, d}
	}
	return env, nil
}

func refNode(n *graph.Node, in []*refTensor, out []int) ([]float64, error) {
	size := graph.NumElements(out)
	y := make([]float64, size)
	x := in[0]
	switch n.Op {
	case graph.OpConv, "Conv":
		refConv(n, in, out, y)
		act, _ := n.Str("activation", "")
		lo, _ := n.Float("min", float32(math.Inf(-1)))
		hi, _ := n.Float("max", float32(math.Inf(1)))
		for i := range y {
			if act == "relu" {
				y[i] = math.Max(y[i], 0)
			} else if act == "clip" {
				y[i] = math.Min(math.Max(y[i], float64(lo)), float64(hi))
			}
		}
	case graph.OpScaleShift:
		c, hw := x.shape[1], size/x.shape[1]
		act, _ := n.Str("activation", "")
		for i := range y {
			ch := i / hw % c
			y[i] = x.d[i]*in[1].d[ch] + in[2].d[ch]
			if act == "relu" {
				y[i] = math.Max(y[i], 0)
			}
		}
	case "MaxPool", "AveragePool":
		refPool(n, x, out, y)
	case "GlobalAveragePool", "ReduceMean", "GlobalMaxPool", "ReduceMax":
		hw := x.shape[2] * x.shape[3]
		for c := range y {
			s, m := 0.0, math.Inf(-1)
			for p := 0; p < hw; p++ {
				s += x.d[c*hw+p]
				m = math.Max(m, x.d[c*hw+p])
			}
			if n.Op == "GlobalMaxPool" || n.Op == "ReduceMax" {
				y[c] = m
			} else {
				y[c] = s / float64(hw)
			}
		}
	case "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh":
		for i, v := range x.d {
			y[i] = refUnary(n, in, v)
		}
	case "Add", "Sub", "Mul", "Div":
		refBinary(n.Op, in[0], in[1], out, y)
	case "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast":
		copy(y, x.d)
	case "Transpose":
		perm, _ := n.Ints("perm", nil)
		ist := rowMajor(x.shape)
		for i := range y {
			c, off := coords(i, out), 0
			for j, p := range perm {
				off += c[j] * ist[p]
			}
			y[i] = x.d[off]
		}
	case "Gemm", "MatMul":
		refGemm(n, in, out, y)
	case "Softmax", "LogSoftmax":
		a, _ := n.Int("axis", -1)
		refSoftmax(n.Op == "LogSoftmax", int(a), x, out, y)
	case "Concat":
		refConcat(n, in, out, y)
	case "Slice":
		refSlice(in, out, y)
	case "Pad":
		refPad(in, out, y)
	default:
		f, ok := refExtra[n.Op]
		if !ok {
			return nil, fmt.Errorf("reference: no %s", n.Op)
		}
		f(n, in, y)
	}
	return y, nil
}

func refSoftmax(log bool, axis int, x *refTensor, out []int, y []float64) {
	if axis < 0 {
		axis += len(out)
	}
	l, stride := out[axis], 1
	for _, d := range out[axis+1:] {
		stride *= d
	}
	for base := 0; base < len(y); base += l * stride {
		for in := 0; in < stride; in++ {
			at := func(i int) int { return base + in + i*stride }
			m := math.Inf(-1)
			for i := 0; i < l; i++ {
				m = math.Max(m, x.d[at(i)])
			}
			s := 0.0
			for i := 0; i < l; i++ {
				s += math.Exp(x.d[at(i)] - m)
			}
			for i := 0; i < l; i++ {
				v := x.d[at(i)]
				if !log {
					y[at(i)] = math.Exp(v-m) / s
				} else {
					y[at(i)] = v - m - math.Log(s)
				}
			}
		}
	}
}

func refConcat(n *graph.Node, in []*refTensor, out []int, y []float64) {
	a, _ := n.Int("axis", 1)
	if a < 0 {
		a += int64(len(out))
	}
	pos := 0
	for _, t := range in {
		for i, v := range t.d {
			c := coords(i, t.shape)
			c[a] += pos
			off := 0
			for k, s := range rowMajor(out) {
				off += c[k] * s
			}
			y[off] = v
		}
		pos += t.shape[a]
	}
}

func refConv(n *graph.Node, in []*refTensor, out []int, y []float64) {
	x, w := in[0], in[1]
	g, _ := n.Int("group", 1)
	st, _ := n.Ints("strides", []int64{1, 1})
	pd, _ := n.Ints("pads", []int64{0, 0, 0, 0})
	dl, _ := n.Ints("dilations", []int64{1, 1})
	cin, h, wd := x.shape[1], x.shape[2], x.shape[3]
	cout, cg, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	oh, ow := out[2], out[3]
	og := cout / int(g)
	for co := 0; co < cout; co++ {
		gi := co / og
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				s := 0.0
				if len(in) > 2 && in[2] != nil {
					s = in[2].d[co]
				}
				for ci := 0; ci < cg; ci++ {
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy := oy*int(st[0]) - int(pd[0]) + ky*int(dl[0])
							ix := ox*int(st[1]) - int(pd[1]) + kx*int(dl[1])
							if iy < 0 || iy >= h || ix < 0 || ix >= wd {
								continue
							}
							c := gi*cg + ci
							s += x.d[(c*h+iy)*wd+ix] * w.d[((co*cg+ci)*kh+ky)*kw+kx]
						}
					}
				}
				if len(in) > 3 && in[3] != nil {
					s += in[3].d[(co*oh+oy)*ow+ox]
				}
				y[(co*oh+oy)*ow+ox] = s
			}
		}
	}
	_ = cin
}

func refPool(n *graph.Node, x *refTensor, out []int, y []float64) {
	k, _ := n.Ints("kernel_shape", nil)
	st, _ := n.Ints("strides", []int64{1, 1})
	pd, _ := n.Ints("pads", []int64{0, 0, 0, 0})
	cip, _ := n.Int("count_include_pad", 0)
	dl, _ := n.Ints("dilations", []int64{1, 1})
	h, w := x.shape[2], x.shape[3]
	if dl[0] != 1 || dl[1] != 1 { // MaxPool only: taps outside the input are skipped
		for c := 0; c < out[1]; c++ {
			for oy := 0; oy < out[2]; oy++ {
				for ox := 0; ox < out[3]; ox++ {
					m := math.Inf(-1)
					for ky := 0; ky < int(k[0]); ky++ {
						for kx := 0; kx < int(k[1]); kx++ {
							iy, ix := oy*int(st[0])-int(pd[0])+ky*int(dl[0]), ox*int(st[1])-int(pd[1])+kx*int(dl[1])
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								m = math.Max(m, x.d[(c*h+iy)*w+ix])
							}
						}
					}
					y[(c*out[2]+oy)*out[3]+ox] = m
				}
			}
		}
		return
	}
	oh, ow := out[2], out[3]
	for c := 0; c < out[1]; c++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				y0, x0 := oy*int(st[0])-int(pd[0]), ox*int(st[1])-int(pd[1])
				y1, x1 := min(y0+int(k[0]), h+int(pd[2])), min(x0+int(k[1]), w+int(pd[3]))
				area := (y1 - y0) * (x1 - x0)
				s, m, cnt := 0.0, math.Inf(-1), 0
				for iy := max(y0, 0); iy < min(y1, h); iy++ {
					for ix := max(x0, 0); ix < min(x1, w); ix++ {
						v := x.d[(c*h+iy)*w+ix]
						s += v
						m = math.Max(m, v)
						cnt++
					}
				}
				if cip == 0 {
					area = cnt
				}
				if n.Op == "MaxPool" {
					y[(c*oh+oy)*ow+ox] = m
				} else {
					y[(c*oh+oy)*ow+ox] = s / float64(area)
				}
			}
		}
	}
}

func refUnary(n *graph.Node, in []*refTensor, v float64) float64 {
	switch n.Op {
	case "Relu":
		return math.Max(v, 0)
	case "LeakyRelu":
		a, _ := n.Float("alpha", 0.01)
		if v < 0 {
			return float64(a) * v
		}
		return v
	case "Clip":
		lo, hi := math.Inf(-1), math.Inf(1)
		if len(in) > 1 && in[1] != nil {
			lo = in[1].d[0]
		}
		if len(in) > 2 && in[2] != nil {
			hi = in[2].d[0]
		}
		return math.Min(math.Max(v, lo), hi)
	case "Sigmoid":
		return 1 / (1 + math.Exp(-v))
	case "HardSigmoid":
		a, _ := n.Float("alpha", 0.2)
		b, _ := n.Float("beta", 0.5)
		return math.Min(math.Max(float64(a)*v+float64(b), 0), 1)
	case "HardSwish":
		return v * math.Min(math.Max(v/6+0.5, 0), 1)
	}
	return math.Tanh(v)
}

func refBinary(op string, a, b *refTensor, out []int, y []float64) {
	idx := func(t *refTensor, c []int) int {
		off, st := 0, rowMajor(t.shape)
		for i := range t.shape {
			k := len(out) - len(t.shape) + i
			if t.shape[i] != 1 {
				off += c[k] * st[i]
			}
		}
		return off
	}
	for i := range y {
		c := coords(i, out)
		u, v := a.d[idx(a, c)], b.d[idx(b, c)]
		switch op {
		case "Add":
			y[i] = u + v
		case "Sub":
			y[i] = u - v
		case "Mul":
			y[i] = u * v
		default:
			y[i] = u / v
		}
	}
}

func refGemm(n *graph.Node, in []*refTensor, out []int, y []float64) {
	x, w := in[0], in[1]
	alpha, _ := n.Float("alpha", 1)
	beta, _ := n.Float("beta", 1)
	tb, _ := n.Int("transB", 0)
	k, m := x.shape[1], out[1]
	for j := 0; j < m; j++ {
		s := 0.0
		for i := 0; i < k; i++ {
			if tb != 0 {
				s += x.d[i] * w.d[j*k+i]
			} else {
				s += x.d[i] * w.d[i*m+j]
			}
		}
		y[j] = float64(alpha) * s
		if len(in) > 2 && in[2] != nil {
			y[j] += float64(beta) * in[2].d[j%len(in[2].d)]
		}
	}
}

func refSlice(in []*refTensor, out []int, y []float64) {
	x := in[0]
	start := make([]int, len(out))
	step := make([]int, len(out))
	for i := range step {
		step[i] = 1
	}
	for i, s := range in[1].d {
		a := i
		if len(in) > 3 && in[3] != nil {
			a = int(in[3].d[i])
		}
		st := 1
		if len(in) > 4 && in[4] != nil {
			st = int(in[4].d[i])
		}
		dim := x.shape[a]
		s := int(s)
		if s < 0 {
			s += dim
		}
		if st > 0 {
			s = min(max(s, 0), dim)
		} else {
			s = min(max(s, 0), dim-1)
		}
		start[a], step[a] = s, st
	}
	xs := rowMajor(x.shape)
	for i := range y {
		c, off := coords(i, out), 0
		for k := range c {
			off += (start[k] + c[k]*step[k]) * xs[k]
		}
		y[i] = x.d[off]
	}
}

func refPad(in []*refTensor, out []int, y []float64) {
	x := in[0]
	r := len(x.shape)
	val := 0.0
	if len(in) > 2 && in[2] != nil {
		val = in[2].d[0]
	}
	xs := rowMajor(x.shape)
	for i := range y {
		c, off, inside := coords(i, out), 0, true
		for k := 0; k < r; k++ {
			p := c[k] - int(in[1].d[k])
			if p < 0 || p >= x.shape[k] {
				inside = false
				break
			}
			off += p * xs[k]
		}
		y[i] = val
		if inside {
			y[i] = x.d[off]
		}
	}
}

// refExtra holds reference operators defined beside their tests.
var refExtra = map[string]func(n *graph.Node, in []*refTensor, y []float64){}

func refBN(n *graph.Node, in []*refTensor, y []float64) {
	x := in[0]
	eps, _ := n.Float("epsilon", 1e-5)
	c := x.shape[1]
	hw := len(y) / c
	for i := range y {
		ch := i / hw % c
		y[i] = (x.d[i]-in[3].d[ch])/math.Sqrt(in[4].d[ch]+float64(eps))*in[1].d[ch] + in[2].d[ch]
	}
}
