package opt

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// qparams are the scale and zero point of a quantized activation.
type qparams struct{ scale, zp *graph.Value }

// quantLowering rewrites the QOperator form into the QDQ form.
type quantLowering struct {
	g *graph.Graph
	e *edit
	q map[*graph.Value]qparams // quantized activations and their parameters
}

// directOps run unchanged on the 8-bit values of QOperator models (ONNX
// Runtime leaves them between quantized operators).
var directOps = map[string]bool{
	"MaxPool": true, "GlobalMaxPool": true, "Reshape": true, "Flatten": true, "Transpose": true,
	"Squeeze": true, "Unsqueeze": true, "Slice": true, "Identity": true,
}

// LowerQuant rewrites the quantized operators of the QOperator format
// into the QDQ form: QLinearConv into DequantizeLinear (input, weights,
// bias with scale x_scale*w_scale) -> Conv -> QuantizeLinear, and likewise
// QLinearMatMul, QLinearAdd, QLinearMul, QLinearSigmoid,
// QLinearGlobalAveragePool and QLinearConcat; a MaxPool, Reshape, Flatten,
// Transpose, Squeeze, Unsqueeze, Slice or Identity on a quantized value
// gets a DequantizeLinear before it and a QuantizeLinear with the same
// parameters after it (exact for these operators: they only move or select
// values). It needs no shapes and runs before constant folding, which then
// dequantizes the constant weights. Each rewrite is logged.
func LowerQuant(g *graph.Graph, o *Options) error {
	l := &quantLowering{g: g, e: newEdit(g), q: map[*graph.Value]qparams{}}
	for _, n := range slices.Clone(g.Nodes) {
		if err := l.node(n); err != nil {
			return err
		}
	}
	return l.e.apply()
}

func (l *quantLowering) node(n *graph.Node) error {
	in := n.Input
	switch n.Op {
	case "QuantizeLinear":
		l.q[n.Outputs[0]] = qparams{in(1), in(2)}
		return nil
	case "QLinearConv":
		return l.conv(n)
	case "QLinearMatMul":
		return l.rewrite(n, "MatMul", nil, []int{0, 3}, []int64{1, -1}, 6)
	case "QLinearAdd":
		return l.rewrite(n, "Add", nil, []int{0, 3}, []int64{1, 1}, 6)
	case "QLinearMul":
		return l.rewrite(n, "Mul", nil, []int{0, 3}, []int64{1, 1}, 6)
	case "QLinearSigmoid":
		return l.rewrite(n, "Sigmoid", nil, []int{0}, []int64{1}, 3)
	case "QLinearGlobalAveragePool":
		if cl, err := n.Int("channels_last", 0); err != nil || cl != 0 {
			return n.Unsupportedf("channels_last (supported: 0)")
		}
		return l.rewrite(n, "GlobalAveragePool", nil, []int{0}, []int64{1}, 3)
	case "QLinearConcat":
		var xs []int
		var axes []int64
		for i := 2; i+2 < len(n.Inputs); i += 3 {
			xs, axes = append(xs, i), append(axes, 1)
		}
		return l.rewrite(n, "Concat", n.Attrs, xs, axes, 0)
	}
	if x := in(0); directOps[n.Op] && x != nil && len(n.Outputs) == 1 {
		p, ok := l.q[x]
		if !ok {
			return nil
		}
		xf, err := l.dq(n, x, p.scale, p.zp, 1)
		if err != nil {
			return err
		}
		l.g.SetInput(n, 0, xf)
		y := n.Outputs[0]
		tmp, err := l.g.AddNode(n.Op, n.Name, slices.Clone(n.Inputs), []string{l.e.name(y.Name + ".f")}, n.Attrs)
		if err != nil {
			return err
		}
		tmp.Source = n.Source
		return l.quantize(n, tmp.Outputs[0], p)
	}
	return nil
}

// dq adds DequantizeLinear(x, s, z) along axis and returns its output.
func (l *quantLowering) dq(n *graph.Node, x, s, z *graph.Value, axis int64) (*graph.Value, error) {
	var attrs graph.Attrs
	if axis != 1 {
		attrs = graph.Attrs{"axis": graph.I(axis)}
	}
	m, err := l.g.AddNode("DequantizeLinear", "", []*graph.Value{x, s, z}, []string{l.e.name(x.Name + ".dq")}, attrs)
	if err != nil {
		return nil, err
	}
	m.Source = n.Source
	return m.Outputs[0], nil
}

// quantize adds QuantizeLinear(yf) with p writing n's output, and removes
// n.
func (l *quantLowering) quantize(n *graph.Node, yf *graph.Value, p qparams) error {
	y := n.Outputs[0]
	m, err := l.g.AddNode("QuantizeLinear", "", []*graph.Value{yf, p.scale, p.zp}, []string{l.e.name(y.Name + ".q")}, nil)
	if err != nil {
		return err
	}
	m.Source = n.Source
	tmp := m.Outputs[0]
	l.e.retarget(tmp, y)
	l.e.kill(n, tmp)
	l.q[y] = p
	return nil
}

// rewrite turns QLinear node n into DequantizeLinear of the data inputs xs
// (each followed by its scale and zero point; axes give the
// DequantizeLinear axis), the float operator op, and QuantizeLinear with
// the scale and zero point at si.
func (l *quantLowering) rewrite(n *graph.Node, op string, attrs graph.Attrs, xs []int, axes []int64, si int) error {
	var ins []*graph.Value
	for k, xi := range xs {
		if n.Input(xi) == nil || n.Input(xi+1) == nil {
			return n.Errorf("input %d or its scale is missing", xi)
		}
		f, err := l.dq(n, n.Input(xi), n.Input(xi+1), n.Input(xi+2), axes[k])
		if err != nil {
			return err
		}
		ins = append(ins, f)
	}
	return l.finish(n, op, attrs, ins, si)
}

func (l *quantLowering) finish(n *graph.Node, op string, attrs graph.Attrs, ins []*graph.Value, si int) error {
	if len(n.Outputs) != 1 || n.Input(si) == nil {
		return n.Errorf("wants one output and an output scale")
	}
	f, err := l.g.AddNode(op, n.Name, ins, []string{l.e.name(n.Outputs[0].Name + ".f")}, attrs.Clone())
	if err != nil {
		return err
	}
	f.Source = n.Source
	l.g.Logf("%s: %s (%s) as DequantizeLinear -> %s -> QuantizeLinear", PassLowerQuant, n.Label(), n.Op, op)
	return l.quantize(n, f.Outputs[0], qparams{n.Input(si), n.Input(si + 1)})
}

// conv rewrites QLinearConv; its int32 bias dequantizes with scale
// x_scale*w_scale (per output channel when the weights are).
func (l *quantLowering) conv(n *graph.Node) error {
	if len(n.Inputs) < 8 {
		return n.Errorf("has %d inputs, want 8 or 9", len(n.Inputs))
	}
	x, err := l.dq(n, n.Inputs[0], n.Inputs[1], n.Inputs[2], 1)
	if err != nil {
		return err
	}
	w, err := l.dq(n, n.Inputs[3], n.Inputs[4], n.Inputs[5], 0)
	if err != nil {
		return err
	}
	ins := []*graph.Value{x, w}
	if b := n.Input(8); b != nil {
		xs, ws := graph.ConstOf(n.Inputs[1]), graph.ConstOf(n.Inputs[4])
		if xs == nil || ws == nil {
			return n.Unsupportedf("scales computed at run time (supported: constants)")
		}
		xd, err1 := xs.Float32s()
		wd, err2 := ws.Float32s()
		if err1 != nil || err2 != nil || len(xd) != 1 || len(wd) == 0 {
			return n.Errorf("x_scale %v and w_scale %v: want float32, x_scale a scalar", xs.Shape, ws.Shape)
		}
		bs := make([]float32, len(wd))
		for i, v := range wd {
			bs[i] = xd[0] * v
		}
		shape := []int{len(bs)}
		if len(bs) == 1 {
			shape = nil
		}
		sv, err := l.g.AddConst(l.e.name(b.Name+".scale"), graph.Floats(shape, bs))
		if err != nil {
			return err
		}
		bf, err := l.dq(n, b, sv, nil, 0)
		if err != nil {
			return err
		}
		ins = append(ins, bf)
	}
	return l.finish(n, "Conv", n.Attrs, ins, 6)
}

// FloatQDQ runs quantized activations in float32: each DequantizeLinear of
// the output of a QuantizeLinear (both per tensor, constant parameters)
// becomes one gorn.QDQ node, which rounds and saturates exactly as the
// pair does but keeps the value in float32; the QuantizeLinear goes when
// no other node reads it. Dequantized constants were folded before. A
// quantized value that stays (a graph output, a reader other than
// DequantizeLinear, per-axis activation parameters) is refused with an
// error naming it: gorn runs no 8-bit tensors yet.
func FloatQDQ(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	pairs := 0
	for _, n := range g.Nodes {
		if n.Op != "DequantizeLinear" || e.dead[n] {
			continue
		}
		x := n.Input(0)
		q := x.Producer
		if x.IsConst() || q == nil || (q.Op == "QuantizeLinear" && graph.ConstOf(q.Input(0)) != nil) {
			continue // a constant, folded when constant folding runs
		}
		if q.Op != "QuantizeLinear" && graph.IsQuantType(x.DType) && eightBit[q.Op] {
			continue // an 8-bit activation: the executor dequantizes it
		}
		if q.Op != "QuantizeLinear" {
			return n.Unsupportedf("dequantizes %s, which no QuantizeLinear writes (supported: DequantizeLinear of constants and of QuantizeLinear outputs)", x)
		}
		ins := []*graph.Value{q.Input(0)}
		for _, p := range [][2]*graph.Value{{q.Input(1), q.Input(2)}, {n.Input(1), n.Input(2)}} {
			s, z, err := scalarParams(e, q, p[0], p[1])
			if err != nil {
				return err
			}
			ins = append(ins, s, z)
		}
		lo, hi := graph.QuantRange(x.DType)
		m, err := g.AddNode(graph.OpQDQ, n.Name, ins, []string{e.name(n.Outputs[0].Name + ".qdq")},
			graph.Attrs{"lo": graph.I(int64(lo)), "hi": graph.I(int64(hi))})
		if err != nil {
			return err
		}
		m.Source = append(slices.Clone(q.Source), n.Source...)
		tmp := m.Outputs[0]
		e.retarget(tmp, n.Outputs[0])
		e.kill(n, tmp)
		pairs++
	}
	for _, n := range g.Nodes {
		if n.Op != "QuantizeLinear" || e.dead[n] {
			continue
		}
		y := n.Outputs[0]
		if e.isOutput(y) {
			return n.Unsupportedf("output %s is a graph output (supported: float32 outputs)", y)
		}
		live := false
		for _, u := range y.Users {
			switch {
			case e.dead[u]:
			case eightBit[u.Op] && u.Inputs[0] == y:
				live = true // the executor quantizes into 8 bits
			default:
				return n.Unsupportedf("output %s is read by %v (supported: quantized values read only by DequantizeLinear, gorn.QConv and MaxPool)", y, u)
			}
		}
		if !live {
			e.kill(n, y)
		}
	}
	if pairs > 0 {
		g.Logf("%s: %d QuantizeLinear/DequantizeLinear pairs run as float32 gorn.QDQ (float32 fallback: round half to even and saturation kept, the arithmetic in float32)", PassFloatQDQ, pairs)
	}
	return e.apply()
}

// eightBit are the operators the executor runs on 8-bit activations.
var eightBit = map[string]bool{graph.OpQConv: true, "MaxPool": true, "QLinearGlobalAveragePool": true}

// scalarParams returns float32 scalar constants for scale s and zero
// point z (nil: 0) of node n.
func scalarParams(e *edit, n *graph.Node, s, z *graph.Value) (*graph.Value, *graph.Value, error) {
	sc, zc := graph.ConstOf(s), graph.ConstOf(z)
	if sc == nil || (z != nil && zc == nil) {
		return nil, nil, n.Unsupportedf("scale or zero point computed at run time (supported: constants)")
	}
	if sc.Len() != 1 || (zc != nil && zc.Len() != 1) {
		return nil, nil, n.Unsupportedf("per-axis quantization of an activation (supported: per tensor)")
	}
	sd, err := sc.Float32s()
	if err != nil {
		return nil, nil, n.Errorf("scale: %v", err)
	}
	zp := float32(0)
	if zc != nil {
		d, err := zc.Int8s()
		if err != nil {
			return nil, nil, n.Errorf("zero point: %v", err)
		}
		zp = float32(int8(d[0]))
		if zc.DType == graph.Uint8 {
			zp = float32(uint8(d[0]))
		}
	}
	if !(sd[0] > 0) {
		return nil, nil, n.Unsupportedf("scale %v (supported: positive)", sd[0])
	}
	sv, err := e.g.AddConst(e.name(fmt.Sprintf("%s.scale", n.Label())), graph.Floats(nil, []float32{sd[0]}))
	if err != nil {
		return nil, nil, err
	}
	zv, err := e.g.AddConst(e.name(fmt.Sprintf("%s.zp", n.Label())), graph.Floats(nil, []float32{zp}))
	return sv, zv, err
}
