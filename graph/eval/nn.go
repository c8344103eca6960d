package eval

import (
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

var nnOps = map[string]opFunc{
	"Conv": conv, graph.OpConv: conv,
	"MaxPool": pool, "AveragePool": pool,
	"GlobalAveragePool": globalPool, "GlobalMaxPool": globalPool,
	"BatchNormalization": batchNorm, graph.OpScaleShift: scaleShift,
	"ReduceMean": reduce, "ReduceMax": reduce,
	"Softmax": softmax, "LogSoftmax": softmax,
	"Gemm": gemm, "MatMul": matmul,
}

// channels checks X (Float32, rank >= 2) and k per-channel inputs after it;
// it returns C and the size of one channel's plane.
func (c *ctx) channels(in []*Tensor, k int) (ch, plane int, err error) {
	x, err := c.need(in, 0, graph.Float32)
	if err != nil {
		return 0, 0, err
	}
	if len(x.Shape) < 2 {
		return 0, 0, c.n.Errorf("eval: input %v, want N, C, ...", x.Shape)
	}
	ch = x.Shape[1]
	for i := 1; i <= k; i++ {
		p, err := c.need(in, i, graph.Float32)
		if err != nil {
			return 0, 0, err
		}
		if !slices.Equal(p.Shape, []int{ch}) {
			return 0, 0, c.n.Errorf("eval: input %d has shape %v, want [%d]", i, p.Shape, ch)
		}
	}
	return ch, graph.NumElements(x.Shape[2:]), nil
}

func batchNorm(c *ctx, in []*Tensor) ([]*Tensor, error) {
	ch, plane, err := c.channels(in, 4)
	if err != nil {
		return nil, err
	}
	if len(c.n.Outputs) != 1 {
		return nil, c.n.Unsupportedf("eval: training outputs")
	}
	eps, err := c.float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	x, scale, bias, mean, vr := in[0], in[1], in[2], in[3], in[4]
	y, err := c.alloc(graph.Float32, x.Shape)
	if err != nil {
		return nil, err
	}
	for i, v := range x.F {
		k := i / max(plane, 1) % ch
		y.F[i] = (v-mean.F[k])/math.Sqrt(vr.F[k]+eps)*scale.F[k] + bias.F[k]
	}
	return []*Tensor{y}, nil
}

func scaleShift(c *ctx, in []*Tensor) ([]*Tensor, error) {
	ch, plane, err := c.channels(in, 2)
	if err != nil {
		return nil, err
	}
	act, err := c.activation()
	if err != nil {
		return nil, err
	}
	x := in[0]
	y, err := c.alloc(graph.Float32, x.Shape)
	if err != nil {
		return nil, err
	}
	for i, v := range x.F {
		k := i / max(plane, 1) % ch
		y.F[i] = act(v*in[1].F[k] + in[2].F[k])
	}
	return []*Tensor{y}, nil
}

func globalPool(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Float32)
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 3 {
		return nil, c.n.Errorf("eval: input %v, want N, C, spatial...", x.Shape)
	}
	plane := graph.NumElements(x.Shape[2:])
	if plane == 0 {
		return nil, c.n.Errorf("eval: empty input %v", x.Shape)
	}
	out := slices.Clone(x.Shape)
	for i := 2; i < len(out); i++ {
		out[i] = 1
	}
	y, err := c.alloc(graph.Float32, out)
	if err != nil {
		return nil, err
	}
	for p := range y.F {
		sum, best := 0.0, math.Inf(-1)
		for _, v := range x.F[p*plane : (p+1)*plane] {
			sum += v
			best = max(best, v)
		}
		if c.n.Op == "GlobalMaxPool" {
			y.F[p] = best
		} else {
			y.F[p] = sum / float64(plane)
		}
	}
	return []*Tensor{y}, nil
}

func reduce(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	isMean := c.n.Op == "ReduceMean"
	if isMean && x.DType != graph.Float32 {
		return nil, c.n.Errorf("eval: ReduceMean of %v", x.DType)
	}
	var raw []int64
	if len(in) > 1 {
		if raw, err = c.ints(in[1], "axes"); err != nil {
			return nil, err
		}
	}
	keep, err := c.n.Int("keepdims", 1)
	if err != nil {
		return nil, err
	}
	noop, err := c.n.Int("noop_with_empty_axes", 0)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	red := make([]bool, r)
	if len(raw) == 0 && noop == 0 {
		for i := range red {
			red[i] = true
		}
	}
	axes, err := c.axes(raw, r)
	if err != nil {
		return nil, err
	}
	for _, a := range axes {
		red[a] = true
	}
	full := slices.Clone(x.Shape) // output shape with reduced axes kept as 1
	var out []int
	for i, d := range x.Shape {
		if red[i] {
			if d == 0 && !isMean {
				return nil, c.n.Errorf("eval: ReduceMax over the empty axis %d", i)
			}
			full[i] = 1
			if keep != 0 {
				out = append(out, 1)
			}
		} else {
			out = append(out, d)
		}
	}
	y, err := c.alloc(x.DType, out)
	if err != nil {
		return nil, err
	}
	count := make([]int, y.Len())
	idx := make([]int, r)
	for i := range x.Len() {
		unravel(i, x.Shape, idx)
		o := bcastOffset(idx, full)
		if x.DType == graph.Int64 {
			if count[o] == 0 || x.I[i] > y.I[o] {
				y.I[o] = x.I[i]
			}
		} else if isMean {
			y.F[o] += x.F[i]
		} else if count[o] == 0 || x.F[i] > y.F[o] || isNaN(x.F[i]) {
			y.F[o] = x.F[i]
		}
		count[o]++
	}
	if isMean {
		for o := range y.F {
			y.F[o] /= float64(count[o])
		}
	}
	return []*Tensor{y}, nil
}

func softmax(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Float32)
	if err != nil {
		return nil, err
	}
	a, err := c.n.Int("axis", -1)
	if err != nil {
		return nil, err
	}
	axis, err := c.axis(a, len(x.Shape))
	if err != nil {
		return nil, err
	}
	outer, n, inner := graph.NumElements(x.Shape[:axis]), x.Shape[axis], graph.NumElements(x.Shape[axis+1:])
	y, err := c.alloc(graph.Float32, x.Shape)
	if err != nil {
		return nil, err
	}
	for o := range outer {
		for j := range inner {
			at := func(k int) int { return (o*n+k)*inner + j }
			m := math.Inf(-1)
			for k := range n {
				m = max(m, x.F[at(k)])
			}
			sum := 0.0
			for k := range n {
				sum += math.Exp(x.F[at(k)] - m)
			}
			for k := range n {
				if c.n.Op == "LogSoftmax" {
					y.F[at(k)] = x.F[at(k)] - m - math.Log(sum)
				} else {
					y.F[at(k)] = math.Exp(x.F[at(k)]-m) / sum
				}
			}
		}
	}
	return []*Tensor{y}, nil
}

func gemm(c *ctx, in []*Tensor) ([]*Tensor, error) {
	a, b, err := c.need2(in, graph.Float32, graph.Float32)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, c.n.Errorf("eval: A %v and B %v must be matrices", a.Shape, b.Shape)
	}
	alpha, err := c.float("alpha", 1)
	if err != nil {
		return nil, err
	}
	beta, err := c.float("beta", 1)
	if err != nil {
		return nil, err
	}
	ta, _ := c.n.Int("transA", 0)
	tb, _ := c.n.Int("transB", 0)
	m, k := a.Shape[0], a.Shape[1]
	aAt := func(i, j int) float64 { return a.F[i*k+j] }
	if ta != 0 {
		m, k = k, m
		aAt = func(i, j int) float64 { return a.F[j*m+i] }
	}
	k2, nn := b.Shape[0], b.Shape[1]
	bAt := func(i, j int) float64 { return b.F[i*nn+j] }
	if tb != 0 {
		k2, nn = nn, k2
		bAt = func(i, j int) float64 { return b.F[j*k2+i] }
	}
	if k != k2 {
		return nil, c.n.Errorf("eval: A %v and B %v do not multiply", a.Shape, b.Shape)
	}
	var cc *Tensor
	if len(in) > 2 && in[2] != nil {
		cc = in[2]
		if s, ok := graph.Broadcast(cc.Shape, []int{m, nn}); !ok || !slices.Equal(s, []int{m, nn}) || cc.DType != graph.Float32 {
			return nil, c.n.Errorf("eval: C %v does not broadcast to [%d %d]", cc.Shape, m, nn)
		}
	}
	if err := c.work(m, nn, k); err != nil {
		return nil, err
	}
	y, err := c.alloc(graph.Float32, []int{m, nn})
	if err != nil {
		return nil, err
	}
	for i := range m {
		for j := range nn {
			sum := 0.0
			for p := range k {
				sum += aAt(i, p) * bAt(p, j)
			}
			y.F[i*nn+j] = alpha * sum
			if cc != nil {
				y.F[i*nn+j] += beta * cc.F[bcastOffset([]int{i, j}, cc.Shape)]
			}
		}
	}
	return []*Tensor{y}, nil
}

func matmul(c *ctx, in []*Tensor) ([]*Tensor, error) {
	a, b, err := c.need2(in, graph.Float32, graph.Float32)
	if err != nil {
		return nil, err
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 0 || len(bs) == 0 {
		return nil, c.n.Errorf("eval: MatMul of a scalar")
	}
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k, k2, nn := as[len(as)-2], as[len(as)-1], bs[len(bs)-2], bs[len(bs)-1]
	batch, ok := graph.Broadcast(as[:len(as)-2], bs[:len(bs)-2])
	if k != k2 || !ok {
		return nil, c.n.Errorf("eval: shapes %v and %v do not multiply", a.Shape, b.Shape)
	}
	out := slices.Clone(batch)
	if len(a.Shape) > 1 {
		out = append(out, m)
	}
	if len(b.Shape) > 1 {
		out = append(out, nn)
	}
	if err := c.work(graph.NumElements(batch), m, nn, k); err != nil {
		return nil, err
	}
	y, err := c.alloc(graph.Float32, out)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(batch))
	i := 0
	for bi := range graph.NumElements(batch) {
		unravel(bi, batch, idx)
		ao := bcastOffset(idx, as[:len(as)-2]) * m * k
		bo := bcastOffset(idx, bs[:len(bs)-2]) * k * nn
		for r := range m {
			for col := range nn {
				sum := 0.0
				for p := range k {
					sum += a.F[ao+r*k+p] * b.F[bo+p*nn+col]
				}
				y.F[i] = sum
				i++
			}
		}
	}
	return []*Tensor{y}, nil
}
