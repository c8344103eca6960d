package opt

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// A float64 reference evaluator for the operators these tests build,
// written from the ONNX definitions (NCHW, naive loops), independent of the
// passes: the graph is run before and after a pass and the outputs
// compared.

type rt struct {
	shape []int
	data  []float64
}

func (t rt) at4(n, c, y, x int) float64 {
	return t.data[((n*t.shape[1]+c)*t.shape[2]+y)*t.shape[3]+x]
}

// refRun evaluates g on the named inputs and returns its outputs in order.
func refRun(g *graph.Graph, in map[string]rt) ([]rt, error) {
	vals := map[*graph.Value]rt{}
	for _, v := range g.Inputs {
		t, ok := in[v.Name]
		if !ok {
			return nil, fmt.Errorf("no input %s", v.Name)
		}
		vals[v] = t
	}
	get := func(v *graph.Value) (rt, error) {
		if v == nil {
			return rt{}, nil
		}
		if t, ok := vals[v]; ok {
			return t, nil
		}
		if v.Const == nil {
			return rt{}, fmt.Errorf("value %s not computed", v.Name)
		}
		t, err := materialize(v.Const)
		if err != nil {
			return rt{}, err
		}
		r := rt{shape: slices.Clone(t.Shape)}
		switch t.DType {
		case graph.Float32:
			for _, x := range t.F32 {
				r.data = append(r.data, float64(x))
			}
		case graph.Int64:
			for _, x := range t.I64 {
				r.data = append(r.data, float64(x))
			}
		}
		vals[v] = r
		return r, nil
	}
	for _, n := range g.Nodes {
		args := make([]rt, len(n.Inputs))
		for i, v := range n.Inputs {
			t, err := get(v)
			if err != nil {
				return nil, err
			}
			args[i] = t
		}
		out, err := refNode(n, args)
		if err != nil {
			return nil, err
		}
		vals[n.Outputs[0]] = out
	}
	var res []rt
	for _, o := range g.Outputs {
		t, err := get(o)
		if err != nil {
			return nil, err
		}
		res = append(res, t)
	}
	return res, nil
}

func ints(n *graph.Node, name string, def ...int64) []int {
	v, _ := n.Ints(name, def)
	r := make([]int, len(v))
	for i, x := range v {
		r[i] = int(x)
	}
	return r
}

func refNode(n *graph.Node, a []rt) (rt, error) {
	switch n.Op {
	case "Conv", graph.OpConv:
		return refConv(n, a)
	case "BatchNormalization":
		eps, _ := n.Float("epsilon", 1e-5)
		return perChannel(a[0], func(c int, x float64) float64 {
			return (x-a[3].data[c])/math.Sqrt(a[4].data[c]+float64(eps))*a[1].data[c] + a[2].data[c]
		}), nil
	case graph.OpScaleShift:
		y := perChannel(a[0], func(c int, x float64) float64 { return x*a[1].data[c] + a[2].data[c] })
		return refAct(n, y), nil
	case "Relu":
		return mapT(a[0], func(x float64) float64 { return math.Max(x, 0) }), nil
	case "Clip":
		lo, hi := math.Inf(-1), math.Inf(1)
		if len(a) > 1 && a[1].data != nil {
			lo = a[1].data[0]
		}
		if len(a) > 2 && a[2].data != nil {
			hi = a[2].data[0]
		}
		return mapT(a[0], func(x float64) float64 { return math.Min(math.Max(x, lo), hi) }), nil
	case "Sigmoid":
		return mapT(a[0], func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }), nil
	case "Add", "Mul":
		return refBinary(n.Op, a[0], a[1])
	case "Identity", "Dropout", "Cast":
		return a[0], nil
	case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
		return rt{shape: n.Outputs[0].Shape, data: a[0].data}, nil
	case "Transpose":
		return a[0], nil // only identity permutations in these tests
	case "Pad":
		return refPad(n, a)
	case "MaxPool", "AveragePool":
		return refPool(n, a[0])
	case "GlobalAveragePool":
		s := a[0].shape
		out := rt{shape: []int{s[0], s[1], 1, 1}}
		for b := 0; b < s[0]*s[1]; b++ {
			sum := 0.0
			for _, x := range a[0].data[b*s[2]*s[3] : (b+1)*s[2]*s[3]] {
				sum += x
			}
			out.data = append(out.data, sum/float64(s[2]*s[3]))
		}
		return out, nil
	}
	return rt{}, fmt.Errorf("reference: no %s", n.Op)
}

func mapT(t rt, f func(float64) float64) rt {
	out := rt{shape: t.shape, data: make([]float64, len(t.data))}
	for i, x := range t.data {
		out.data[i] = f(x)
	}
	return out
}

func perChannel(t rt, f func(c int, x float64) float64) rt {
	out := rt{shape: t.shape, data: make([]float64, len(t.data))}
	plane := 1
	for _, d := range t.shape[2:] {
		plane *= d
	}
	for i, x := range t.data {
		out.data[i] = f(i/plane%t.shape[1], x)
	}
	return out
}

func refAct(n *graph.Node, y rt) rt {
	s, _ := n.Str("activation", "")
	switch s {
	case "relu":
		return mapT(y, func(x float64) float64 { return math.Max(x, 0) })
	case "clip":
		lo, _ := n.Float("min", 0)
		hi, _ := n.Float("max", 0)
		return mapT(y, func(x float64) float64 { return math.Min(math.Max(x, float64(lo)), float64(hi)) })
	}
	return y
}

// refBinary supports same shapes, per-channel [1,C,1,1] and scalar b.
func refBinary(op string, x, y rt) (rt, error) {
	if len(y.data) > len(x.data) {
		x, y = y, x
	}
	out := rt{shape: x.shape, data: make([]float64, len(x.data))}
	plane := len(x.data) / max(1, x.shape[0]*x.shape[1])
	for i, v := range x.data {
		var w float64
		switch {
		case len(y.data) == len(x.data):
			w = y.data[i]
		case len(y.data) == 1:
			w = y.data[0]
		case len(x.shape) == 4 && len(y.data) == x.shape[1]:
			w = y.data[i/plane%x.shape[1]]
		default:
			return rt{}, fmt.Errorf("reference: broadcast %v %v", x.shape, y.shape)
		}
		if op == "Add" {
			out.data[i] = v + w
		} else {
			out.data[i] = v * w
		}
	}
	return out, nil
}

func refConv(n *graph.Node, a []rt) (rt, error) {
	x, w := a[0], a[1]
	st := ints(n, "strides", 1, 1)
	dl := ints(n, "dilations", 1, 1)
	p := ints(n, "pads", 0, 0, 0, 0)
	grp, _ := n.Int("group", 1)
	g := int(grp)
	co, cig, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	oh := (x.shape[2]+p[0]+p[2]-(kh-1)*dl[0]-1)/st[0] + 1
	ow := (x.shape[3]+p[1]+p[3]-(kw-1)*dl[1]-1)/st[1] + 1
	out := rt{shape: []int{x.shape[0], co, oh, ow}}
	for b := 0; b < x.shape[0]; b++ {
		for o := 0; o < co; o++ {
			grpi := o / (co / g)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := 0.0
					if len(a) > 2 && a[2].data != nil {
						s = a[2].data[o]
					}
					for ci := 0; ci < cig; ci++ {
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								iy, ix := oy*st[0]-p[0]+ky*dl[0], ox*st[1]-p[1]+kx*dl[1]
								if iy < 0 || ix < 0 || iy >= x.shape[2] || ix >= x.shape[3] {
									continue
								}
								s += x.at4(b, grpi*cig+ci, iy, ix) * w.data[((o*cig+ci)*kh+ky)*kw+kx]
							}
						}
					}
					out.data = append(out.data, s)
				}
			}
		}
	}
	if len(a) > 3 && a[3].data != nil {
		for i := range out.data {
			out.data[i] += a[3].data[i]
		}
	}
	if n.Op == graph.OpConv {
		out = refAct(n, out)
	}
	return out, nil
}

func refPad(n *graph.Node, a []rt) (rt, error) {
	x := a[0]
	p := a[1].data
	val := 0.0
	if len(a) > 2 && a[2].data != nil {
		val = a[2].data[0]
	}
	s := x.shape
	if len(s) != 4 {
		for _, v := range p {
			if v != 0 {
				return rt{}, fmt.Errorf("reference: Pad of %v", s)
			}
		}
		return x, nil
	}
	os := make([]int, 4)
	for i := range os {
		os[i] = s[i] + int(p[i]) + int(p[4+i])
	}
	out := rt{shape: os}
	for b := 0; b < os[0]; b++ {
		for c := 0; c < os[1]; c++ {
			for y := 0; y < os[2]; y++ {
				for xx := 0; xx < os[3]; xx++ {
					ib, ic, iy, ix := b-int(p[0]), c-int(p[1]), y-int(p[2]), xx-int(p[3])
					v := val
					if ib >= 0 && ic >= 0 && iy >= 0 && ix >= 0 && ib < s[0] && ic < s[1] && iy < s[2] && ix < s[3] {
						v = x.at4(ib, ic, iy, ix)
					}
					out.data = append(out.data, v)
				}
			}
		}
	}
	return out, nil
}

func refPool(n *graph.Node, x rt) (rt, error) {
	k := ints(n, "kernel_shape")
	st := ints(n, "strides", 1, 1)
	p := ints(n, "pads", 0, 0, 0, 0)
	cip, _ := n.Int("count_include_pad", 0)
	s := x.shape
	oh := (s[2]+p[0]+p[2]-k[0])/st[0] + 1
	ow := (s[3]+p[1]+p[3]-k[1])/st[1] + 1
	out := rt{shape: []int{s[0], s[1], oh, ow}}
	for b := 0; b < s[0]*s[1]; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				m, sum, cnt := math.Inf(-1), 0.0, 0
				for ky := 0; ky < k[0]; ky++ {
					for kx := 0; kx < k[1]; kx++ {
						iy, ix := oy*st[0]-p[0]+ky, ox*st[1]-p[1]+kx
						if iy < 0 || ix < 0 || iy >= s[2] || ix >= s[3] {
							continue
						}
						v := x.data[(b*s[2]+iy)*s[3]+ix]
						m = math.Max(m, v)
						sum += v
						cnt++
					}
				}
				if n.Op == "MaxPool" {
					out.data = append(out.data, m)
				} else if cip == 1 {
					out.data = append(out.data, sum/float64(k[0]*k[1]))
				} else {
					out.data = append(out.data, sum/float64(cnt))
				}
			}
		}
	}
	return out, nil
}
