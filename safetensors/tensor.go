package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime/debug"

	"github.com/gorn-ml/gorn/internal/mmap"
)

// Tensor is one named tensor: its dtype, its shape and its raw bytes.
type Tensor struct {
	// Name is the tensor's key in the header, e.g. "layer1.0.conv1.weight".
	Name string
	// DType is the element type, one of the dtype constants (F32, F16, ...).
	DType string
	// Shape lists the dimensions, outermost first. An empty shape is a
	// scalar (one element).
	Shape []int
	// Data holds the elements, little-endian and row-major:
	// len(Data) == NumElements() * DTypeSize(DType). For a tensor of a
	// File it aliases the File's memory: valid until Close, read-only.
	Data []byte
}

// NumElements returns the product of the shape (1 for a scalar), or -1 if
// a dimension is negative or the product overflows an int.
func (t *Tensor) NumElements() int {
	n, err := numElements(t.Shape)
	if err != nil {
		return -1
	}
	return n
}

// numElements multiplies the dimensions of shape, rejecting negative
// dimensions and products that overflow an int.
func numElements(shape []int) (int, error) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, fmt.Errorf("shape %v has too many elements", shape)
		}
		n = lo
	}
	return int(n), nil
}

// validate checks that t's dtype is known and that Data has exactly the
// size the shape and dtype call for.
func (t *Tensor) validate() error {
	size := DTypeSize(t.DType)
	if size == 0 {
		return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", t.Name, t.DType)
	}
	n, err := numElements(t.Shape)
	if err != nil {
		return fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
	}
	hi, nbytes := bits.Mul64(uint64(n), uint64(size))
	if hi != 0 || nbytes != uint64(len(t.Data)) {
		return fmt.Errorf("safetensors: tensor %q: %d bytes of data, shape %v of %s needs %d elements of %d bytes",
			t.Name, len(t.Data), t.Shape, t.DType, n, size)
	}
	return nil
}

// Float32s returns the elements as a new []float32, converting from F32,
// F16, BF16 (exactly) or F64 (rounded to nearest). Other dtypes, or Data
// whose length does not match the shape, give an error.
func (t *Tensor) Float32s() ([]float32, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	dst := make([]float32, t.NumElements())
	if err := guardFault(func() error { return decodeFloat32(dst, t.DType, t.Data) }); err != nil {
		return nil, fmt.Errorf("%w (tensor %q)", err, t.Name)
	}
	return dst, nil
}

// Float64s returns the elements as a new []float64, converting exactly
// from F64, F32, F16 or BF16. Other dtypes give an error.
func (t *Tensor) Float64s() ([]float64, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	dst := make([]float64, t.NumElements())
	if err := guardFault(func() error { return decodeFloat64(dst, t.DType, t.Data) }); err != nil {
		return nil, fmt.Errorf("%w (tensor %q)", err, t.Name)
	}
	return dst, nil
}

// FromFloat32 returns an F32 tensor holding a copy of v, which must have
// exactly as many elements as shape calls for.
func FromFloat32(name string, shape []int, v []float32) (Tensor, error) {
	n, err := numElements(shape)
	if err != nil {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %v", name, err)
	}
	if n != len(v) {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %d values for shape %v (%d elements)", name, len(v), shape, n)
	}
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: append([]int(nil), shape...), Data: data}, nil
}

// FromFloat64 returns an F64 tensor holding a copy of v, which must have
// exactly as many elements as shape calls for.
func FromFloat64(name string, shape []int, v []float64) (Tensor, error) {
	n, err := numElements(shape)
	if err != nil {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %v", name, err)
	}
	if n != len(v) {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %d values for shape %v (%d elements)", name, len(v), shape, n)
	}
	data := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: F64, Shape: append([]int(nil), shape...), Data: data}, nil
}

// ErrNotFound is returned (wrapped) by File.Get for a name the file lacks.
var ErrNotFound = errors.New("safetensors: no such tensor")

// ErrFault reports a memory fault while reading a tensor's data: the
// memory-mapped file was truncated (or its storage failed) after Open.
var ErrFault = errors.New("safetensors: memory fault reading the mapped file (truncated after Open?)")

// guardFault runs read, turning a memory fault (SIGBUS on a mapped file
// that shrank under us) into ErrFault instead of a crash.
func guardFault(read func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if what, ok := mmap.Fault(r); ok {
			err = fmt.Errorf("%w: %s", ErrFault, what)
			return
		}
		panic(r)
	}()
	return read()
}
