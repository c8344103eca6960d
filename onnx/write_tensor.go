package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// tensor encodes a TensorProto with its data in the field it came from.
func (w *writer) tensor(b []byte, t *Tensor) ([]byte, error) {
	if len(t.Dims) > 0 {
		b = appendPackedVarints(b, 1, t.Dims)
	}
	if t.DataType != Undefined {
		b = appendVarint(b, 2, int64(t.DataType))
	}
	if t.Name != "" {
		b = appendString(b, 8, t.Name)
	}
	if err := t.checkRaw(); err != nil {
		return nil, err
	}
	start := len(b)
	switch t.src {
	case srcRaw, srcExternal:
		b = protowire.AppendTag(b, 9, protowire.BytesType)
		b = protowire.AppendBytes(b, t.raw)
	case srcFloat:
		b = appendPackedFloat32s(b, 4, t.f32)
	case srcInt32:
		b = appendPackedVarints(b, 5, t.i64)
	case srcInt64:
		b = appendPackedVarints(b, 7, t.i64)
	case srcDouble:
		b = appendPackedFloat64s(b, 10, t.f64)
	case srcUint64:
		b = appendPackedVarints(b, 11, t.u64)
	case srcString:
		if t.n > 0 {
			return nil, fmt.Errorf("tensor %q: STRING data cannot be written", t.Name)
		}
	}
	w.size += len(b) - start
	if w.size > maxWriteBytes {
		return nil, fmt.Errorf("tensor data exceeds protobuf's 2 GiB")
	}
	return b, nil
}

// NewTensor returns a tensor called name of type dt and shape dims whose
// data is raw: the elements in row-major order, little-endian, as ONNX's
// raw_data holds them. The tensor refers to raw (no copy). It is an error
// when dt has no fixed size (STRING, UNDEFINED), a dimension is negative,
// or raw does not hold exactly the product of dims elements.
func NewTensor(name string, dt DataType, dims []int64, raw []byte) (Tensor, error) {
	size := int64(dt.Size())
	if size == 0 {
		return Tensor{}, fmt.Errorf("onnx: tensor %q: data type %s has no fixed size", name, dt)
	}
	n := int64(1)
	for _, d := range dims {
		if d < 0 || d > 0 && n > math.MaxInt64/size/d {
			return Tensor{}, fmt.Errorf("onnx: tensor %q: bad dims %v", name, dims)
		}
		n *= d
	}
	if int64(len(raw)) != n*size {
		return Tensor{}, fmt.Errorf("onnx: tensor %q: %d bytes for dims %v of %s, want %d",
			name, len(raw), dims, dt, n*size)
	}
	t := Tensor{Name: name, Dims: append([]int64(nil), dims...), DataType: dt, n: n, raw: raw, src: srcRaw}
	t.seen = 1 << 9
	return t, nil
}

// NewFloat32Tensor returns a FLOAT tensor holding a copy of vals (see
// NewTensor).
func NewFloat32Tensor(name string, dims []int64, vals []float32) (Tensor, error) {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return NewTensor(name, Float, dims, raw)
}

// NewInt8Tensor returns an INT8 tensor holding a copy of vals.
func NewInt8Tensor(name string, dims []int64, vals []int8) (Tensor, error) {
	raw := make([]byte, len(vals))
	for i, v := range vals {
		raw[i] = byte(v)
	}
	return NewTensor(name, Int8, dims, raw)
}

// NewUint8Tensor returns a UINT8 tensor holding a copy of vals.
func NewUint8Tensor(name string, dims []int64, vals []uint8) (Tensor, error) {
	return NewTensor(name, Uint8, dims, append([]byte(nil), vals...))
}

// NewInt32Tensor returns an INT32 tensor holding a copy of vals.
func NewInt32Tensor(name string, dims []int64, vals []int32) (Tensor, error) {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
	}
	return NewTensor(name, Int32, dims, raw)
}

// NewInt64Tensor returns an INT64 tensor holding a copy of vals.
func NewInt64Tensor(name string, dims []int64, vals []int64) (Tensor, error) {
	raw := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return NewTensor(name, Int64, dims, raw)
}
