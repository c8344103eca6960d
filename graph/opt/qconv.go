package opt

import (
	"math"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// FuseQConv turns the QDQ pattern of a quantized convolution into one
// gorn.QConv that the executor runs on 8-bit data:
//
//	DequantizeLinear(x_q)       per tensor, x_q an activation
//	DequantizeLinear(w_q)       int8 constant, zero point 0, per output channel or per tensor
//	DequantizeLinear(b_q)       optional int32 constant, scale x_scale*w_scale, zero point 0
//	  -> Conv (group 1) -> [Relu] -> QuantizeLinear (per tensor)
//
// (QLinearConv arrives in this form from LowerQuant). gorn.QConv writes the
// QuantizeLinear's output. A Conv that reads a DequantizeLinear but breaks
// one of these rules stays float (FloatQDQ then runs its quantization in
// float32) and the log says why. It runs before constant folding, while the
// weights are still int8.
func FuseQConv(g *graph.Graph, o *Options) error {
	e := newEdit(g)
	for _, n := range g.Nodes {
		if n.Op == "MaxPool" && !e.dead[n] {
			if err := fuseQMaxPool(g, e, n); err != nil {
				return err
			}
			continue
		}
		if n.Op == "GlobalAveragePool" && !e.dead[n] {
			if err := fuseQGAP(g, e, n); err != nil {
				return err
			}
			continue
		}
		if n.Op != "Conv" || e.dead[n] {
			continue
		}
		dx := producer(n.Input(0), "DequantizeLinear")
		if dx == nil || graph.ConstOf(dx.Input(0)) != nil {
			continue
		}
		why, err := fuseQConv(g, e, n, dx)
		if err != nil {
			return err
		}
		if why != "" {
			g.Logf("%s: %s stays float32 (DequantizeLinear -> Conv -> QuantizeLinear in float): %s", PassFuseQConv, n.Label(), why)
		}
	}
	logFloat(g, e)
	return e.apply()
}

// logFloat notes every other operator that reads a dequantized activation:
// it runs in float32 (the fallback).
func logFloat(g *graph.Graph, e *edit) {
	for _, n := range g.Nodes {
		if e.dead[n] || n.Op == "DequantizeLinear" || n.Op == "QuantizeLinear" || n.Op == "Conv" {
			continue
		}
		for _, v := range n.Inputs {
			if d := producer(v, "DequantizeLinear"); d != nil && !e.dead[d] && graph.ConstOf(d.Input(0)) == nil {
				g.Logf("%s: %s (%s) runs in float32 between DequantizeLinear and QuantizeLinear (no 8-bit %s)", PassFuseQConv, n.Label(), n.Op, n.Op)
				break
			}
		}
	}
}

// fuseQMaxPool runs a MaxPool between DequantizeLinear and QuantizeLinear
// with the same scale and zero point (per tensor) on the 8-bit values:
// exact, since quantization is monotone and requantizing with the same
// parameters gives the values back.
func fuseQMaxPool(g *graph.Graph, e *edit, n *graph.Node) error {
	dx := producer(n.Input(0), "DequantizeLinear")
	if dx == nil || graph.ConstOf(dx.Input(0)) != nil || len(n.Outputs) != 1 {
		return nil
	}
	q := soleUserOp(e, n.Outputs[0], "QuantizeLinear")
	if q == nil {
		return nil
	}
	if d, _ := n.Ints("dilations", nil); slices.ContainsFunc(d, func(v int64) bool { return v != 1 }) {
		g.Logf("%s: %s stays float32: dilated", PassFuseQConv, n.Label())
		return nil
	}
	s1, z1, ok1 := scalarQ(dx)
	s2, z2, ok2 := scalarQ(q)
	if !ok1 || !ok2 || s1 != s2 || !sameZero(z1, z2) {
		g.Logf("%s: %s stays float32: its input and output quantization differ", PassFuseQConv, n.Label())
		return nil
	}
	m, err := g.AddNode("MaxPool", n.Name, []*graph.Value{dx.Input(0)}, []string{e.name(q.Outputs[0].Name + ".qmax")}, n.Attrs.Clone())
	if err != nil {
		return err
	}
	m.Source = append(append(append(m.Source[:0], dx.Source...), n.Source...), q.Source...)
	tmp := m.Outputs[0]
	e.retarget(tmp, q.Outputs[0])
	e.kill(q, tmp)
	e.kill(n, n.Outputs[0])
	if len(dx.Outputs[0].Users) == 1 && !e.isOutput(dx.Outputs[0]) {
		e.kill(dx, dx.Outputs[0])
	}
	g.Logf("%s: %s runs on 8-bit values", PassFuseQConv, n.Label())
	return nil
}

// fuseQGAP turns DequantizeLinear -> GlobalAveragePool -> QuantizeLinear
// (per tensor, the same 8-bit type in and out) into
// QLinearGlobalAveragePool, which the executor runs on the 8-bit values
// (exact integer sum, one requantization).
func fuseQGAP(g *graph.Graph, e *edit, n *graph.Node) error {
	dx := producer(n.Input(0), "DequantizeLinear")
	if dx == nil || graph.ConstOf(dx.Input(0)) != nil || len(n.Outputs) != 1 {
		return nil
	}
	q := soleUserOp(e, n.Outputs[0], "QuantizeLinear")
	if q == nil {
		return nil
	}
	_, z1, ok1 := scalarQ(dx)
	_, z2, ok2 := scalarQ(q)
	if !ok1 || !ok2 || zeroType(z1) != zeroType(z2) {
		g.Logf("%s: %s stays float32: its input and output quantization are not per tensor of one type", PassFuseQConv, n.Label())
		return nil
	}
	ins := []*graph.Value{dx.Input(0), dx.Input(1), dx.Input(2), q.Input(1), q.Input(2)}
	for _, z := range []int{2, 4} {
		if ins[z] == nil {
			v, err := g.AddConst(e.name(n.Label()+".zero_point"), graph.Quant(graph.Uint8, nil, []int{0}))
			if err != nil {
				return err
			}
			ins[z] = v
		}
	}
	m, err := g.AddNode("QLinearGlobalAveragePool", n.Name, ins, []string{e.name(q.Outputs[0].Name + ".qgap")}, nil)
	if err != nil {
		return err
	}
	m.Source = append(append(append(m.Source[:0], dx.Source...), n.Source...), q.Source...)
	tmp := m.Outputs[0]
	e.retarget(tmp, q.Outputs[0])
	e.kill(q, tmp)
	e.kill(n, n.Outputs[0])
	if len(dx.Outputs[0].Users) == 1 && !e.isOutput(dx.Outputs[0]) {
		e.kill(dx, dx.Outputs[0])
	}
	g.Logf("%s: %s runs on 8-bit values (QLinearGlobalAveragePool)", PassFuseQConv, n.Label())
	return nil
}

func zeroType(z *graph.Tensor) graph.DType {
	if z == nil {
		return graph.Uint8
	}
	return z.DType
}

// sameZero reports whether two zero points (nil: uint8 0) are equal in
// type and value.
func sameZero(a, b *graph.Tensor) bool {
	val := func(t *graph.Tensor) (graph.DType, int8) {
		if t == nil {
			return graph.Uint8, 0
		}
		d, err := t.Int8s()
		if err != nil || len(d) != 1 {
			return graph.Undefined, 0
		}
		return t.DType, d[0]
	}
	ta, va := val(a)
	tb, vb := val(b)
	return ta != graph.Undefined && ta == tb && va == vb
}

// producer returns v's producer when it is a live node of operator op.
func producer(v *graph.Value, op string) *graph.Node {
	if v == nil || v.Producer == nil || v.Producer.Op != op {
		return nil
	}
	return v.Producer
}

// fuseQConv fuses conv n whose input is dequantized by dx, or returns why
// it cannot.
func fuseQConv(g *graph.Graph, e *edit, n, dx *graph.Node) (string, error) {
	if grp, _ := n.Int("group", 1); grp != 1 {
		return "grouped convolution (gorn's 8-bit convolution has one group)", nil
	}
	xs, xz, ok := scalarQ(dx)
	if !ok {
		return "input quantization is not per tensor with constant parameters", nil
	}
	dw, bias, why, err := qconvWeights(n, xs)
	if why != "" || err != nil {
		return why, err
	}
	act, q := "", soleUserOp(e, n.Outputs[0], "QuantizeLinear")
	var relu *graph.Node
	if q == nil {
		if r := soleUserOp(e, n.Outputs[0], "Relu"); r != nil && len(r.Inputs) == 1 && len(r.Outputs) == 1 {
			act, q, relu = "relu", soleUserOp(e, r.Outputs[0], "QuantizeLinear"), r
		}
	}
	if q == nil {
		return "its output is not quantized by a QuantizeLinear (alone, or after a Relu)", nil
	}
	if _, _, ok := scalarQ(q); !ok || len(q.Outputs) != 1 {
		return "output quantization is not per tensor with constant parameters", nil
	}
	zx, err := zeroPoint(g, e, dx, xz)
	if err != nil {
		return "", err
	}
	attrs := n.Attrs.Clone()
	if attrs == nil {
		attrs = graph.Attrs{}
	}
	if act != "" {
		attrs["activation"] = graph.S(act)
	}
	ins := []*graph.Value{dx.Input(0), dw.Input(0), bias, dx.Input(1), zx, dw.Input(1), q.Input(1), q.Input(2)}
	if q.Input(2) == nil {
		dt := graph.Uint8
		if od, _ := q.Int("output_dtype", 0); od == 3 {
			dt = graph.Int8
		}
		z, err := g.AddConst(e.name(q.Label()+".zero_point"), graph.Quant(dt, nil, []int{0}))
		if err != nil {
			return "", err
		}
		ins[7] = z
	}
	qc, err := g.AddNode(graph.OpQConv, n.Name, ins, []string{e.name(q.Outputs[0].Name + ".qconv")}, attrs)
	if err != nil {
		return "", err
	}
	qc.Source = append(append(append(qc.Source[:0], dx.Source...), n.Source...), q.Source...)
	tmp := qc.Outputs[0]
	e.retarget(tmp, q.Outputs[0])
	e.kill(q, tmp)
	e.kill(n, n.Outputs[0])
	if relu != nil {
		e.kill(relu, relu.Outputs[0])
	}
	for _, d := range []*graph.Node{dx, dw, producer(n.Input(2), "DequantizeLinear")} {
		if d != nil && len(d.Outputs[0].Users) == 1 && !e.isOutput(d.Outputs[0]) {
			e.kill(d, d.Outputs[0])
		}
	}
	g.Logf("%s: %s runs in 8 bits as gorn.QConv (%s input, int8 weights%s)", PassFuseQConv, n.Label(), dtypeOf(xz), map[bool]string{true: ", relu"}[act != ""])
	return "", nil
}

// qconvWeights checks conv n's weights (DequantizeLinear of int8, zero
// point 0, per tensor or per output channel) and bias (absent, or
// DequantizeLinear of int32 with scale xs*w_scale) and returns the weights'
// DequantizeLinear and the int32 bias value, or why they do not qualify.
func qconvWeights(n *graph.Node, xs float32) (dw *graph.Node, bias *graph.Value, why string, err error) {
	dw = producer(n.Input(1), "DequantizeLinear")
	if dw == nil {
		return nil, nil, "weights are not a DequantizeLinear of int8", nil
	}
	wq := graph.ConstOf(dw.Input(0))
	ws := graph.ConstOf(dw.Input(1))
	if wq == nil || wq.DType != graph.Int8 || len(wq.Shape) != 4 || ws == nil || ws.DType != graph.Float32 {
		return nil, nil, "weights are not a constant int8 OIHW tensor with float32 scales", nil
	}
	m := wq.Shape[0]
	if ax, _ := dw.Int("axis", 1); ws.Len() != 1 && (ws.Len() != m || (ax != 0 && ax != -4)) {
		return nil, nil, "weight scales are neither per tensor nor per output channel (axis 0)", nil
	}
	if !zeroConst(dw.Input(2)) {
		return nil, nil, "weight zero point is not 0", nil
	}
	wsd, err := ws.Float32s()
	if err != nil {
		return nil, nil, "", dw.Errorf("weight scale: %v", err)
	}
	if b := n.Input(2); b != nil {
		db := producer(b, "DequantizeLinear")
		if db == nil || !biasOK(db, xs, wsd, m) {
			return nil, nil, "bias is not an int32 constant dequantized with scale x_scale*w_scale", nil
		}
		bias = db.Input(0)
	}
	return dw, bias, "", nil
}

// scalarQ returns the scale and zero point of a per-tensor
// QuantizeLinear/DequantizeLinear node with constant parameters (the zero
// point may be absent: uint8 0).
func scalarQ(n *graph.Node) (scale float32, zp *graph.Tensor, ok bool) {
	s := graph.ConstOf(n.Input(1))
	if s == nil || s.DType != graph.Float32 || s.Len() != 1 {
		return 0, nil, false
	}
	d, err := s.Float32s()
	if err != nil || !(d[0] > 0) || math.IsInf(float64(d[0]), 0) {
		return 0, nil, false
	}
	if z := n.Input(2); z != nil {
		zp = graph.ConstOf(z)
		if zp == nil || !graph.IsQuantType(zp.DType) || zp.Len() != 1 {
			return 0, nil, false
		}
	}
	return d[0], zp, true
}

// zeroPoint returns dx's zero point value, or a new uint8 0 when absent.
func zeroPoint(g *graph.Graph, e *edit, dx *graph.Node, zp *graph.Tensor) (*graph.Value, error) {
	if zp != nil {
		return dx.Input(2), nil
	}
	return g.AddConst(e.name(dx.Label()+".zero_point"), graph.Quant(graph.Uint8, nil, []int{0}))
}

func dtypeOf(zp *graph.Tensor) string {
	if zp == nil {
		return "uint8"
	}
	return zp.DType.String()
}

// zeroConst reports whether v is absent or a constant of zeros.
func zeroConst(v *graph.Value) bool {
	if v == nil {
		return true
	}
	c := graph.ConstOf(v)
	if c == nil {
		return false
	}
	switch c.DType {
	case graph.Int8, graph.Uint8:
		d, err := c.Int8s()
		if err != nil {
			return false
		}
		for _, x := range d {
			if x != 0 {
				return false
			}
		}
		return true
	case graph.Int64:
		d, err := c.Int64s()
		if err != nil {
			return false
		}
		for _, x := range d {
			if x != 0 {
				return false
			}
		}
		return true
	}
	return false
}

// biasOK reports whether db dequantizes an int32 constant of m values with
// zero point 0 and scale x_scale*w_scale (to float32 rounding).
func biasOK(db *graph.Node, xs float32, ws []float32, m int) bool {
	b, s := graph.ConstOf(db.Input(0)), graph.ConstOf(db.Input(1))
	if b == nil || (b.DType != graph.Int64 && b.DType != graph.Int32) || b.Len() != m || len(b.Shape) != 1 ||
		s == nil || s.DType != graph.Float32 || !zeroConst(db.Input(2)) {
		return false
	}
	sd, err := s.Float32s()
	if err != nil || (len(sd) != 1 && len(sd) != m) {
		return false
	}
	if b.DType == graph.Int64 {
		d, err := b.Int64s()
		if err != nil {
			return false
		}
		for _, v := range d {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return false
			}
		}
	}
	for j := range m {
		w := ws[0]
		if len(ws) > 1 {
			w = ws[j]
		}
		want, got := float64(xs*w), float64(sd[0])
		if len(sd) > 1 {
			got = float64(sd[j])
		}
		if math.Abs(got-want) > 1e-6*math.Abs(want) {
			return false
		}
	}
	return true
}

// soleUserOp returns v's only reader when it is a live node of operator op.
func soleUserOp(e *edit, v *graph.Value, op string) *graph.Node {
	u := e.soleUser(v)
	if u == nil || u.Op != op {
		return nil
	}
	return u
}
