package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Data type names as they appear in the header's "dtype" field.
const (
	F64    = "F64"     // IEEE 754 binary64
	F32    = "F32"     // IEEE 754 binary32
	F16    = "F16"     // IEEE 754 binary16
	BF16   = "BF16"    // bfloat16: the top 16 bits of a binary32
	F8E4M3 = "F8_E4M3" // 8-bit float, 4 exponent bits, 3 mantissa bits
	F8E5M2 = "F8_E5M2" // 8-bit float, 5 exponent bits, 2 mantissa bits
	I64    = "I64"     // signed 64-bit integer
	I32    = "I32"     // signed 32-bit integer
	I16    = "I16"     // signed 16-bit integer
	I8     = "I8"      // signed 8-bit integer
	U64    = "U64"     // unsigned 64-bit integer
	U32    = "U32"     // unsigned 32-bit integer
	U16    = "U16"     // unsigned 16-bit integer
	U8     = "U8"      // unsigned 8-bit integer
	Bool   = "BOOL"    // one byte per element, 0 or 1
)

// dtypeSizes maps every known dtype to its element size in bytes.
var dtypeSizes = map[string]int{
	F64: 8, F32: 4, F16: 2, BF16: 2, F8E4M3: 1, F8E5M2: 1,
	I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, Bool: 1,
}

// DTypeSize returns the size in bytes of one element of dtype, or 0 if
// dtype is not one this package knows.
func DTypeSize(dtype string) int {
	return dtypeSizes[dtype]
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32 exactly
// (every binary16 value, subnormals included, is a binary32 value).
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN; keep the payload
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal binary16: normalise the mantissa for binary32.
	e := uint32(113) // 127 - 14
	for man&0x400 == 0 {
		man <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
}

// bf16ToFloat32 converts a bfloat16 value to float32 exactly.
func bf16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// decodeFloat32 converts raw little-endian data of a float dtype to dst,
// which must have exactly len(raw)/size elements.
func decodeFloat32(dst []float32, dtype string, raw []byte) error {
	le := binary.LittleEndian
	switch dtype {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	case F16:
		for i := range dst {
			dst[i] = halfToFloat32(le.Uint16(raw[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = bf16ToFloat32(le.Uint16(raw[2*i:]))
		}
	default:
		return fmt.Errorf("safetensors: cannot convert dtype %s to float", dtype)
	}
	return nil
}

// decodeFloat64 is decodeFloat32 for float64 destinations: F64 data keeps
// its full precision.
func decodeFloat64(dst []float64, dtype string, raw []byte) error {
	le := binary.LittleEndian
	switch dtype {
	case F64:
		for i := range dst {
			dst[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case F32:
		for i := range dst {
			dst[i] = float64(math.Float32frombits(le.Uint32(raw[4*i:])))
		}
	case F16:
		for i := range dst {
			dst[i] = float64(halfToFloat32(le.Uint16(raw[2*i:])))
		}
	case BF16:
		for i := range dst {
			dst[i] = float64(bf16ToFloat32(le.Uint16(raw[2*i:])))
		}
	default:
		return fmt.Errorf("safetensors: cannot convert dtype %s to float", dtype)
	}
	return nil
}
