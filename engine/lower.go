package engine

import (
	"github.com/gorn-ml/gorn/graph"
	"slices"
)

// lower plans node n.
func (b *builder) lower(n *graph.Node) error {
	switch n.Op {
	case graph.OpConv, "Conv":
		return b.conv(n)
	case graph.OpScaleShift:
		return b.scaleShift(n)
	case "BatchNormalization":
		return b.batchNorm(n)
	case "MaxPool", "AveragePool":
		return b.pool(n)
	case "GlobalAveragePool", "GlobalMaxPool":
		return b.globalPool(n, n.Op == "GlobalMaxPool")
	case "ReduceMean", "ReduceMax":
		return b.reduce(n)
	case "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh":
		return b.unary(n)
	case "Add", "Sub", "Mul", "Div":
		return b.binary(n)
	case "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast":
		return b.reshape(n)
	case "Transpose":
		return b.transpose(n)
	case "Gemm", "MatMul":
		return b.gemm(n)
	case "Softmax", "LogSoftmax":
		return b.softmax(n)
	case "Concat":
		return b.concat(n)
	case "Slice":
		return b.slice(n)
	case "Pad":
		return b.pad(n)
	case graph.OpQDQ:
		return b.qdq(n)
	case graph.OpQConv:
		return b.qconv(n)
	case "QuantizeLinear":
		return b.quantize(n)
	case "DequantizeLinear":
		return b.dequantize(n)
	case "QLinearGlobalAveragePool":
		return b.qglobalAvg(n)
	}
	return n.Unsupportedf("operator %s (supported: gorn.Conv, Conv, gorn.ScaleShift, BatchNormalization, "+
		"MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean, ReduceMax, Relu, LeakyRelu, Clip, "+
		"Sigmoid, HardSigmoid, HardSwish, Tanh, Add, Sub, Mul, Div, Flatten, Reshape, Squeeze, Unsqueeze, "+
		"Identity, Dropout, Cast, Transpose, Gemm, MatMul, Softmax, LogSoftmax, Concat, Slice, Pad, gorn.QDQ, gorn.QConv, QuantizeLinear, DequantizeLinear, QLinearGlobalAveragePool)", n.Op)
}

// ints converts attribute values to ints, refusing those out of range.
func ints(n *graph.Node, name string, v []int64, lo int64) ([]int, error) {
	out := make([]int, len(v))
	for i, x := range v {
		if x < lo || x > 1<<30 {
			return nil, n.Unsupportedf("%s %v", name, v)
		}
		out[i] = int(x)
	}
	return out, nil
}

// intsAttr returns attribute name as ints of length want (def when absent).
func intsAttr(n *graph.Node, name string, def []int64, want int, lo int64) ([]int, error) {
	v, err := n.Ints(name, def)
	if err != nil {
		return nil, err
	}
	if len(v) != want {
		return nil, n.Unsupportedf("%s %v: want %d values", name, v, want)
	}
	return ints(n, name, v, lo)
}

// constInts returns input i of n, an int64 constant, or nil when absent.
func constInts(n *graph.Node, i int) ([]int64, error) {
	if n.Input(i) == nil {
		return nil, nil
	}
	t, err := n.ConstInput(i)
	if err != nil {
		return nil, err
	}
	v, err := t.Int64s()
	if err != nil {
		return nil, n.Unsupportedf("input %d: %v", i, err)
	}
	return v, nil
}

// axis normalises a possibly negative axis of a rank-r tensor.
func axis(n *graph.Node, a int64, r int) (int, error) {
	if a < 0 {
		a += int64(r)
	}
	if a < 0 || a >= int64(r) {
		return 0, n.Unsupportedf("axis %d for rank %d", a, r)
	}
	return int(a), nil
}

// checkOut fails unless n's output 0 has shape want (the shapes the
// operator's attributes give and the graph's must agree).
func checkOut(n *graph.Node, want []int) error {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return n.Errorf("has no output")
	}
	if got := n.Outputs[0].Shape; !slices.Equal(got, want) {
		return n.Errorf("output shape %v, but its inputs and attributes give %v", got, want)
	}
	return nil
}
