package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field: its number, wire type and value.
// For BytesType, b holds the payload (a sub-slice of the input, never a
// copy); for the scalar wire types, x holds the value.
type field struct {
	num protowire.Number
	typ protowire.Type
	x   uint64
	b   []byte
}

// eachField calls fn for every field of the serialized message msg in order.
// Every length is checked against the remaining input by protowire, so no
// field can claim more bytes than msg holds. Groups (unused by ONNX) are
// rejected rather than skipped, which keeps decoding free of recursion.
func eachField(msg []byte, fn func(f field) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return wireErr(n)
		}
		msg = msg[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.x, n = protowire.ConsumeVarint(msg)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg)
			f.x = uint64(v)
		case protowire.Fixed64Type:
			f.x, n = protowire.ConsumeFixed64(msg)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(msg)
		default:
			return fmt.Errorf("field %d: unsupported wire type %d", num, typ)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, wireErr(n))
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func wireErr(n int) error { return protowire.ParseError(n) }

// want reports an error when f does not have wire type t.
func (f field) want(t protowire.Type) error {
	if f.typ != t {
		return fmt.Errorf("field %d: wire type %d, want %d", f.num, f.typ, t)
	}
	return nil
}

// int64v returns a varint field as an int64 (two's complement, as protobuf
// encodes int32 and int64).
func (f field) int64v() (int64, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.x), nil
}

// int32v returns a varint field that must fit in an int32.
func (f field) int32v() (int32, error) {
	v, err := f.int64v()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("field %d: value %d overflows int32", f.num, v)
	}
	return int32(v), nil
}

// bytesv returns a length-delimited field's payload.
func (f field) bytesv() ([]byte, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return nil, err
	}
	return f.b, nil
}

// str returns a length-delimited field as a string (a copy).
func (f field) str() (string, error) {
	b, err := f.bytesv()
	return string(b), err
}

// countVarints returns the number of varints in a packed payload, or an
// error if the payload is malformed. It allocates nothing.
func countVarints(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		_, k := protowire.ConsumeVarint(b)
		if k < 0 {
			return 0, wireErr(k)
		}
		b = b[k:]
		n++
	}
	return n, nil
}

// appendInt64s decodes a repeated int64/int32 field, packed (BytesType) or
// not (VarintType), appending to dst. A packed payload is counted first and
// its count checked against limit before dst grows.
func appendInt64s(dst []int64, f field, limit int) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		if len(dst) >= limit {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		return append(dst, int64(f.x)), nil
	case protowire.BytesType:
		n, err := countVarints(f.b)
		if err != nil {
			return nil, fmt.Errorf("field %d: %w", f.num, err)
		}
		if n > limit-len(dst) {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		dst = growInt64(dst, n)
		for b := f.b; len(b) > 0; {
			v, k := protowire.ConsumeVarint(b)
			dst = append(dst, int64(v))
			b = b[k:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated integer", f.num, f.typ)
}

// appendUint64s is appendInt64s for uint64 fields.
func appendUint64s(dst []uint64, f field, limit int) ([]uint64, error) {
	v, err := appendInt64s(nil, f, limit-len(dst))
	if err != nil {
		return nil, err
	}
	for _, x := range v {
		dst = append(dst, uint64(x))
	}
	return dst, nil
}

// appendFloat32s decodes a repeated float field, packed or not.
func appendFloat32s(dst []float32, f field, limit int) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		if len(dst) >= limit {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		return append(dst, math.Float32frombits(uint32(f.x))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("field %d: packed float payload of %d bytes", f.num, len(f.b))
		}
		n := len(f.b) / 4
		if n > limit-len(dst) {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		if cap(dst)-len(dst) < n {
			dst = append(make([]float32, 0, len(dst)+n), dst...)
		}
		for i := 0; i < n; i++ {
			dst = append(dst, math.Float32frombits(le32(f.b[4*i:])))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated float", f.num, f.typ)
}

// appendFloat64s decodes a repeated double field, packed or not.
func appendFloat64s(dst []float64, f field, limit int) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		if len(dst) >= limit {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		return append(dst, math.Float64frombits(f.x)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("field %d: packed double payload of %d bytes", f.num, len(f.b))
		}
		n := len(f.b) / 8
		if n > limit-len(dst) {
			return nil, fmt.Errorf("field %d: more than %d values", f.num, limit)
		}
		for i := 0; i < n; i++ {
			dst = append(dst, math.Float64frombits(le64(f.b[8*i:])))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: wire type %d for repeated double", f.num, f.typ)
}

func growInt64(s []int64, n int) []int64 {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]int64, len(s), len(s)+n)
	copy(t, s)
	return t
}

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}
