package graph

import "testing"

func u8(s ...int) *Tensor { return Quant(Uint8, s, make([]int, NumElements(s))) }
func s8(s ...int) *Tensor { return Quant(Int8, s, make([]int, NumElements(s))) }

func TestInferQuant(t *testing.T) {
	sc := fv(0.5)
	scalar := Floats(nil, []float32{0.5})
	runShapeCases(t, []shapeCase{
		{name: "q u8", op: "QuantizeLinear", ins: []any{[]int{1, 3, 4, 4}, scalar, u8()}, want: []int{1, 3, 4, 4}, dt: Uint8},
		{name: "q s8 axis", op: "QuantizeLinear", attrs: Attrs{"axis": I(1)}, ins: []any{[]int{1, 3, 4, 4}, fv(1, 2, 3), s8(3)}, want: []int{1, 3, 4, 4}, dt: Int8},
		{name: "q default u8", op: "QuantizeLinear", ins: []any{[]int{1, 2}, sc}, want: []int{1, 2}, dt: Uint8},
		{name: "q output_dtype int8", op: "QuantizeLinear", attrs: Attrs{"output_dtype": I(3)}, ins: []any{[]int{1, 2}, sc}, want: []int{1, 2}, dt: Int8},
		{name: "q output_dtype float8", op: "QuantizeLinear", attrs: Attrs{"output_dtype": I(17)}, ins: []any{[]int{1, 2}, sc}, err: ErrUnsupported},
		{name: "q block", op: "QuantizeLinear", attrs: Attrs{"block_size": I(2)}, ins: []any{[]int{1, 4}, sc}, err: ErrUnsupported},
		{name: "q axis length", op: "QuantizeLinear", attrs: Attrs{"axis": I(1)}, ins: []any{[]int{1, 3}, fv(1, 2)}, err: ErrInvalid},
		{name: "q zp type", op: "QuantizeLinear", ins: []any{[]int{1, 3}, sc, Ints([]int{1}, []int64{0})}, err: ErrUnsupported},
		{name: "q zp shape", op: "QuantizeLinear", ins: []any{[]int{1, 3}, sc, u8(2)}, err: ErrInvalid},
		{name: "dq u8", op: "DequantizeLinear", ins: []any{u8(1, 2, 2), sc, u8()}, want: []int{1, 2, 2}},
		{name: "dq int32 as int64", op: "DequantizeLinear", attrs: Attrs{"axis": I(0)}, ins: []any{Ints([]int{3}, []int64{1, 2, 3}), fv(1, 2, 3)}, want: []int{3}},
		{name: "dq float", op: "DequantizeLinear", ins: []any{[]int{1, 2}, sc}, err: ErrUnsupported},
		{name: "dq zp type", op: "DequantizeLinear", ins: []any{u8(2), sc, s8()}, err: ErrUnsupported},
		{name: "qlinearconv", op: "QLinearConv", attrs: Attrs{"pads": Is(1, 1, 1, 1)},
			ins:  []any{u8(1, 3, 5, 5), sc, u8(), s8(4, 3, 3, 3), fv(1, 2, 3, 4), s8(4), sc, u8(), Ints([]int{4}, make([]int64, 4))},
			want: []int{1, 4, 5, 5}, dt: Uint8},
		{name: "qlinearconv s8 out", op: "QLinearConv",
			ins: []any{u8(1, 3, 5, 5), sc, u8(), s8(4, 3, 3, 3), sc, s8(), sc, s8()}, want: []int{1, 4, 3, 3}, dt: Int8},
		{name: "qlinearconv per-axis x", op: "QLinearConv",
			ins: []any{u8(1, 3, 5, 5), fv(1, 2, 3), u8(3), s8(4, 3, 3, 3), sc, s8(), sc, u8()}, err: ErrUnsupported},
		{name: "qlinearmatmul", op: "QLinearMatMul", ins: []any{u8(1, 6), sc, u8(), s8(6, 2), fv(1, 2), s8(2), sc, u8()}, want: []int{1, 2}, dt: Uint8},
		{name: "qlinearadd", op: "QLinearAdd", ins: []any{u8(1, 2, 3, 3), sc, u8(), u8(1, 2, 1, 1), sc, u8(), sc, u8()}, want: []int{1, 2, 3, 3}, dt: Uint8},
		{name: "qgap", op: "QLinearGlobalAveragePool", ins: []any{s8(1, 4, 3, 3), sc, s8(), sc, s8()}, want: []int{1, 4, 1, 1}, dt: Int8},
		{name: "qgap nhwc", op: "QLinearGlobalAveragePool", attrs: Attrs{"channels_last": I(1)}, ins: []any{s8(1, 4, 3, 3), sc, s8(), sc, s8()}, err: ErrUnsupported},
		{name: "qsigmoid", op: "QLinearSigmoid", ins: []any{u8(1, 5), sc, u8(), sc, u8()}, want: []int{1, 5}, dt: Uint8},
		{name: "qconcat", op: "QLinearConcat", attrs: Attrs{"axis": I(1)}, ins: []any{sc, u8(), u8(1, 2), sc, u8(), u8(1, 3), sc, u8()}, want: []int{1, 5}, dt: Uint8},
		{name: "gorn.QConv", op: OpQConv, attrs: Attrs{"activation": S("relu")},
			ins: []any{u8(1, 3, 5, 5), s8(4, 3, 1, 1), nil, sc, u8(), fv(1, 2, 3, 4), sc, s8()}, want: []int{1, 4, 5, 5}, dt: Int8},
		{name: "gorn.QConv float x", op: OpQConv, ins: []any{[]int{1, 3, 5, 5}, s8(4, 3, 1, 1), nil, sc, u8(), sc, sc, u8()}, err: ErrUnsupported},
		{name: "gorn.QDQ", op: OpQDQ, attrs: Attrs{"lo": I(0), "hi": I(255)}, ins: []any{[]int{1, 4}, scalar, scalar, scalar, scalar}, want: []int{1, 4}},
		{name: "maxpool u8", op: "MaxPool", attrs: Attrs{"kernel_shape": Is(2, 2), "strides": Is(2, 2)}, ins: []any{u8(1, 2, 4, 4)}, want: []int{1, 2, 2, 2}, dt: Uint8},
		{name: "avgpool u8", op: "AveragePool", attrs: Attrs{"kernel_shape": Is(2, 2)}, ins: []any{u8(1, 2, 4, 4)}, err: ErrInvalid},
	})
}
