package eval

import (
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// shapeArg reads a 1-D int64 shape tensor with entries in [0, maxAttr].
func (c *ctx) shapeArg(t *Tensor) ([]int, error) {
	raw, err := c.ints(t, "shape")
	if err != nil {
		return nil, err
	}
	if len(raw) > graph.MaxRank || (t != nil && len(t.Shape) != 1) {
		return nil, c.n.Errorf("eval: shape %v", raw)
	}
	s := make([]int, len(raw))
	for i, d := range raw {
		if d < 0 || d > maxAttr {
			return nil, c.n.Unsupportedf("eval: shape %v", raw)
		}
		s[i] = int(d)
	}
	return s, nil
}

func expand(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, st, err := c.need2(in, graph.Undefined, graph.Int64)
	if err != nil {
		return nil, err
	}
	s, err := c.shapeArg(st)
	if err != nil {
		return nil, err
	}
	out, ok := graph.Broadcast(x.Shape, s)
	if !ok {
		return nil, c.n.Errorf("eval: cannot expand %v to %v", x.Shape, s)
	}
	y, err := c.gatherFrom(x, out, func(idx []int) (int, error) { return bcastOffset(idx, x.Shape), nil })
	return []*Tensor{y}, err
}

func gather(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, ind, err := c.need2(in, graph.Undefined, graph.Int64)
	if err != nil {
		return nil, err
	}
	a, err := c.n.Int("axis", 0)
	if err != nil {
		return nil, err
	}
	axis, err := c.axis(a, len(x.Shape))
	if err != nil {
		return nil, err
	}
	out := slices.Concat(x.Shape[:axis], ind.Shape, x.Shape[axis+1:])
	if len(out) > graph.MaxRank {
		return nil, c.n.Unsupportedf("eval: rank %d", len(out))
	}
	st, q, dim := strides(x.Shape), len(ind.Shape), int64(x.Shape[axis])
	ist := strides(ind.Shape)
	y, err := c.gatherFrom(x, out, func(idx []int) (int, error) {
		k := 0
		for j := range q {
			k += idx[axis+j] * ist[j]
		}
		v := ind.I[k]
		if v < -dim || v >= dim {
			return 0, c.n.Errorf("eval: index %d out of range for axis of %d", v, dim)
		}
		if v < 0 {
			v += dim
		}
		o := int(v) * st[axis]
		for j := range axis {
			o += idx[j] * st[j]
		}
		for j := axis + 1; j < len(x.Shape); j++ {
			o += idx[j+q-1] * st[j]
		}
		return o, nil
	})
	return []*Tensor{y}, err
}

func constant(c *ctx, _ []*Tensor) ([]*Tensor, error) {
	t, err := graph.ConstantValue(c.n)
	if err != nil {
		return nil, err
	}
	if t.Len() > c.o.maxElements() {
		return nil, c.n.Unsupportedf("eval: constant of shape %v too large", t.Shape)
	}
	v, err := FromGraph(t)
	if err != nil {
		return nil, c.n.Errorf("eval: %v", err)
	}
	return []*Tensor{v}, nil
}

func shapeOp(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	r := int64(len(x.Shape))
	s, _ := c.n.Int("start", 0)
	e, _ := c.n.Int("end", r)
	clamp := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	s, e = clamp(s), clamp(e)
	var d []int64
	for i := s; i < e; i++ {
		d = append(d, int64(x.Shape[i]))
	}
	return []*Tensor{NewInt([]int{len(d)}, d)}, nil
}

func size(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	return []*Tensor{NewInt([]int{}, []int64{int64(x.Len())})}, nil
}

func constantOfShape(c *ctx, in []*Tensor) ([]*Tensor, error) {
	st, err := c.need(in, 0, graph.Int64)
	if err != nil {
		return nil, err
	}
	s, err := c.shapeArg(st)
	if err != nil {
		return nil, err
	}
	fv, err := graph.FillValue(c.n)
	if err != nil {
		return nil, err
	}
	f, err := FromGraph(fv)
	if err != nil {
		return nil, c.n.Errorf("eval: %v", err)
	}
	y, err := c.alloc(f.DType, s)
	if err != nil {
		return nil, err
	}
	for i := range y.F {
		y.F[i] = f.F[0]
	}
	for i := range y.I {
		y.I[i] = f.I[0]
	}
	return []*Tensor{y}, nil
}

func rangeOp(c *ctx, in []*Tensor) ([]*Tensor, error) {
	start, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	var v [3]float64
	var iv [3]int64
	for i := range 3 {
		t, err := c.need(in, i, start.DType)
		if err != nil {
			return nil, err
		}
		if t.Len() != 1 {
			return nil, c.n.Errorf("eval: input %d must be a scalar", i)
		}
		v[i] = t.value(0)
		if t.DType == graph.Int64 {
			iv[i] = t.I[0]
		}
	}
	if start.DType == graph.Int64 {
		n, err := graph.RangeCountInt(iv[0], iv[1], iv[2])
		if err != nil {
			return nil, c.n.Errorf("eval: %v", err)
		}
		y, err := c.alloc(graph.Int64, []int{n})
		if err != nil {
			return nil, err
		}
		for i := range y.I {
			y.I[i] = iv[0] + int64(i)*iv[2]
		}
		return []*Tensor{y}, nil
	}
	if v[2] == 0 || isNaN(v[0]+v[1]+v[2]) || math.IsInf(v[0]+v[1]+v[2], 0) {
		return nil, c.n.Errorf("eval: Range(%v, %v, %v)", v[0], v[1], v[2])
	}
	cnt := math.Ceil((v[1] - v[0]) / v[2])
	if cnt > float64(c.o.maxElements()) {
		return nil, c.n.Unsupportedf("eval: Range of %v elements", cnt)
	}
	y, err := c.alloc(graph.Float32, []int{int(max(cnt, 0))})
	if err != nil {
		return nil, err
	}
	for i := range y.F {
		y.F[i] = v[0] + float64(i)*v[2]
	}
	return []*Tensor{y}, nil
}
