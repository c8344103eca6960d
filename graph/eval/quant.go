package eval

import (
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// The quantized operators, as ONNX defines them: QuantizeLinear divides in
// float32, rounds half to even, adds the zero point and saturates;
// DequantizeLinear subtracts the zero point and multiplies in float32. The
// QLinear operators dequantize their inputs exactly (in float64), run the
// float operator in float64 and quantize the result with its float64
// quotient by the output scale.
func init() {
	q := map[string]opFunc{
		"QuantizeLinear": quantizeLinear, "DequantizeLinear": dequantizeLinear,
		"QLinearConv": qlinear("Conv", []int{0, 3, 8}, 6), "QLinearMatMul": qlinear("MatMul", []int{0, 3}, 6),
		"QLinearAdd": qlinear("Add", []int{0, 3}, 6), "QLinearMul": qlinear("Mul", []int{0, 3}, 6),
		"QLinearSigmoid": qlinear("Sigmoid", []int{0}, 3), "QLinearGlobalAveragePool": qlinear("GlobalAveragePool", []int{0}, 3),
		"QLinearConcat": qlinearConcat, graph.OpQDQ: qdq,
	}
	for k, v := range q {
		ops[k] = v
	}
}

var quantTypes = map[graph.DType]bool{graph.Uint8: true, graph.Int8: true, graph.Int32: true}

// qparam is a scale and zero point, per tensor (axis -1) or along axis.
type qparam struct {
	scale []float32
	zp    []int64
	axis  int
}

// param reads the scale in[si] and zero point in[zi] (nil: 0) for a
// tensor of shape shape with attribute axis.
func (c *ctx) param(in []*Tensor, si, zi int, shape []int, axis int64) (qparam, error) {
	s := in[si]
	if s == nil || s.DType != graph.Float32 {
		return qparam{}, c.n.Errorf("eval: scale input %d missing or not float32", si)
	}
	p := qparam{axis: -1}
	for _, v := range s.F {
		p.scale = append(p.scale, float32(v))
	}
	if zi < len(in) && in[zi] != nil {
		z := in[zi]
		if z.Len() != s.Len() || z.DType == graph.Float32 {
			return qparam{}, c.n.Errorf("eval: zero point of shape %v for scale %v", z.Shape, s.Shape)
		}
		p.zp = append(p.zp, z.I...)
	} else {
		p.zp = make([]int64, len(p.scale))
	}
	if len(p.scale) == 1 && len(s.Shape) <= 1 {
		return p, nil
	}
	ax, err := c.axis(axis, len(shape))
	if err != nil {
		return qparam{}, err
	}
	if len(s.Shape) != 1 || s.Shape[0] != shape[ax] {
		return qparam{}, c.n.Errorf("eval: scale of shape %v for axis %d of %v", s.Shape, ax, shape)
	}
	p.axis = ax
	return p, nil
}

// index returns, for each element of a tensor of shape shape, which scale
// it uses: a function of the flat offset.
func (p qparam) index(shape []int) func(i int) int {
	if p.axis < 0 {
		return func(int) int { return 0 }
	}
	inner := graph.NumElements(shape[p.axis+1:])
	d := shape[p.axis]
	return func(i int) int { return i / inner % d }
}

// Quantize returns ONNX QuantizeLinear of one float32 value x:
// saturate(round_half_even(x / scale) + zp) into [lo, hi], the division in
// float32. NaN gives the zero point (gorn's choice; ONNX leaves it open).
func Quantize(x, scale float32, zp int64, lo, hi int64) int64 {
	v := float64(x / scale)
	if math.IsNaN(v) {
		v = 0
	}
	r := math.RoundToEven(v) + float64(zp)
	return int64(min(max(r, float64(lo)), float64(hi)))
}

// Dequantize returns ONNX DequantizeLinear of one value: (q - zp) * scale
// in float32.
func Dequantize(q, zp int64, scale float32) float32 {
	return float32(q-zp) * scale
}

func quantizeLinear(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	if x.DType != graph.Float32 {
		return nil, c.n.Errorf("eval: QuantizeLinear of %v", x.DType)
	}
	axis, _ := c.n.Int("axis", 1)
	p, err := c.param(in, 1, 2, x.Shape, axis)
	if err != nil {
		return nil, err
	}
	dt := c.n.Outputs[0].DType
	if !graph.IsQuantType(dt) {
		dt = graph.Uint8
		if len(in) > 2 && in[2] != nil {
			dt = in[2].DType
		}
	}
	lo, hi := graph.QuantRange(dt)
	out, err := c.alloc(dt, x.Shape)
	if err != nil {
		return nil, err
	}
	idx := p.index(x.Shape)
	for i, v := range x.F {
		k := idx(i)
		out.I[i] = Quantize(float32(v), p.scale[k], p.zp[k], int64(lo), int64(hi))
	}
	return []*Tensor{out}, nil
}

func dequantizeLinear(c *ctx, in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	if x.DType == graph.Float32 {
		return nil, c.n.Errorf("eval: DequantizeLinear of float32")
	}
	axis, _ := c.n.Int("axis", 1)
	p, err := c.param(in, 1, 2, x.Shape, axis)
	if err != nil {
		return nil, err
	}
	out, err := c.alloc(graph.Float32, x.Shape)
	if err != nil {
		return nil, err
	}
	idx := p.index(x.Shape)
	for i, v := range x.I {
		k := idx(i)
		out.F[i] = float64(Dequantize(v, p.zp[k], p.scale[k]))
	}
	return []*Tensor{out}, nil
}

// exact dequantizes data input xi (scale xi+1, zero point xi+2, along
// axis) in float64 without rounding.
func (c *ctx) exact(in []*Tensor, xi int, axis int64) (*Tensor, error) {
	x := in[xi]
	p, err := c.param(in, xi+1, xi+2, x.Shape, axis)
	if err != nil {
		return nil, err
	}
	out, err := c.alloc(graph.Float32, x.Shape)
	if err != nil {
		return nil, err
	}
	idx := p.index(x.Shape)
	for i, v := range x.I {
		k := idx(i)
		out.F[i] = float64(v-p.zp[k]) * float64(p.scale[k])
	}
	return out, nil
}

// requantize quantizes the float64 result y with the scale and zero point
// in[si], in[si+1] (per tensor), rounding y/scale in float64.
func (c *ctx) requantize(y *Tensor, in []*Tensor, si int) (*Tensor, error) {
	p, err := c.param(in, si, si+1, y.Shape, 0)
	if err != nil {
		return nil, err
	}
	dt := graph.Uint8
	if si+1 < len(in) && in[si+1] != nil {
		dt = in[si+1].DType
	}
	lo, hi := graph.QuantRange(dt)
	out, err := c.alloc(dt, y.Shape)
	if err != nil {
		return nil, err
	}
	s, z := float64(p.scale[0]), p.zp[0]
	for i, v := range y.F {
		r := math.RoundToEven(v / s)
		if math.IsNaN(r) {
			r = 0
		}
		r = min(max(r+float64(z), float64(lo)), float64(hi))
		out.I[i] = int64(r)
	}
	return out, nil
}

// floatOp runs the float operator op with n's attributes on ins.
func (c *ctx) floatOp(op string, ins []*Tensor, attrs graph.Attrs) (*Tensor, error) {
	tmp := &graph.Node{ID: c.n.ID, Name: c.n.Name, Op: op, Attrs: attrs, Outputs: []*graph.Value{{DType: graph.Float32}}}
	tmp.Inputs = make([]*graph.Value, len(ins))
	for i, t := range ins {
		if t != nil {
			tmp.Inputs[i] = &graph.Value{DType: graph.Float32, Shape: t.Shape}
		}
	}
	out, err := ops[op](&ctx{o: c.o, n: tmp}, ins)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// qlinear evaluates a QLinear operator: the data inputs at xs (each with
// its scale and zero point after it; Conv's bias, index 8, is int32 with
// scale x_scale*w_scale and no zero point), the float operator op, and
// the output scale and zero point at si.
func qlinear(op string, xs []int, si int) opFunc {
	return func(c *ctx, in []*Tensor) ([]*Tensor, error) {
		var ins []*Tensor
		for k, xi := range xs {
			if xi >= len(in) || in[xi] == nil {
				ins = append(ins, nil)
				continue
			}
			if op == "Conv" && xi == 8 {
				b, err := c.convBias(in)
				if err != nil {
					return nil, err
				}
				ins = append(ins, b)
				continue
			}
			axis := int64(0)
			if op == "MatMul" && k == 1 {
				axis = -1
			}
			t, err := c.exact(in, xi, axis)
			if err != nil {
				return nil, err
			}
			ins = append(ins, t)
		}
		attrs := c.n.Attrs
		if op != "Conv" {
			attrs = nil
		}
		y, err := c.floatOp(op, ins, attrs)
		if err != nil {
			return nil, err
		}
		out, err := c.requantize(y, in, si)
		return []*Tensor{out}, err
	}
}

// convBias dequantizes QLinearConv's int32 bias with x_scale*w_scale[m].
func (c *ctx) convBias(in []*Tensor) (*Tensor, error) {
	b, xs, ws := in[8], in[1], in[4]
	if xs.Len() != 1 || (ws.Len() != 1 && ws.Len() != b.Len()) {
		return nil, c.n.Errorf("eval: bias of %d with scales %v, %v", b.Len(), xs.Shape, ws.Shape)
	}
	out, err := c.alloc(graph.Float32, b.Shape)
	if err != nil {
		return nil, err
	}
	for i, v := range b.I {
		w := ws.F[0]
		if ws.Len() > 1 {
			w = ws.F[i]
		}
		out.F[i] = float64(v) * (float64(float32(xs.F[0])) * float64(float32(w)))
	}
	return out, nil
}

func qlinearConcat(c *ctx, in []*Tensor) ([]*Tensor, error) {
	var ins []*Tensor
	for i := 2; i+2 < len(in); i += 3 {
		t, err := c.exact(in, i, 0)
		if err != nil {
			return nil, err
		}
		ins = append(ins, t)
	}
	y, err := c.floatOp("Concat", ins, c.n.Attrs)
	if err != nil {
		return nil, err
	}
	out, err := c.requantize(y, in, 0)
	return []*Tensor{out}, err
}

// qdq evaluates gorn.QDQ: QuantizeLinear then DequantizeLinear in float32.
func qdq(c *ctx, in []*Tensor) ([]*Tensor, error) {
	lo, _ := c.n.Int("lo", 0)
	hi, _ := c.n.Int("hi", 255)
	var s [4]float64
	for i := range s {
		if in[i+1] == nil || in[i+1].Len() != 1 || in[i+1].DType != graph.Float32 {
			return nil, c.n.Errorf("eval: gorn.QDQ wants four float32 scalars")
		}
		s[i] = in[i+1].F[0]
	}
	out, err := c.alloc(graph.Float32, in[0].Shape)
	if err != nil {
		return nil, err
	}
	for i, v := range in[0].F {
		q := Quantize(float32(v), float32(s[0]), int64(s[1]), lo, hi)
		out.F[i] = float64(Dequantize(q, int64(s[3]), float32(s[2])))
	}
	return []*Tensor{out}, nil
}
