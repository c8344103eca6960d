package graph

import (
	"fmt"
	"math"
	"slices"
)

// DType is the element type of a value.
type DType uint8

// Element types. Float32 carries activations and weights; Int64 shapes,
// indices and axes; the 8-bit and int32 types quantized tensors. Importers
// convert FLOAT16, BFLOAT16 and DOUBLE constants to Float32, INT32 shape
// constants to Int64, and BOOL to Int64 0/1.
const (
	Undefined DType = iota
	Float32
	Int64
	Uint8
	Int8
	Int32
)

var dtypeNames = [...]string{"undefined", "float32", "int64", "uint8", "int8", "int32"}

// String returns the type's name, e.g. "float32".
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", d)
}

// Tensor is the data of a constant. Small constants (shapes, axes, folded
// results) hold their elements; weights may instead hold a Loader, so that
// the data stays in the model file until the executor packs it and is
// garbage again right after: a compile then peaks near one layer's weights.
type Tensor struct {
	DType DType
	Shape []int
	// F32 holds Float32 data, I64 Int64 data, I8 the 8-bit types (uint8 as
	// its bit pattern), I32 Int32 data; nil when Load supplies it.
	F32 []float32
	I64 []int64
	I8  []int8
	I32 []int32
	// Load, when the data fields are nil, returns a fresh tensor holding the
	// data (never retained by the constant). It may be called more than once.
	Load func() (*Tensor, error)
}

// Len is the number of elements the shape describes (1 for a scalar).
func (t *Tensor) Len() int { return NumElements(t.Shape) }

// NumElements is the product of dims (1 for none). It saturates at
// math.MaxInt instead of overflowing; callers check sizes against their
// limits before allocating.
func NumElements(dims []int) int {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/d {
			return math.MaxInt
		}
		n *= d
	}
	return n
}

// loaded returns t itself when it holds its data, else what Load returns,
// checked against t's type and length.
func (t *Tensor) loaded() (*Tensor, error) {
	if t.F32 != nil || t.I64 != nil || t.I8 != nil || t.I32 != nil || t.Load == nil {
		return t, nil
	}
	d, err := t.Load()
	if err != nil {
		return nil, err
	}
	if d == nil || d.DType != t.DType {
		return nil, fmt.Errorf("%w: constant loader returned another type", ErrInvalid)
	}
	return d, nil
}

// Float32s returns the elements of a Float32 tensor, loading them if
// needed. The slice may be the tensor's own: do not modify it.
func (t *Tensor) Float32s() ([]float32, error) {
	if t.DType != Float32 {
		return nil, fmt.Errorf("%w: %v constant where float32 is needed", ErrInvalid, t.DType)
	}
	d, err := t.loaded()
	if err != nil {
		return nil, err
	}
	if len(d.F32) != t.Len() {
		return nil, fmt.Errorf("%w: constant of shape %v holds %d floats", ErrInvalid, t.Shape, len(d.F32))
	}
	return d.F32, nil
}

// Int64s returns the elements of an Int64 tensor. The slice may be the
// tensor's own: do not modify it.
func (t *Tensor) Int64s() ([]int64, error) {
	if t.DType != Int64 {
		return nil, fmt.Errorf("%w: %v constant where int64 is needed", ErrInvalid, t.DType)
	}
	d, err := t.loaded()
	if err != nil {
		return nil, err
	}
	if len(d.I64) != t.Len() {
		return nil, fmt.Errorf("%w: constant of shape %v holds %d ints", ErrInvalid, t.Shape, len(d.I64))
	}
	return d.I64, nil
}

// Floats returns a Float32 tensor of the given shape holding data.
func Floats(shape []int, data []float32) *Tensor {
	return &Tensor{DType: Float32, Shape: slices.Clone(shape), F32: data}
}

// Ints returns an Int64 tensor of the given shape holding data.
func Ints(shape []int, data []int64) *Tensor {
	return &Tensor{DType: Int64, Shape: slices.Clone(shape), I64: data}
}

// Lazy returns a Float32 tensor of the given shape whose data load calls
// for on demand.
func Lazy(shape []int, load func() ([]float32, error)) *Tensor {
	t := &Tensor{DType: Float32, Shape: slices.Clone(shape)}
	t.Load = func() (*Tensor, error) {
		d, err := load()
		if err != nil {
			return nil, err
		}
		return &Tensor{DType: Float32, Shape: t.Shape, F32: d}, nil
	}
	return t
}

// Int8s returns the elements of a Uint8 or Int8 tensor (uint8 as its bit
// pattern). The slice may be the tensor's own: do not modify it.
func (t *Tensor) Int8s() ([]int8, error) {
	if t.DType != Uint8 && t.DType != Int8 {
		return nil, fmt.Errorf("%w: %v constant where an 8-bit type is needed", ErrInvalid, t.DType)
	}
	d, err := t.loaded()
	if err != nil {
		return nil, err
	}
	if len(d.I8) != t.Len() {
		return nil, fmt.Errorf("%w: constant of shape %v holds %d bytes", ErrInvalid, t.Shape, len(d.I8))
	}
	return d.I8, nil
}

// Int32s returns the elements of an Int32 tensor. The slice may be the
// tensor's own: do not modify it.
func (t *Tensor) Int32s() ([]int32, error) {
	if t.DType != Int32 {
		return nil, fmt.Errorf("%w: %v constant where int32 is needed", ErrInvalid, t.DType)
	}
	d, err := t.loaded()
	if err != nil {
		return nil, err
	}
	if len(d.I32) != t.Len() {
		return nil, fmt.Errorf("%w: constant of shape %v holds %d ints", ErrInvalid, t.Shape, len(d.I32))
	}
	return d.I32, nil
}

// Quant returns a Uint8 or Int8 tensor of the given shape holding the
// values v (which must fit the type).
func Quant(dt DType, shape []int, v []int) *Tensor {
	d := make([]int8, len(v))
	for i, x := range v {
		d[i] = int8(x)
	}
	return &Tensor{DType: dt, Shape: slices.Clone(shape), I8: d}
}
