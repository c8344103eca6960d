package graph

import (
	"slices"
)

// Quantized operators (see the package documentation): QuantizeLinear and
// DequantizeLinear (opsets 10-21, per-tensor and per-axis, block_size 0),
// QLinearConv and QLinearMatMul, and the com.microsoft contrib operators
// ONNX Runtime writes in QOperator models.
var quantOps = map[string]func(*Node) error{
	"QuantizeLinear": inferQuantize, "DequantizeLinear": inferDequantize,
	"QLinearConv": inferQLinearConv, "QLinearMatMul": inferQLinearMatMul,
	"QLinearAdd": inferQLinearBinary, "QLinearMul": inferQLinearBinary,
	"QLinearSigmoid": inferQLinearUnary, "QLinearGlobalAveragePool": inferQLinearGAP,
	"QLinearConcat": inferQLinearConcat, OpQDQ: inferQDQ,
}

// noAxis marks a quantized input that must be per tensor.
const noAxis = -1 << 62

func init() {
	for op, f := range quantOps {
		shapeFuncs[op] = f
	}
}

// IsQuantType reports whether dt is a quantized element type (uint8, int8).
func IsQuantType(dt DType) bool { return dt == Uint8 || dt == Int8 }

// QuantRange returns the saturation bounds of a quantized type.
func QuantRange(dt DType) (lo, hi int) {
	if dt == Int8 {
		return -128, 127
	}
	return 0, 255
}

// QParams checks the scale (input si) and zero point (input zi, optional)
// of n against the tensor of shape xs: both scalars or [1] (per tensor), or
// 1-D of length xs[axis] (per axis). The scale must be float32; the zero
// point of type zt (any quantized type when zt is Undefined). It returns
// the normalised axis (-1 per tensor).
func QParams(n *Node, xs []int, si, zi int, axis int64, zt DType) (int, error) {
	s := n.Input(si)
	if s == nil {
		return 0, n.Errorf("scale input %d is missing", si)
	}
	if s.DType != Float32 {
		return 0, n.Errorf("scale %s is %v, want float32", s, s.DType)
	}
	z := n.Input(zi)
	if z != nil {
		ok := z.DType == zt || (zt == Undefined && IsQuantType(z.DType))
		if !ok {
			return 0, n.Unsupportedf("zero point %s is %v (supported: uint8, int8, matching the data)", z, z.DType)
		}
		if !slices.Equal(z.Shape, s.Shape) {
			return 0, n.Errorf("zero point %s has shape %v, scale %v", z, z.Shape, s.Shape)
		}
	}
	if NumElements(s.Shape) == 1 && len(s.Shape) <= 1 {
		return -1, nil
	}
	if len(s.Shape) != 1 || axis == noAxis {
		return 0, n.Unsupportedf("scale of shape %v (supported: a scalar or 1-D per axis; block quantization is not)", s.Shape)
	}
	ax, err := normAxis(n, axis, len(xs))
	if err != nil {
		return 0, err
	}
	if s.Shape[0] != xs[ax] {
		return 0, n.Errorf("scale has %d entries for axis %d of shape %v", s.Shape[0], ax, xs)
	}
	return ax, nil
}

// quantOutType is the element type QuantizeLinear writes: its zero point's,
// else output_dtype's (2 UINT8, 3 INT8), else uint8.
func quantOutType(n *Node) (DType, error) {
	if z := n.Input(2); z != nil {
		return z.DType, nil
	}
	od, err := n.Int("output_dtype", 0)
	if err != nil {
		return 0, err
	}
	switch od {
	case 0, 2:
		return Uint8, nil
	case 3:
		return Int8, nil
	}
	return 0, n.Unsupportedf("output_dtype %d (supported: 2 UINT8, 3 INT8)", od)
}

func noBlocks(n *Node) error {
	if b, err := n.Int("block_size", 0); err != nil || b != 0 {
		if err != nil {
			return err
		}
		return n.Unsupportedf("block_size %d (supported: 0, per tensor or per axis)", b)
	}
	return nil
}

// inferQuantize: QuantizeLinear (x float32, y_scale, y_zero_point?).
func inferQuantize(n *Node) error {
	if err := arity(n, 2, 3, 1); err != nil {
		return err
	}
	if err := wantType(n, 0, Float32); err != nil {
		return err
	}
	if err := noBlocks(n); err != nil {
		return err
	}
	dt, err := quantOutType(n)
	if err != nil {
		return err
	}
	axis, err := n.Int("axis", 1)
	if err != nil {
		return err
	}
	if _, err := QParams(n, n.Inputs[0].Shape, 1, 2, axis, Undefined); err != nil {
		return err
	}
	return setOut(n, 0, dt, n.Inputs[0].Shape)
}

// inferDequantize: DequantizeLinear (x uint8/int8/int32, x_scale,
// x_zero_point?). int32 data may arrive as int64 (the importer widens
// INT32 constants); its zero point, if any, must be zero.
func inferDequantize(n *Node) error {
	if err := arity(n, 2, 3, 1); err != nil {
		return err
	}
	if err := noBlocks(n); err != nil {
		return err
	}
	x := n.Inputs[0]
	zt := x.DType
	switch x.DType {
	case Uint8, Int8:
	case Int32, Int64:
		zt = x.DType
	default:
		return n.Unsupportedf("input %s is %v (supported: uint8, int8, int32)", x, x.DType)
	}
	axis, err := n.Int("axis", 1)
	if err != nil {
		return err
	}
	if _, err := QParams(n, x.Shape, 1, 2, axis, zt); err != nil {
		return err
	}
	return setOut(n, 0, Float32, x.Shape)
}

// inferAs infers n as the float operator op would on the float versions
// of ins (their shapes), with n's attributes (normalised in place), and
// sets n's output 0 to that shape with type dt.
func inferAs(n *Node, op string, ins []*Value, dt DType) error {
	tmp := &Node{ID: n.ID, Name: n.Name, Op: op, Attrs: n.Attrs, Outputs: []*Value{{Name: n.Outputs[0].Name}}}
	for _, v := range ins {
		var c *Value
		if v != nil {
			c = &Value{Name: v.Name, DType: Float32, Shape: v.Shape, Const: nil}
		}
		tmp.Inputs = append(tmp.Inputs, c)
	}
	if err := shapeFuncs[op](tmp); err != nil {
		return err
	}
	n.Attrs = tmp.Attrs
	return setOut(n, 0, dt, tmp.Outputs[0].Shape)
}

// qtriple checks data input xi with its scale and zero point (xi+1, xi+2)
// per tensor, or per axis when perAxis names the axis allowed.
func qtriple(n *Node, xi int, perAxis int64) error {
	x := n.Input(xi)
	if x == nil {
		return n.Errorf("input %d is missing", xi)
	}
	if !IsQuantType(x.DType) {
		return n.Unsupportedf("input %d (%s) is %v (supported: uint8, int8)", xi, x, x.DType)
	}
	ax, err := QParams(n, x.Shape, xi+1, xi+2, perAxis, x.DType)
	if err != nil {
		return err
	}
	if ax >= 0 && perAxis == noAxis {
		return n.Unsupportedf("input %d has per-axis quantization (supported: per tensor)", xi)
	}
	return nil
}

// outQ checks the output scale and zero point (inputs si, si+1) and
// returns the output type: the zero point's, uint8 without one.
func outQ(n *Node, si int) (DType, error) {
	if _, err := QParams(n, nil, si, si+1, noAxis, Undefined); err != nil {
		return 0, err
	}
	if z := n.Input(si + 1); z != nil {
		return z.DType, nil
	}
	return Uint8, nil
}

// inferQLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?
// (int32). w may be quantized per output channel (axis 0).
func inferQLinearConv(n *Node) error {
	if err := arity(n, 8, 9, 1); err != nil {
		return err
	}
	if err := qtriple(n, 0, noAxis); err != nil {
		return err
	}
	if err := qtriple(n, 3, 0); err != nil {
		return err
	}
	dt, err := outQ(n, 6)
	if err != nil {
		return err
	}
	if b := n.Input(8); b != nil && b.DType != Int32 && b.DType != Int64 {
		return n.Errorf("bias %s is %v, want int32", b, b.DType)
	}
	return inferAs(n, "Conv", []*Value{n.Inputs[0], n.Inputs[3], n.Input(8)}, dt)
}

// inferQLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp;
// b may be quantized per column (its last axis).
func inferQLinearMatMul(n *Node) error {
	if err := arity(n, 8, 8, 1); err != nil {
		return err
	}
	if err := qtriple(n, 0, noAxis); err != nil {
		return err
	}
	if err := qtriple(n, 3, -1); err != nil {
		return err
	}
	dt, err := outQ(n, 6)
	if err != nil {
		return err
	}
	return inferAs(n, "MatMul", []*Value{n.Inputs[0], n.Inputs[3]}, dt)
}

// inferQLinearBinary: com.microsoft QLinearAdd and QLinearMul: A, A_scale,
// A_zp, B, B_scale, B_zp, C_scale, C_zp (broadcasting).
func inferQLinearBinary(n *Node) error {
	if err := arity(n, 7, 8, 1); err != nil {
		return err
	}
	if err := qtriple(n, 0, noAxis); err != nil {
		return err
	}
	if err := qtriple(n, 3, noAxis); err != nil {
		return err
	}
	dt, err := outQ(n, 6)
	if err != nil {
		return err
	}
	s, err := broadcastInputs(n, []*Value{n.Inputs[0], n.Inputs[3]})
	if err != nil {
		return err
	}
	return setOut(n, 0, dt, s)
}

// inferQLinearUnary: com.microsoft QLinearSigmoid: X, X_scale, X_zp,
// Y_scale, Y_zp.
func inferQLinearUnary(n *Node) error {
	if err := arity(n, 4, 5, 1); err != nil {
		return err
	}
	if err := qtriple(n, 0, noAxis); err != nil {
		return err
	}
	dt, err := outQ(n, 3)
	if err != nil {
		return err
	}
	return setOut(n, 0, dt, n.Inputs[0].Shape)
}

// inferQLinearGAP: com.microsoft QLinearGlobalAveragePool: X, x_scale,
// x_zp, y_scale, y_zp; channels_last 0 (NCHW) only.
func inferQLinearGAP(n *Node) error {
	if err := arity(n, 4, 5, 1); err != nil {
		return err
	}
	if cl, err := n.Int("channels_last", 0); err != nil || cl != 0 {
		if err != nil {
			return err
		}
		return n.Unsupportedf("channels_last %d (supported: 0)", cl)
	}
	if err := qtriple(n, 0, noAxis); err != nil {
		return err
	}
	dt, err := outQ(n, 3)
	if err != nil {
		return err
	}
	tmp := n.Attrs
	n.Attrs = nil
	err = inferAs(n, "GlobalAveragePool", []*Value{n.Inputs[0]}, dt)
	n.Attrs = tmp
	return err
}

// inferQLinearConcat: com.microsoft QLinearConcat: Y_scale, Y_zp, then
// (X, X_scale, X_zp) per input; attribute axis.
func inferQLinearConcat(n *Node) error {
	if len(n.Inputs) < 5 || (len(n.Inputs)-2)%3 != 0 || len(n.Outputs) != 1 {
		return n.Errorf("has %d inputs, want Y_scale, Y_zp and triples", len(n.Inputs))
	}
	dt, err := outQ(n, 0)
	if err != nil {
		return err
	}
	var xs []*Value
	for i := 2; i < len(n.Inputs); i += 3 {
		if err := qtriple(n, i, noAxis); err != nil {
			return err
		}
		xs = append(xs, n.Inputs[i])
	}
	return inferAs(n, "Concat", xs, dt)
}

// inferQDQ: gorn.QDQ (X float32, q_scale, q_zero_point, dq_scale,
// dq_zero_point; all per tensor, float32 constants): QuantizeLinear then
// DequantizeLinear in float32.
func inferQDQ(n *Node) error {
	if err := arity(n, 5, 5, 1); err != nil {
		return err
	}
	for i := range n.Inputs {
		if err := wantType(n, i, Float32); err != nil {
			return err
		}
		if i > 0 && NumElements(n.Inputs[i].Shape) != 1 {
			return n.Unsupportedf("input %d has shape %v (supported: per tensor)", i, n.Inputs[i].Shape)
		}
	}
	return setOut(n, 0, Float32, n.Inputs[0].Shape)
}

// quantSpecs are Check's rules for the quantized operators: every scale
// and zero point constant.
func quantSpecs() map[string]opSpec {
	qa := []string{"axis", "saturate", "block_size", "output_dtype"}
	return map[string]opSpec{
		"QuantizeLinear":           {attrs: qa, check: constInputs(1, 2)},
		"DequantizeLinear":         {attrs: qa[:3], check: constInputs(1, 2)},
		"QLinearConv":              {attrs: append(slices.Clone(windowAttrs), "group"), check: constInputs(1, 2, 3, 4, 5, 6, 7, 8)},
		"QLinearMatMul":            {attrs: []string{}, check: constInputs(1, 2, 4, 5, 6, 7)},
		"QLinearAdd":               {attrs: []string{}, check: constInputs(1, 2, 4, 5, 6, 7)},
		"QLinearMul":               {attrs: []string{}, check: constInputs(1, 2, 4, 5, 6, 7)},
		"QLinearSigmoid":           {attrs: []string{}, check: constInputs(1, 2, 3, 4)},
		"QLinearGlobalAveragePool": {attrs: []string{"channels_last"}, check: constInputs(1, 2, 3, 4)},
		"QLinearConcat":            {attrs: []string{"axis"}, check: checkQLinearConcat},
		OpQDQ:                      {attrs: []string{"lo", "hi"}, check: constInputs(1, 2, 3, 4)},
	}
}

func checkQLinearConcat(c *checker, n *Node) error {
	idx := []int{0, 1}
	for i := 3; i < len(n.Inputs); i += 3 {
		idx = append(idx, i, i+1)
	}
	return constInputs(idx...)(c, n)
}
