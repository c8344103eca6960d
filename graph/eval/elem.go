package eval

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

type opFunc func(c *ctx, in []*Tensor) ([]*Tensor, error)

var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{
		"Relu":        floatMap(func(_ *graph.Node, x float64) float64 { return max(x, 0) }),
		"Sigmoid":     floatMap(func(_ *graph.Node, x float64) float64 { return 1 / (1 + math.Exp(-x)) }),
		"Tanh":        floatMap(func(_ *graph.Node, x float64) float64 { return math.Tanh(x) }),
		"Sqrt":        floatMap(func(_ *graph.Node, x float64) float64 { return math.Sqrt(x) }),
		"Floor":       floatMap(func(_ *graph.Node, x float64) float64 { return math.Floor(x) }),
		"Ceil":        floatMap(func(_ *graph.Node, x float64) float64 { return math.Ceil(x) }),
		"HardSwish":   floatMap(func(_ *graph.Node, x float64) float64 { return x * max(0, min(1, x/6+0.5)) }),
		"LeakyRelu":   floatMap(leakyRelu),
		"HardSigmoid": floatMap(hardSigmoid),
		"Neg":         neg,
		"Identity":    identity,
		"Dropout":     dropout,
		"Cast":        cast,
		"Clip":        clip,

		"Add": binary(func(a, b float64) float64 { return a + b }, func(a, b int64) (int64, bool) { return a + b, true }),
		"Sub": binary(func(a, b float64) float64 { return a - b }, func(a, b int64) (int64, bool) { return a - b, true }),
		"Mul": binary(func(a, b float64) float64 { return a * b }, func(a, b int64) (int64, bool) { return a * b, true }),
		"Div": binary(func(a, b float64) float64 { return a / b }, intDiv),
		"Pow": pow, "Min": variadic(false), "Max": variadic(true),
		"Equal": equal, "Where": where,
	}
	for k, v := range nnOps {
		ops[k] = v
	}
	for k, v := range shapeOps {
		ops[k] = v
	}
}

func (c *ctx) float(name string, def float32) (float64, error) {
	v, err := c.n.Float(name, def)
	return float64(v), err
}

func leakyRelu(n *graph.Node, x float64) float64 {
	a, _ := n.Float("alpha", 0.01)
	if x < 0 {
		return float64(a) * x
	}
	return x
}

func hardSigmoid(n *graph.Node, x float64) float64 {
	a, _ := n.Float("alpha", 0.2)
	b, _ := n.Float("beta", 0.5)
	return max(0, min(1, float64(a)*x+float64(b)))
}

// floatMap applies f to each element of a Float32 input.
func floatMap(f func(n *graph.Node, x float64) float64) opFunc {
	return func(c *ctx, in []*Tensor) ([]*Tensor, error) {
		x, err := c.need(in, 0, graph.Float32)
		if err != nil {
			return nil, err
		}
		for _, name := range []string{"alpha", "beta"} {
			if _, err := c.n.Float(name, 0); err != nil {
				return nil, err
			}
		}
		y, err := c.alloc(graph.Float32, x.Shape)
		if err != nil {
			return nil, err
		}
		for i, v := range x.F {
			y.F[i] = f(c.n, v)
		}
		return []*Tensor{y}, nil
	}
}

// need returns input i, which must be present and of type dt (Undefined:
// any).
func (c *ctx) need(in []*Tensor, i int, dt graph.DType) (*Tensor, error) {
	if i >= len(in) || in[i] == nil {
		return nil, c.n.Errorf("eval: input %d is missing", i)
	}
	if dt != graph.Undefined && in[i].DType != dt {
		return nil, c.n.Errorf("eval: input %d is %v, want %v", i, in[i].DType, dt)
	}
	return in[i], nil
}

// need2 returns inputs 0 and 1 as need does, of types dt0 and dt1.
func (c *ctx) need2(in []*Tensor, dt0, dt1 graph.DType) (*Tensor, *Tensor, error) {
	a, err := c.need(in, 0, dt0)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.need(in, 1, dt1)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// needSame returns inputs 0 and 1 as need does, both of input 0's type.
func (c *ctx) needSame(in []*Tensor) (*Tensor, *Tensor, error) {
	a, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.need(in, 1, a.DType)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func neg(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	y, err := c.alloc(x.DType, x.Shape)
	if err != nil {
		return nil, err
	}
	for i := range x.I {
		y.I[i] = -x.I[i]
	}
	for i := range x.F {
		y.F[i] = -x.F[i]
	}
	return []*Tensor{y}, nil
}

func copyTensor(c *ctx, x *Tensor) (*Tensor, error) {
	y, err := c.alloc(x.DType, x.Shape)
	if err != nil {
		return nil, err
	}
	copy(y.I, x.I)
	copy(y.F, x.F)
	return y, nil
}

func identity(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	y, err := copyTensor(c, x)
	return []*Tensor{y}, err
}

// dropout in inference: the data unchanged, a mask of ones.
func dropout(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	if len(in) > 2 && in[2] != nil {
		if t, err := c.scalarF(in[2], 0); err != nil || t != 0 {
			return nil, c.n.Unsupportedf("eval: training_mode (supported: false)")
		}
	}
	y, err := copyTensor(c, x)
	if err != nil {
		return nil, err
	}
	mask, err := c.alloc(graph.Int64, x.Shape)
	if err != nil {
		return nil, err
	}
	for i := range mask.I {
		mask.I[i] = 1
	}
	return []*Tensor{y, mask}, nil
}

// castInt converts v to int64 the way a cast to the ONNX integer type to
// does: truncation toward zero, then the type's range by wrapping (BOOL:
// non-zero is 1).
func castInt(v float64, to int64) (int64, bool) {
	if to == graph.TypeBool {
		if v != 0 {
			return 1, true
		}
		return 0, true
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1<<63 {
		return 0, false
	}
	return wrapInt(int64(v), to), true
}

func wrapInt(i, to int64) int64 {
	switch to {
	case graph.TypeInt32:
		return int64(int32(i))
	case graph.TypeInt16:
		return int64(int16(i))
	case graph.TypeInt8:
		return int64(int8(i))
	case graph.TypeUint8:
		return int64(uint8(i))
	case graph.TypeBool:
		if i != 0 {
			return 1
		}
	}
	return i
}

func cast(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	to, err := c.n.Int("to", 0)
	if err != nil {
		return nil, err
	}
	dt, err := graph.CastType(to)
	if err != nil {
		return nil, c.n.Unsupportedf("%v", err)
	}
	y, err := c.alloc(dt, x.Shape)
	if err != nil {
		return nil, err
	}
	for i := range x.Len() {
		switch {
		case dt == graph.Float32:
			// FLOAT rounds to float32, DOUBLE keeps float64; gorn carries
			// both as Float32 values, held here in float64.
			y.F[i] = x.value(i)
			if to == graph.TypeFloat {
				y.F[i] = float64(float32(y.F[i]))
			}
		case x.DType == graph.Int64:
			y.I[i] = wrapInt(x.I[i], to)
		default:
			v, ok := castInt(x.F[i], to)
			if !ok {
				return nil, c.n.Errorf("eval: cannot cast %v to an integer", x.F[i])
			}
			y.I[i] = v
		}
	}
	return []*Tensor{y}, nil
}

func clip(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x, err := c.need(in, 0, graph.Undefined)
	if err != nil {
		return nil, err
	}
	var lo, hi *Tensor
	if len(in) > 1 {
		lo = in[1]
	}
	if len(in) > 2 {
		hi = in[2]
	}
	for _, t := range []*Tensor{lo, hi} {
		if t != nil && (t.DType != x.DType || t.Len() != 1) {
			return nil, c.n.Errorf("eval: min and max must be %v scalars", x.DType)
		}
	}
	y, err := copyTensor(c, x)
	if err != nil {
		return nil, err
	}
	if x.DType == graph.Int64 {
		for i, v := range y.I {
			if lo != nil {
				v = max(v, lo.I[0])
			}
			if hi != nil {
				v = min(v, hi.I[0])
			}
			y.I[i] = v
		}
		return []*Tensor{y}, nil
	}
	l, _ := c.scalarF(lo, math.Inf(-1))
	h, _ := c.scalarF(hi, math.Inf(1))
	for i, v := range y.F {
		if !isNaN(v) {
			y.F[i] = min(max(v, l), h)
		}
	}
	return []*Tensor{y}, nil
}

func intDiv(a, b int64) (int64, bool) {
	if b == 0 || (a == math.MinInt64 && b == -1) {
		return 0, false
	}
	return a / b, true // truncation toward zero, as ONNX Runtime does
}

// broadcast returns the output shape of the inputs, or an error.
func (c *ctx) broadcast(ts ...*Tensor) ([]int, error) {
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.Shape
	}
	s, ok := graph.Broadcast(shapes...)
	if !ok {
		return nil, c.n.Errorf("eval: shapes %v do not broadcast", shapes)
	}
	return s, nil
}

// zip computes out[i] = f(elements of ins at the broadcast position of i).
func (c *ctx) zip(dt graph.DType, ins []*Tensor, f func(y *Tensor, i int, offs []int) error) (*Tensor, error) {
	shape, err := c.broadcast(ins...)
	if err != nil {
		return nil, err
	}
	y, err := c.alloc(dt, shape)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(shape))
	offs := make([]int, len(ins))
	for i := range y.Len() {
		unravel(i, shape, idx)
		for j, t := range ins {
			offs[j] = bcastOffset(idx, t.Shape)
		}
		if err := f(y, i, offs); err != nil {
			return nil, err
		}
	}
	return y, nil
}

func binary(ff func(a, b float64) float64, fi func(a, b int64) (int64, bool)) opFunc {
	return func(c *ctx, in []*Tensor) ([]*Tensor, error) {
		a, b, err := c.needSame(in)
		if err != nil {
			return nil, err
		}
		y, err := c.zip(a.DType, []*Tensor{a, b}, func(y *Tensor, i int, o []int) error {
			if a.DType == graph.Float32 {
				y.F[i] = ff(a.F[o[0]], b.F[o[1]])
				return nil
			}
			v, ok := fi(a.I[o[0]], b.I[o[1]])
			if !ok {
				return c.n.Errorf("eval: integer %s of %d and %d", c.n.Op, a.I[o[0]], b.I[o[1]])
			}
			y.I[i] = v
			return nil
		})
		return []*Tensor{y}, err
	}
}

func pow(c *ctx, in []*Tensor) ([]*Tensor, error) {
	a, b, err := c.need2(in, graph.Undefined, graph.Undefined)
	if err != nil {
		return nil, err
	}
	y, err := c.zip(a.DType, []*Tensor{a, b}, func(y *Tensor, i int, o []int) error {
		if a.DType == graph.Float32 {
			y.F[i] = math.Pow(a.F[o[0]], b.value(o[1]))
			return nil
		}
		if b.DType == graph.Float32 {
			y.I[i] = int64(math.Pow(float64(a.I[o[0]]), b.F[o[1]]))
			return nil
		}
		y.I[i] = intPow(a.I[o[0]], b.I[o[1]])
		return nil
	})
	return []*Tensor{y}, err
}

// intPow is base**e with int64 wrapping (square and multiply); a
// negative e gives the truncated real power (0 unless |base| is 1).
func intPow(base, e int64) int64 {
	if e < 0 {
		return int64(math.Pow(float64(base), float64(e)))
	}
	p := int64(1)
	for ; e > 0; e >>= 1 {
		if e&1 != 0 {
			p *= base
		}
		base *= base
	}
	return p
}

// variadic is Min (isMax false) or Max of its inputs; a NaN operand
// makes the result NaN.
func variadic(isMax bool) opFunc {
	return func(c *ctx, in []*Tensor) ([]*Tensor, error) {
		if len(in) == 0 {
			return nil, c.n.Errorf("eval: no inputs")
		}
		first, err := c.need(in, 0, graph.Undefined)
		if err != nil {
			return nil, err
		}
		for i := range in {
			if _, err := c.need(in, i, first.DType); err != nil {
				return nil, err
			}
		}
		y, err := c.zip(in[0].DType, in, func(y *Tensor, i int, o []int) error {
			for j, t := range in {
				if t.DType == graph.Int64 {
					v := t.I[o[j]]
					if j == 0 || (isMax && v > y.I[i]) || (!isMax && v < y.I[i]) {
						y.I[i] = v
					}
					continue
				}
				v, cur := t.F[o[j]], y.F[i]
				switch {
				case j == 0 || isNaN(v):
					y.F[i] = v
				case isNaN(cur):
				case isMax:
					y.F[i] = max(cur, v)
				default:
					y.F[i] = min(cur, v)
				}
			}
			return nil
		})
		return []*Tensor{y}, err
	}
}

func equal(c *ctx, in []*Tensor) ([]*Tensor, error) {
	a, b, err := c.needSame(in)
	if err != nil {
		return nil, err
	}
	y, err := c.zip(graph.Int64, []*Tensor{a, b}, func(y *Tensor, i int, o []int) error {
		if a.DType == graph.Int64 && a.I[o[0]] == b.I[o[1]] || a.DType == graph.Float32 && a.F[o[0]] == b.F[o[1]] {
			y.I[i] = 1
		}
		return nil
	})
	return []*Tensor{y}, err
}

func where(c *ctx, in []*Tensor) ([]*Tensor, error) {
	cond, x, err := c.need2(in, graph.Int64, graph.Undefined)
	if err != nil {
		return nil, err
	}
	yv, err := c.need(in, 2, x.DType)
	if err != nil {
		return nil, err
	}
	out, err := c.zip(x.DType, []*Tensor{cond, x, yv}, func(y *Tensor, i int, o []int) error {
		src, off := yv, o[2]
		if cond.I[o[0]] != 0 {
			src, off = x, o[1]
		}
		if x.DType == graph.Int64 {
			y.I[i] = src.I[off]
		} else {
			y.F[i] = src.F[off]
		}
		return nil
	})
	return []*Tensor{out}, err
}
