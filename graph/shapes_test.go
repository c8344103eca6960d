package graph

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

type shapeCase struct {
	name  string
	op    string
	attrs Attrs
	ins   []any
	nout  int
	want  []int // output 0's shape
	dt    DType // output 0's type (0: Float32)
	err   error // ErrInvalid or ErrUnsupported
}

func runShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nout := max(c.nout, 1)
			g, n := one(t, c.op, c.attrs, nout, c.ins...)
			err := InferShapes(g)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				if !strings.Contains(err.Error(), `node "n"`) && !strings.Contains(err.Error(), "graph input") {
					t.Errorf("error %q does not name the node", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := n.Outputs[0]
			if !slices.Equal(o.Shape, c.want) || o.Shape == nil {
				t.Errorf("shape %v, want %v", o.Shape, c.want)
			}
			dt := c.dt
			if dt == 0 {
				dt = Float32
			}
			if o.DType != dt {
				t.Errorf("dtype %v, want %v", o.DType, dt)
			}
		})
	}
}

func TestInferConv(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{name: "stem", op: "Conv", attrs: Attrs{"strides": Is(2, 2), "pads": Is(3, 3, 3, 3), "kernel_shape": Is(7, 7)},
			ins: []any{[]int{1, 3, 224, 224}, fz(64, 3, 7, 7)}, want: []int{1, 64, 112, 112}},
		{name: "bias", op: "Conv", ins: []any{[]int{1, 3, 8, 8}, fz(4, 3, 1, 1), fz(4)}, want: []int{1, 4, 8, 8}},
		{name: "asymmetric pads", op: "Conv", attrs: Attrs{"pads": Is(0, 1, 2, 3)},
			ins: []any{[]int{1, 1, 5, 5}, fz(2, 1, 3, 3)}, want: []int{1, 2, 5, 7}},
		{name: "dilation 2", op: "Conv", attrs: Attrs{"pads": Is(2, 2, 2, 2), "dilations": Is(2, 2)},
			ins: []any{[]int{1, 8, 14, 14}, fz(8, 8, 3, 3)}, want: []int{1, 8, 14, 14}},
		{name: "dilation 4 stride 2", op: "Conv", attrs: Attrs{"dilations": Is(4, 4), "strides": Is(2, 2)},
			ins: []any{[]int{1, 2, 20, 21}, fz(3, 2, 3, 3)}, want: []int{1, 3, 6, 7}},
		{name: "depthwise", op: "Conv", attrs: Attrs{"group": I(32), "pads": Is(1, 1, 1, 1)},
			ins: []any{[]int{1, 32, 10, 10}, fz(32, 1, 3, 3)}, want: []int{1, 32, 10, 10}},
		{name: "grouped", op: "Conv", attrs: Attrs{"group": I(4)},
			ins: []any{[]int{1, 8, 5, 5}, fz(12, 2, 3, 3)}, want: []int{1, 12, 3, 3}},
		{name: "valid", op: "Conv", attrs: Attrs{"auto_pad": S("VALID"), "strides": Is(2, 2)},
			ins: []any{[]int{1, 1, 7, 7}, fz(1, 1, 3, 3)}, want: []int{1, 1, 3, 3}},
		{name: "1-D", op: "Conv", ins: []any{[]int{1, 2, 9}, fz(3, 2, 3)}, want: []int{1, 3, 7}},
		{name: "group does not divide", op: "Conv", attrs: Attrs{"group": I(3)},
			ins: []any{[]int{1, 8, 5, 5}, fz(12, 2, 3, 3)}, err: ErrInvalid},
		{name: "weight channels", op: "Conv", ins: []any{[]int{1, 8, 5, 5}, fz(12, 4, 3, 3)}, err: ErrInvalid},
		{name: "kernel too large", op: "Conv", ins: []any{[]int{1, 1, 2, 2}, fz(1, 1, 3, 3)}, err: ErrInvalid},
		{name: "bias shape", op: "Conv", ins: []any{[]int{1, 3, 8, 8}, fz(4, 3, 1, 1), fz(5)}, err: ErrInvalid},
		{name: "kernel_shape mismatch", op: "Conv", attrs: Attrs{"kernel_shape": Is(5, 5)},
			ins: []any{[]int{1, 3, 8, 8}, fz(4, 3, 3, 3)}, err: ErrInvalid},
		{name: "hostile pads", op: "Conv", attrs: Attrs{"pads": Is(1<<40, 0, 0, 0)},
			ins: []any{[]int{1, 1, 5, 5}, fz(1, 1, 3, 3)}, err: ErrInvalid},
		{name: "hostile stride", op: "Conv", attrs: Attrs{"strides": Is(0, 1)},
			ins: []any{[]int{1, 1, 5, 5}, fz(1, 1, 3, 3)}, err: ErrInvalid},
		{name: "bad auto_pad", op: "Conv", attrs: Attrs{"auto_pad": S("SAME")},
			ins: []any{[]int{1, 1, 5, 5}, fz(1, 1, 3, 3)}, err: ErrUnsupported},
		{name: "fused residual", op: OpConv, attrs: Attrs{"pads": Is(1, 1, 1, 1), "activation": S("relu")},
			ins: []any{[]int{1, 4, 6, 6}, fz(4, 4, 3, 3), nil, []int{1, 4, 6, 6}}, want: []int{1, 4, 6, 6}},
		{name: "fused residual shape", op: OpConv,
			ins: []any{[]int{1, 4, 6, 6}, fz(4, 4, 3, 3), nil, []int{1, 4, 6, 6}}, err: ErrInvalid},
	})
}

// TestInferAutoPad checks the SAME_UPPER/SAME_LOWER arithmetic: output
// ceil(in/stride), total padding (out-1)*stride + (k-1)*d + 1 - in, the odd
// pixel at the end (UPPER) or the beginning (LOWER); auto_pad is replaced
// by explicit pads.
func TestInferAutoPad(t *testing.T) {
	cases := []struct {
		auto           string
		in, k, s, d    int
		out            int
		pads           []int64
		op             string
		ceil           bool
		kernelAttrOnly bool
	}{
		{"SAME_UPPER", 6, 3, 2, 1, 3, []int64{0, 0, 1, 1}, "Conv", false, false},
		{"SAME_LOWER", 6, 3, 2, 1, 3, []int64{1, 1, 0, 0}, "Conv", false, false},
		{"SAME_UPPER", 5, 3, 2, 1, 3, []int64{1, 1, 1, 1}, "Conv", false, false},
		{"SAME_UPPER", 7, 3, 1, 2, 7, []int64{2, 2, 2, 2}, "Conv", false, false},
		{"SAME_UPPER", 224, 7, 2, 1, 112, []int64{2, 2, 3, 3}, "Conv", false, false},
		{"SAME_LOWER", 224, 7, 2, 1, 112, []int64{3, 3, 2, 2}, "Conv", false, false},
		{"SAME_UPPER", 112, 3, 2, 1, 56, []int64{0, 0, 1, 1}, "MaxPool", false, true},
		{"SAME_UPPER", 7, 1, 4, 1, 2, []int64{0, 0, 0, 0}, "MaxPool", true, true},
		{"SAME_LOWER", 6, 4, 1, 1, 6, []int64{2, 2, 1, 1}, "AveragePool", true, true},
	}
	for _, c := range cases {
		attrs := Attrs{"auto_pad": S(c.auto), "strides": Is(int64(c.s), int64(c.s))}
		ins := []any{[]int{1, 2, c.in, c.in}}
		if c.op == "Conv" {
			attrs["dilations"] = Is(int64(c.d), int64(c.d))
			ins = append(ins, fz(2, 2, c.k, c.k))
		} else {
			attrs["kernel_shape"] = Is(int64(c.k), int64(c.k))
		}
		if c.ceil {
			attrs["ceil_mode"] = I(1)
		}
		g, n := one(t, c.op, attrs, 1, ins...)
		if err := InferShapes(g); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if want := []int{1, 2, c.out, c.out}; !slices.Equal(n.Outputs[0].Shape, want) {
			t.Errorf("%+v: shape %v, want %v", c, n.Outputs[0].Shape, want)
		}
		if _, ok := n.Attrs["auto_pad"]; ok {
			t.Errorf("%+v: auto_pad kept", c)
		}
		if p, _ := n.Ints("pads", nil); !slices.Equal(p, c.pads) {
			t.Errorf("%+v: pads %v, want %v", c, p, c.pads)
		}
		// Inferring again from the explicit attributes gives the same shape.
		if err := InferShapes(g); err != nil || n.Outputs[0].Shape[2] != c.out {
			t.Errorf("%+v: second inference %v %v", c, n.Outputs[0].Shape, err)
		}
	}
}

func TestInferPool(t *testing.T) {
	k2s2 := Attrs{"kernel_shape": Is(2, 2), "strides": Is(2, 2)}
	ceil := func(a Attrs) Attrs { a = a.Clone(); a["ceil_mode"] = I(1); return a }
	runShapeCases(t, []shapeCase{
		{name: "resnet max", op: "MaxPool", attrs: Attrs{"kernel_shape": Is(3, 3), "strides": Is(2, 2), "pads": Is(1, 1, 1, 1)},
			ins: []any{[]int{1, 64, 112, 112}}, want: []int{1, 64, 56, 56}},
		{name: "ceil counts the partial window", op: "MaxPool", attrs: ceil(Attrs{"kernel_shape": Is(3, 3), "strides": Is(2, 2)}),
			ins: []any{[]int{1, 1, 112, 112}}, want: []int{1, 1, 56, 56}},
		{name: "ceil partial", op: "AveragePool", attrs: ceil(k2s2), ins: []any{[]int{1, 1, 7, 7}}, want: []int{1, 1, 4, 4}},
		{name: "floor partial", op: "AveragePool", attrs: k2s2, ins: []any{[]int{1, 1, 7, 7}}, want: []int{1, 1, 3, 3}},
		{name: "ceil drops a window in the end padding", op: "MaxPool",
			attrs: ceil(Attrs{"kernel_shape": Is(2, 2), "strides": Is(2, 2), "pads": Is(1, 1, 1, 1)}),
			ins:   []any{[]int{1, 1, 5, 5}}, want: []int{1, 1, 3, 3}},
		{name: "onnx averagepool_2d_ceil", op: "AveragePool", attrs: ceil(Attrs{"kernel_shape": Is(3, 3), "strides": Is(2, 2)}),
			ins: []any{[]int{1, 1, 4, 4}}, want: []int{1, 1, 2, 2}},
		{name: "dilated max", op: "MaxPool", attrs: Attrs{"kernel_shape": Is(2, 2), "dilations": Is(2, 2)},
			ins: []any{[]int{1, 1, 4, 4}}, want: []int{1, 1, 2, 2}},
		{name: "indices", op: "MaxPool", attrs: k2s2, nout: 2, ins: []any{[]int{1, 1, 4, 4}}, want: []int{1, 1, 2, 2}},
		{name: "no kernel", op: "MaxPool", ins: []any{[]int{1, 1, 4, 4}}, err: ErrInvalid},
		{name: "rank 2", op: "MaxPool", attrs: k2s2, ins: []any{[]int{1, 4}}, err: ErrInvalid},
		{name: "global avg", op: "GlobalAveragePool", ins: []any{[]int{1, 512, 7, 7}}, want: []int{1, 512, 1, 1}},
		{name: "global max", op: "GlobalMaxPool", ins: []any{[]int{1, 512, 7, 3}}, want: []int{1, 512, 1, 1}},
	})
	// pads normalised to explicit entries even when absent.
	g, n := one(t, "MaxPool", Attrs{"kernel_shape": Is(3, 3)}, 1, []int{1, 1, 5, 5})
	if err := InferShapes(g); err != nil {
		t.Fatal(err)
	}
	if p, _ := n.Ints("pads", nil); !slices.Equal(p, []int64{0, 0, 0, 0}) {
		t.Errorf("pads %v", p)
	}
	if s, _ := n.Ints("strides", nil); !slices.Equal(s, []int64{1, 1}) {
		t.Errorf("strides %v", s)
	}
}

func TestOutputSizeOverflowFree(t *testing.T) {
	if _, err := OutputSize(MaxElements, MaxElements, 1, MaxElements, MaxElements, MaxElements, true); err == nil {
		t.Error("a window larger than the input was accepted")
	}
	o, err := OutputSize(MaxElements, 1, 1, 1, MaxElements, MaxElements, false)
	if want := 3 * int64(MaxElements); want > math.MaxInt {
		if err == nil {
			t.Errorf("got %d, want an error where int has 32 bits", o)
		}
	} else if err != nil || int64(o) != want {
		t.Errorf("got %d, %v", o, err)
	}
}

func TestInferElementwise(t *testing.T) {
	x := []int{1, 64, 56, 56}
	runShapeCases(t, []shapeCase{
		{name: "relu", op: "Relu", ins: []any{x}, want: x},
		{name: "leaky", op: "LeakyRelu", attrs: Attrs{"alpha": F(0.1)}, ins: []any{x}, want: x},
		{name: "clip", op: "Clip", ins: []any{x, Floats(nil, []float32{0}), Floats([]int{}, []float32{6})}, want: x},
		{name: "clip bad max", op: "Clip", ins: []any{x, nil, fv(1, 2)}, err: ErrInvalid},
		{name: "hardswish", op: "HardSwish", ins: []any{x}, want: x},
		{name: "bn", op: "BatchNormalization", ins: []any{x, fz(64), fz(64), fz(64), fz(64)}, want: x},
		{name: "bn short", op: "BatchNormalization", ins: []any{x, fz(64), fz(64), fz(63), fz(64)}, err: ErrInvalid},
		{name: "bn training", op: "BatchNormalization", nout: 3, ins: []any{x, fz(64), fz(64), fz(64), fz(64)}, err: ErrUnsupported},
		{name: "scale shift", op: OpScaleShift, ins: []any{x, fz(64), fz(64)}, want: x},
		{name: "per channel", op: "Mul", ins: []any{x, fz(1, 64, 1, 1)}, want: x},
		{name: "trailing", op: "Add", ins: []any{[]int{1, 3, 4, 5}, fz(5)}, want: []int{1, 3, 4, 5}},
		{name: "scalar", op: "Div", ins: []any{x, Floats([]int{}, []float32{2})}, want: x},
		{name: "both ways", op: "Sub", ins: []any{[]int{2, 1}, fz(1, 3)}, want: []int{2, 3}},
		{name: "no broadcast", op: "Add", ins: []any{[]int{1, 3, 4}, fz(1, 2, 4)}, err: ErrInvalid},
		{name: "mixed types", op: "Add", ins: []any{[]int{1, 3}, iv(1, 2, 3)}, err: ErrInvalid},
		{name: "int add", op: "Add", ins: []any{iv(1, 2), iv(3)}, want: []int{2}, dt: Int64},
		{name: "equal", op: "Equal", ins: []any{iv(1, 2), iv(3)}, want: []int{2}, dt: Int64},
		{name: "where", op: "Where", ins: []any{iv(1, 0), iv(3), iv(4, 5)}, want: []int{2}, dt: Int64},
		{name: "max", op: "Max", ins: []any{iv(1, 2), iv(3), Ints([]int{1, 1}, []int64{0})}, want: []int{1, 2}, dt: Int64},
		{name: "pow", op: "Pow", ins: []any{x, iv(2)}, want: x},
		{name: "relu of int", op: "Relu", ins: []any{iv(1)}, err: ErrInvalid},
		{name: "neg int", op: "Neg", ins: []any{iv(1, 2)}, want: []int{2}, dt: Int64},
		{name: "cast", op: "Cast", attrs: Attrs{"to": I(TypeInt64)}, ins: []any{x}, want: x, dt: Int64},
		{name: "cast float16", op: "Cast", attrs: Attrs{"to": I(TypeFloat16)}, ins: []any{x}, err: ErrUnsupported},
		{name: "dropout", op: "Dropout", nout: 2, ins: []any{x}, want: x},
		{name: "identity", op: "Identity", ins: []any{iv(1, 2, 3)}, want: []int{3}, dt: Int64},
		{name: "softmax", op: "Softmax", ins: []any{[]int{1, 1000}}, want: []int{1, 1000}},
		{name: "softmax axis", op: "LogSoftmax", attrs: Attrs{"axis": I(2)}, ins: []any{[]int{1, 1000}}, err: ErrInvalid},
		{name: "unknown", op: "Gelu", ins: []any{x}, err: ErrUnsupported},
	})
}

func TestInferReduceAndMatrix(t *testing.T) {
	x := []int{1, 64, 7, 7}
	runShapeCases(t, []shapeCase{
		{name: "mean keep", op: "ReduceMean", ins: []any{x, iv(2, 3)}, want: []int{1, 64, 1, 1}},
		{name: "mean drop", op: "ReduceMean", attrs: Attrs{"keepdims": I(0)}, ins: []any{x, iv(-1, -2)}, want: []int{1, 64}},
		{name: "max all", op: "ReduceMax", ins: []any{x}, want: []int{1, 1, 1, 1}},
		{name: "noop", op: "ReduceMax", attrs: Attrs{"noop_with_empty_axes": I(1)}, ins: []any{x, iv()}, want: x},
		{name: "repeated", op: "ReduceMean", ins: []any{x, iv(2, -2)}, err: ErrInvalid},
		{name: "out of range", op: "ReduceMean", ins: []any{x, iv(4)}, err: ErrInvalid},
		{name: "axes not constant", op: "ReduceMean", ins: []any{x, []int{2}}, err: ErrUnsupported},
		{name: "gemm", op: "Gemm", attrs: Attrs{"transB": I(1)}, ins: []any{[]int{1, 512}, fz(1000, 512), fz(1000)}, want: []int{1, 1000}},
		{name: "gemm transA", op: "Gemm", attrs: Attrs{"transA": I(1)}, ins: []any{[]int{512, 1}, fz(512, 10)}, want: []int{1, 10}},
		{name: "gemm k", op: "Gemm", ins: []any{[]int{1, 512}, fz(1000, 512)}, err: ErrInvalid},
		{name: "gemm c", op: "Gemm", ins: []any{[]int{1, 4}, fz(4, 3), fz(2, 3)}, err: ErrInvalid},
		{name: "matmul", op: "MatMul", ins: []any{[]int{1, 512}, fz(512, 10)}, want: []int{1, 10}},
		{name: "matmul batch", op: "MatMul", ins: []any{[]int{2, 1, 3, 4}, fz(5, 4, 6)}, want: []int{2, 5, 3, 6}},
		{name: "matmul vec left", op: "MatMul", ins: []any{[]int{4}, fz(4, 6)}, want: []int{6}},
		{name: "matmul vec right", op: "MatMul", ins: []any{[]int{3, 4}, fz(4)}, want: []int{3}},
		{name: "matmul k", op: "MatMul", ins: []any{[]int{3, 4}, fz(5, 2)}, err: ErrInvalid},
	})
}

func TestInferShapeOps(t *testing.T) {
	x := []int{1, 512, 1, 1}
	big := int64(math.MaxInt64)
	runShapeCases(t, []shapeCase{
		{name: "flatten", op: "Flatten", ins: []any{x}, want: []int{1, 512}},
		{name: "flatten -1", op: "Flatten", attrs: Attrs{"axis": I(-1)}, ins: []any{[]int{2, 3, 4}}, want: []int{6, 4}},
		{name: "flatten 0", op: "Flatten", attrs: Attrs{"axis": I(0)}, ins: []any{[]int{2, 3, 4}}, want: []int{1, 24}},
		{name: "flatten 3", op: "Flatten", attrs: Attrs{"axis": I(3)}, ins: []any{[]int{2, 3, 4}}, want: []int{24, 1}},
		{name: "reshape 0 -1", op: "Reshape", ins: []any{x, iv(0, -1)}, want: []int{1, 512}},
		{name: "reshape -1", op: "Reshape", ins: []any{[]int{2, 3, 4}, iv(-1)}, want: []int{24}},
		{name: "reshape allowzero", op: "Reshape", attrs: Attrs{"allowzero": I(1)}, ins: []any{Ints([]int{0, 3}, nil), iv(3, 0)}, want: []int{3, 0}, dt: Int64},
		{name: "reshape two -1", op: "Reshape", ins: []any{x, iv(-1, -1)}, err: ErrInvalid},
		{name: "reshape size", op: "Reshape", ins: []any{x, iv(1, 500)}, err: ErrInvalid},
		{name: "reshape -1 with 0", op: "Reshape", attrs: Attrs{"allowzero": I(1)}, ins: []any{x, iv(0, -1)}, err: ErrInvalid},
		{name: "reshape not constant", op: "Reshape", ins: []any{x, []int{2}}, err: ErrUnsupported},
		{name: "squeeze axes", op: "Squeeze", ins: []any{x, iv(2, -1)}, want: []int{1, 512}},
		{name: "squeeze all", op: "Squeeze", ins: []any{x}, want: []int{512}},
		{name: "squeeze non-1", op: "Squeeze", ins: []any{x, iv(1)}, err: ErrInvalid},
		{name: "unsqueeze", op: "Unsqueeze", ins: []any{iv(1, 2, 3), iv(0, -1)}, want: []int{1, 3, 1}, dt: Int64},
		{name: "unsqueeze scalar", op: "Unsqueeze", ins: []any{is0(4), iv(0)}, want: []int{1}, dt: Int64},
		{name: "unsqueeze repeated", op: "Unsqueeze", ins: []any{iv(1), iv(0, -3)}, err: ErrInvalid},
		{name: "transpose", op: "Transpose", attrs: Attrs{"perm": Is(0, 2, 1)}, ins: []any{[]int{1, 2, 3}}, want: []int{1, 3, 2}},
		{name: "transpose default", op: "Transpose", ins: []any{[]int{1, 2, 3}}, want: []int{3, 2, 1}},
		{name: "transpose bad", op: "Transpose", attrs: Attrs{"perm": Is(0, 0, 1)}, ins: []any{[]int{1, 2, 3}}, err: ErrInvalid},
		{name: "concat", op: "Concat", attrs: Attrs{"axis": I(1)}, ins: []any{[]int{1, 2, 4, 4}, []int{1, 3, 4, 4}}, want: []int{1, 5, 4, 4}},
		{name: "concat -3", op: "Concat", attrs: Attrs{"axis": I(-3)}, ins: []any{[]int{1, 2, 4, 4}, fz(1, 3, 4, 4)}, want: []int{1, 5, 4, 4}},
		{name: "concat ints", op: "Concat", attrs: Attrs{"axis": I(0)}, ins: []any{iv(1), iv(-1, 2)}, want: []int{3}, dt: Int64},
		{name: "concat mismatch", op: "Concat", attrs: Attrs{"axis": I(1)}, ins: []any{[]int{1, 2, 4, 4}, []int{1, 3, 4, 5}}, err: ErrInvalid},
		{name: "concat no axis", op: "Concat", ins: []any{[]int{1, 2}}, err: ErrInvalid},
		{name: "slice step 2", op: "Slice", ins: []any{[]int{1, 16, 32, 32}, iv(0, 0), iv(big, big), iv(2, 3), iv(2, 2)}, want: []int{1, 16, 16, 16}},
		{name: "slice odd step 2", op: "Slice", ins: []any{[]int{1, 16, 31, 31}, iv(0), iv(big), iv(-1), iv(2)}, want: []int{1, 16, 31, 16}},
		{name: "slice reverse", op: "Slice", ins: []any{[]int{10}, iv(-1), iv(math.MinInt64), iv(0), iv(-1)}, want: []int{10}},
		{name: "slice step -3", op: "Slice", ins: []any{[]int{10}, iv(8), iv(1), nil, iv(-3)}, want: []int{3}},
		{name: "slice clamped", op: "Slice", ins: []any{[]int{1, 10}, iv(100), iv(200), iv(1)}, want: []int{1, 0}},
		{name: "slice huge step", op: "Slice", ins: []any{[]int{10}, iv(0), iv(big), iv(0), iv(big)}, want: []int{1}},
		{name: "slice min step", op: "Slice", ins: []any{[]int{10}, iv(big), iv(math.MinInt64), iv(0), iv(math.MinInt64)}, want: []int{1}},
		{name: "slice step 0", op: "Slice", ins: []any{[]int{10}, iv(0), iv(5), iv(0), iv(0)}, err: ErrInvalid},
		{name: "slice lengths", op: "Slice", ins: []any{[]int{10}, iv(0, 1), iv(5)}, err: ErrInvalid},
		{name: "slice not constant", op: "Slice", ins: []any{[]int{10}, []int{1}, iv(5)}, err: ErrUnsupported},
		{name: "pad channels", op: "Pad", ins: []any{[]int{1, 16, 16, 16}, iv(0, 8, 0, 0, 0, 8, 0, 0)}, want: []int{1, 32, 16, 16}},
		{name: "pad axes", op: "Pad", ins: []any{[]int{1, 16, 16, 16}, iv(8, 8), Floats([]int{}, []float32{0}), iv(-3)}, want: []int{1, 32, 16, 16}},
		{name: "pad negative", op: "Pad", ins: []any{[]int{1, 4, 8, 8}, iv(0, 0, -1, 0, 0, 0, -2, 1)}, want: []int{1, 4, 5, 9}},
		{name: "pad too negative", op: "Pad", ins: []any{[]int{1, 4, 8, 8}, iv(0, 0, -9, 0, 0, 0, 0, 0)}, err: ErrInvalid},
		{name: "pad count", op: "Pad", ins: []any{[]int{1, 4, 8, 8}, iv(0, 0)}, err: ErrInvalid},
		{name: "expand", op: "Expand", ins: []any{[]int{3, 1}, iv(2, 1, 6)}, want: []int{2, 3, 6}},
		{name: "expand bad", op: "Expand", ins: []any{[]int{3, 2}, iv(4)}, err: ErrInvalid},
		{name: "gather scalar", op: "Gather", ins: []any{iv(1, 3, 4), is0(0)}, want: []int{}, dt: Int64},
		{name: "gather axis", op: "Gather", attrs: Attrs{"axis": I(1)}, ins: []any{[]int{2, 3, 4}, Ints([]int{5, 6}, make([]int64, 30))}, want: []int{2, 5, 6, 4}},
		{name: "shape", op: "Shape", ins: []any{x}, want: []int{4}, dt: Int64},
		{name: "shape slice", op: "Shape", attrs: Attrs{"start": I(1), "end": I(-1)}, ins: []any{x}, want: []int{2}, dt: Int64},
		{name: "shape clamped", op: "Shape", attrs: Attrs{"start": I(-10), "end": I(10)}, ins: []any{x}, want: []int{4}, dt: Int64},
		{name: "size", op: "Size", ins: []any{x}, want: []int{}, dt: Int64},
		{name: "constant", op: "Constant", attrs: Attrs{"value_ints": Is(1, 2, 3)}, want: []int{3}, dt: Int64},
		{name: "constant tensor", op: "Constant", attrs: Attrs{"value": {Kind: AttrTensor, Tensor: fz(2, 2)}}, want: []int{2, 2}},
		{name: "constant two", op: "Constant", attrs: Attrs{"value_int": I(1), "value_float": F(1)}, err: ErrUnsupported},
		{name: "constant of shape", op: "ConstantOfShape", ins: []any{iv(2, 3, 4)}, want: []int{2, 3, 4}},
		{name: "constant of shape int", op: "ConstantOfShape", attrs: Attrs{"value": {Kind: AttrTensor, Tensor: iv(1)}}, ins: []any{iv(3)}, want: []int{3}, dt: Int64},
		{name: "constant of shape hostile", op: "ConstantOfShape", ins: []any{iv(1<<20, 1<<20, 1<<20)}, err: ErrUnsupported},
		{name: "constant of shape dim", op: "ConstantOfShape", ins: []any{iv(1 << 40)}, err: ErrUnsupported},
		{name: "constant of shape negative", op: "ConstantOfShape", ins: []any{iv(-1)}, err: ErrUnsupported},
		{name: "constant of shape not constant", op: "ConstantOfShape", ins: []any{[]int{3}}, err: ErrUnsupported},
		{name: "range", op: "Range", ins: []any{is0(0), is0(10), is0(3)}, want: []int{4}, dt: Int64},
		{name: "range down", op: "Range", ins: []any{is0(10), is0(0), is0(-3)}, want: []int{4}, dt: Int64},
		{name: "range empty", op: "Range", ins: []any{is0(10), is0(0), is0(3)}, want: []int{0}, dt: Int64},
		{name: "range float", op: "Range", ins: []any{Floats(nil, []float32{0}), Floats(nil, []float32{1}), Floats(nil, []float32{0.25})}, want: []int{4}},
		{name: "range delta 0", op: "Range", ins: []any{is0(0), is0(10), is0(0)}, err: ErrInvalid},
		{name: "range extreme", op: "Range", ins: []any{is0(math.MinInt64), is0(math.MaxInt64), is0(1)}, err: ErrUnsupported},
	})
}

func TestInferHostileInput(t *testing.T) {
	g := New()
	x, _ := g.AddInput("x", Float32, []int{1 << 20, 1 << 20})
	if _, err := g.AddNode("Relu", "r", []*Value{x}, []string{"y"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := InferShapes(g); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	// Unsqueeze past MaxRank.
	g, _ = one(t, "Unsqueeze", nil, 1, []int{1}, iv(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
	if err := InferShapes(g); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

// TestInferReadsConstantNodes: a shape input produced by a Constant node
// counts as constant.
func TestInferReadsConstantNodes(t *testing.T) {
	g := New()
	x, _ := g.AddInput("x", Float32, []int{1, 2, 3})
	c, err := g.AddNode("Constant", "k", nil, []string{"shape"}, Attrs{"value_ints": Is(1, -1)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.AddNode("Reshape", "n", []*Value{x, c.Outputs[0]}, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = r.Outputs
	if err := InferShapes(g); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Outputs[0].Shape, []int{1, 6}) {
		t.Errorf("shape %v", r.Outputs[0].Shape)
	}
	if err := Check(g); err != nil {
		t.Error(err)
	}
}
