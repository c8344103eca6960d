package onnx

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
)

// DataType is TensorProto.DataType.
type DataType int32

// Tensor element types (TensorProto.DataType).
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = map[DataType]string{
	Undefined: "UNDEFINED", Float: "FLOAT", Uint8: "UINT8", Int8: "INT8",
	Uint16: "UINT16", Int16: "INT16", Int32: "INT32", Int64: "INT64",
	String: "STRING", Bool: "BOOL", Float16: "FLOAT16", Double: "DOUBLE",
	Uint32: "UINT32", Uint64: "UINT64", Complex64: "COMPLEX64",
	Complex128: "COMPLEX128", BFloat16: "BFLOAT16",
}

// String returns the ONNX name of the type, e.g. "FLOAT".
func (d DataType) String() string {
	if s, ok := dataTypeNames[d]; ok {
		return s
	}
	return "DataType(" + strconv.Itoa(int(d)) + ")"
}

// Size returns the size in bytes of one element in raw_data, or 0 for types
// without a fixed size (STRING, UNDEFINED, unknown).
func (d DataType) Size() int {
	switch d {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Double, Uint64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// Tensor is a TensorProto. Its data has been checked against Dims and
// DataType when the model was parsed; read it with Float32s or Int64s.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType DataType
	// External is true when the data lives in an external file
	// (data_location EXTERNAL).
	External bool

	n    int64  // element count, the product of Dims
	raw  []byte // raw_data, or the external bytes once resolved
	src  dataSource
	f32  []float32
	i64  []int64
	f64  []float64
	u64  []uint64
	ext  externalRef
	seen uint32 // bit set of data fields present, for validation
}

type dataSource uint8

const (
	srcNone dataSource = iota
	srcRaw
	srcFloat
	srcInt32
	srcInt64
	srcDouble
	srcUint64
	srcString
	srcExternal
)

// externalRef is the decoded external_data key/value list.
type externalRef struct {
	location       string
	offset, length int64
	hasLength      bool
}

// Len returns the number of elements (the product of Dims).
func (t *Tensor) Len() int { return int(t.n) }

// Float32s returns the tensor's elements converted to float32, in a new
// slice. FLOAT, DOUBLE, FLOAT16 and BFLOAT16 tensors are supported.
func (t *Tensor) Float32s() (out []float32, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guardFault(&err)
	if err := t.checkRaw(); err != nil {
		return nil, err
	}
	out = make([]float32, t.n)
	switch {
	case t.src == srcRaw || t.src == srcExternal:
		if err := rawToFloat32(out, t.raw, t.DataType); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
	case t.src == srcFloat && t.DataType == Float:
		copy(out, t.f32)
	case t.src == srcDouble && t.DataType == Double:
		for i, v := range t.f64 {
			out[i] = float32(v)
		}
	case t.src == srcInt32 && (t.DataType == Float16 || t.DataType == BFloat16):
		for i, v := range t.i64 {
			out[i] = halfToFloat32(uint16(v), t.DataType)
		}
	case t.src == srcNone && t.n == 0:
	default:
		return nil, fmt.Errorf("tensor %q: cannot read %s data as float32", t.Name, t.DataType)
	}
	return out, nil
}

// Int64s returns the elements of an integer tensor (INT64, INT32, INT16,
// INT8, UINT8, UINT16, UINT32, BOOL) as int64 values in a new slice.
func (t *Tensor) Int64s() (out []int64, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guardFault(&err)
	if err := t.checkRaw(); err != nil {
		return nil, err
	}
	out = make([]int64, t.n)
	switch t.src {
	case srcRaw, srcExternal:
		if err := rawToInt64(out, t.raw, t.DataType); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		return out, nil
	case srcInt32, srcInt64:
		if t.DataType == Float16 || t.DataType == BFloat16 {
			break
		}
		copy(out, t.i64)
		return out, nil
	case srcUint64:
		for i, v := range t.u64 {
			out[i] = int64(v)
		}
		return out, nil
	case srcNone:
		if t.n == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("tensor %q: cannot read %s data as int64", t.Name, t.DataType)
}

// checkRaw verifies raw or external bytes cover the tensor (external data
// of a model that was closed does not).
func (t *Tensor) checkRaw() error {
	if t.src != srcRaw && t.src != srcExternal {
		return nil
	}
	if int64(len(t.raw)) != t.n*int64(t.DataType.Size()) {
		return fmt.Errorf("tensor %q: %d data bytes for %d elements of %s (model closed?)", t.Name, len(t.raw), t.n, t.DataType)
	}
	return nil
}

func rawToFloat32(dst []float32, raw []byte, dt DataType) error {
	switch dt {
	case Float:
		for i := range dst {
			dst[i] = math.Float32frombits(le32(raw[4*i:]))
		}
	case Double:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le64(raw[8*i:])))
		}
	case Float16, BFloat16:
		for i := range dst {
			dst[i] = halfToFloat32(uint16(raw[2*i])|uint16(raw[2*i+1])<<8, dt)
		}
	default:
		return fmt.Errorf("cannot read %s data as float32", dt)
	}
	return nil
}

func rawToInt64(dst []int64, raw []byte, dt DataType) error {
	for i := range dst {
		switch dt {
		case Int64:
			dst[i] = int64(le64(raw[8*i:]))
		case Int32:
			dst[i] = int64(int32(le32(raw[4*i:])))
		case Uint32:
			dst[i] = int64(le32(raw[4*i:]))
		case Int16:
			dst[i] = int64(int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8))
		case Uint16:
			dst[i] = int64(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
		case Int8:
			dst[i] = int64(int8(raw[i]))
		case Uint8, Bool:
			dst[i] = int64(raw[i])
		default:
			return fmt.Errorf("cannot read %s data as int64", dt)
		}
	}
	return nil
}

// halfToFloat32 converts IEEE binary16 (Float16) or bfloat16 bits.
func halfToFloat32(h uint16, dt DataType) float32 {
	if dt == BFloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = frac * 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}
