package graph

import (
	"errors"
	"fmt"
)

// fmtErr formats an error wrapping base (a plain error when base is nil).
func fmtErr(base error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if base == nil {
		return errors.New(msg)
	}
	return fmt.Errorf("%w: %s", base, msg)
}

func floatUnary(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	if err := wantType(n, 0, Float32); err != nil {
		return err
	}
	return setOut(n, 0, Float32, n.Inputs[0].Shape)
}

func anyUnary(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	return setOut(n, 0, n.Inputs[0].DType, n.Inputs[0].Shape)
}

// inferClip: X, min (optional scalar), max (optional scalar).
func inferClip(n *Node) error {
	if err := arity(n, 1, 3, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	x := n.Inputs[0]
	for i := 1; i < 3; i++ {
		if v := n.Input(i); v != nil {
			if v.DType != x.DType || NumElements(v.Shape) != 1 {
				return n.Errorf("input %d (%s) must be a %v scalar", i, v, x.DType)
			}
		}
	}
	return setOut(n, 0, x.DType, x.Shape)
}

// inferDropout: data, ratio, training_mode; outputs output and mask (int64
// 0/1, as BOOL is carried).
func inferDropout(n *Node) error {
	if err := arity(n, 1, 3, 2); err != nil {
		return err
	}
	x := n.Inputs[0]
	if err := setOut(n, 0, x.DType, x.Shape); err != nil {
		return err
	}
	return setOut(n, 1, Int64, x.Shape)
}

// ONNX TensorProto element types, as Cast's "to" and Constant tensors name
// them.
const (
	TypeFloat    = 1
	TypeUint8    = 2
	TypeInt8     = 3
	TypeInt16    = 5
	TypeInt32    = 6
	TypeInt64    = 7
	TypeBool     = 9
	TypeFloat16  = 10
	TypeDouble   = 11
	TypeBFloat16 = 16
)

// CastType returns the IR type a Cast to the ONNX element type to produces:
// Float32 for FLOAT and DOUBLE (computed in float32), Int64 for the integer
// types and BOOL (the value range of the narrower ones is applied by the
// cast). FLOAT16 and BFLOAT16 are unsupported: their rounding would be
// lost.
func CastType(to int64) (DType, error) {
	switch to {
	case TypeFloat, TypeDouble:
		return Float32, nil
	case TypeInt64, TypeInt32, TypeInt16, TypeInt8, TypeUint8, TypeBool:
		return Int64, nil
	}
	name := map[int64]string{TypeFloat16: "FLOAT16", TypeBFloat16: "BFLOAT16", 4: "UINT16", 8: "STRING",
		12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128"}[to]
	if name != "" {
		name = " (" + name + ")"
	}
	return Undefined, fmtErr(ErrUnsupported, "cast to ONNX type %d%s (supported: FLOAT, DOUBLE, INT64, INT32, INT16, INT8, UINT8, BOOL)", to, name)
}

func inferCast(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	to, err := n.Int("to", 0)
	if err != nil {
		return err
	}
	dt, err := CastType(to)
	if err != nil {
		return n.Unsupportedf("%v", err)
	}
	return setOut(n, 0, dt, n.Inputs[0].Shape)
}

func inferBinary(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	a, b := n.Inputs[0], n.Inputs[1]
	if err := numeric(n, 0); err != nil {
		return err
	}
	if a.DType != b.DType {
		return n.Errorf("inputs are %v and %v, want one type", a.DType, b.DType)
	}
	s, err := broadcastInputs(n, n.Inputs)
	if err != nil {
		return err
	}
	return setOut(n, 0, a.DType, s)
}

// inferPow: the result has the base's type; the exponent may be either.
func inferPow(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	if err := numeric(n, 1); err != nil {
		return err
	}
	s, err := broadcastInputs(n, n.Inputs)
	if err != nil {
		return err
	}
	return setOut(n, 0, n.Inputs[0].DType, s)
}

// inferVariadic: Min and Max of one or more inputs of one type.
func inferVariadic(n *Node) error {
	if err := arity(n, max(1, len(n.Inputs)), len(n.Inputs), 1); err != nil {
		return err
	}
	for i, v := range n.Inputs {
		if err := numeric(n, i); err != nil {
			return err
		}
		if v.DType != n.Inputs[0].DType {
			return n.Errorf("inputs are %v and %v, want one type", n.Inputs[0].DType, v.DType)
		}
	}
	s, err := broadcastInputs(n, n.Inputs)
	if err != nil {
		return err
	}
	return setOut(n, 0, n.Inputs[0].DType, s)
}

// inferEqual: the BOOL result is carried as Int64 0/1.
func inferEqual(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	if n.Inputs[0].DType != n.Inputs[1].DType {
		return n.Errorf("inputs are %v and %v, want one type", n.Inputs[0].DType, n.Inputs[1].DType)
	}
	s, err := broadcastInputs(n, n.Inputs)
	if err != nil {
		return err
	}
	return setOut(n, 0, Int64, s)
}

// inferWhere: condition (Int64 0/1), X, Y.
func inferWhere(n *Node) error {
	if err := arity(n, 3, 3, 1); err != nil {
		return err
	}
	if err := wantType(n, 0, Int64); err != nil {
		return err
	}
	if err := numeric(n, 1); err != nil {
		return err
	}
	if n.Inputs[1].DType != n.Inputs[2].DType {
		return n.Errorf("X and Y are %v and %v, want one type", n.Inputs[1].DType, n.Inputs[2].DType)
	}
	s, err := broadcastInputs(n, n.Inputs)
	if err != nil {
		return err
	}
	return setOut(n, 0, n.Inputs[1].DType, s)
}

// inferBatchNorm: X, scale, B, mean, var, each of the four [C]; inference
// form only (one output).
func inferBatchNorm(n *Node) error {
	if len(n.Outputs) > 1 {
		return n.Unsupportedf("training outputs (supported: one output, inference mode)")
	}
	if err := arity(n, 5, 5, 1); err != nil {
		return err
	}
	return perChannel(n, 4)
}

// inferScaleShift: X, scale [C], shift [C].
func inferScaleShift(n *Node) error {
	if err := arity(n, 3, 3, 1); err != nil {
		return err
	}
	return perChannel(n, 2)
}

// perChannel checks X (float32, rank >= 2) and k float32 [C] inputs after
// it, and gives the output X's shape.
func perChannel(n *Node, k int) error {
	x := n.Inputs[0]
	if err := wantType(n, 0, Float32); err != nil {
		return err
	}
	if len(x.Shape) < 2 {
		return n.Errorf("input %s has rank %d, want >= 2 (N, C, ...)", x, len(x.Shape))
	}
	for i := 1; i <= k; i++ {
		v := n.Inputs[i]
		if err := wantType(n, i, Float32); err != nil {
			return err
		}
		if len(v.Shape) != 1 || v.Shape[0] != x.Shape[1] {
			return n.Errorf("input %d (%s) has shape %v, want [%d]", i, v, v.Shape, x.Shape[1])
		}
	}
	return setOut(n, 0, Float32, x.Shape)
}

func inferSoftmax(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	if err := wantType(n, 0, Float32); err != nil {
		return err
	}
	x := n.Inputs[0]
	axis, err := n.Int("axis", -1)
	if err != nil {
		return err
	}
	if _, err := normAxis(n, axis, len(x.Shape)); err != nil {
		return err
	}
	return setOut(n, 0, Float32, x.Shape)
}
