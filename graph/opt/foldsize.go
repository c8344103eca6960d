package opt

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// precheck refuses, before evaluating, a node whose result would exceed
// the fold limit: by the outputs' shapes when shape inference gave them,
// and by the constant inputs of the operators that make large tensors
// from small ones (ConstantOfShape, Expand, Tile, Range, Pad, broadcasting
// arithmetic).
func (f *folder) precheck(n *graph.Node) error {
	for _, out := range n.Outputs {
		if static(out.Shape) {
			if err := f.count(n, graph.NumElements(out.Shape), false); err != nil {
				return err
			}
		}
	}
	k, ok := estimate(n)
	if !ok {
		return nil
	}
	return f.count(n, k, false)
}

// estimate bounds the elements of n's first output from its constant
// inputs, for the operators that can grow a tensor; false when it has no
// bound to offer. Malformed inputs give no bound (the evaluator reports
// them).
func estimate(n *graph.Node) (int, bool) {
	c := func(i int) *graph.Tensor {
		if v := n.Input(i); v != nil {
			return v.Const
		}
		return nil
	}
	ints := func(i int) []int64 {
		t := c(i)
		if t == nil || t.DType != graph.Int64 {
			return nil
		}
		v, err := t.Int64s()
		if err != nil {
			return nil
		}
		return v
	}
	switch n.Op {
	case "ConstantOfShape":
		return product(ints(0))
	case "Expand":
		s, ok := dims(ints(1))
		if c(0) == nil || !ok {
			return 0, false
		}
		return graph.NumElements(broadcast(c(0).Shape, s)), true
	case "Tile":
		k, ok := product(ints(1))
		if c(0) == nil || !ok {
			return 0, false
		}
		return mulSat(c(0).Len(), k), true
	case "Range":
		return rangeLen(c(0), c(1), c(2))
	case "Pad":
		p := ints(1)
		x := c(0)
		if x == nil || len(p) != 2*len(x.Shape) {
			return 0, false
		}
		s := make([]int, len(x.Shape))
		for i, d := range x.Shape {
			e := int64(d) + max(p[i], 0) + max(p[len(s)+i], 0)
			if e > math.MaxInt32 {
				return math.MaxInt, true
			}
			s[i] = int(e)
		}
		return graph.NumElements(s), true
	case "Add", "Sub", "Mul", "Div", "Pow", "Where", "Equal", "Less", "Greater", "And", "Or",
		"Max", "Min", "Mod", "LessOrEqual", "GreaterOrEqual", "Sum", "Mean", "BitShift":
		var s []int
		for _, in := range n.Inputs {
			if in != nil {
				s = broadcast(s, in.Const.Shape)
			}
		}
		return graph.NumElements(s), true
	}
	return 0, false
}

// product is the saturating product of dims, false when one is negative.
func product(v []int64) (int, bool) {
	if v == nil {
		return 0, false
	}
	s, ok := dims(v)
	if !ok {
		return 0, false
	}
	return graph.NumElements(s), true
}

// dims converts int64 dimensions to int, clamping huge ones (the product
// saturates anyway); false when one is negative.
func dims(v []int64) ([]int, bool) {
	if v == nil {
		return nil, false
	}
	s := make([]int, len(v))
	for i, d := range v {
		if d < 0 {
			return nil, false
		}
		s[i] = int(min(d, math.MaxInt32))
	}
	return s, true
}

// broadcast returns the NumPy broadcast of two shapes, each dimension the
// larger of the aligned pair (a bound: mismatches are the evaluator's to
// report).
func broadcast(a, b []int) []int {
	if len(a) < len(b) {
		a, b = b, a
	}
	out := append([]int(nil), a...)
	off := len(a) - len(b)
	for i, d := range b {
		out[off+i] = max(out[off+i], d)
	}
	return out
}

func mulSat(a, b int) int {
	if a < 0 || b < 0 {
		return math.MaxInt
	}
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// rangeLen is Range's output length, max(ceil((limit-start)/delta), 0).
func rangeLen(start, limit, delta *graph.Tensor) (int, bool) {
	scalar := func(t *graph.Tensor) (float64, bool) {
		if t == nil || t.Len() != 1 {
			return 0, false
		}
		switch t.DType {
		case graph.Int64:
			if v, err := t.Int64s(); err == nil {
				return float64(v[0]), true
			}
		case graph.Float32:
			if v, err := t.Float32s(); err == nil {
				return float64(v[0]), true
			}
		}
		return 0, false
	}
	s, ok1 := scalar(start)
	l, ok2 := scalar(limit)
	d, ok3 := scalar(delta)
	if !ok1 || !ok2 || !ok3 || d == 0 {
		return 0, false
	}
	k := math.Ceil((l - s) / d)
	switch {
	case !(k > 0): // also NaN
		return 0, true
	case k >= math.MaxInt32:
		return math.MaxInt, true
	}
	return int(k), true
}
