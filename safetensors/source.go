package safetensors

import (
	"fmt"

	"github.com/gorn-ml/gorn/internal/mmap"
)

// Keys returns the tensor names in sorted order, as Names does. With Shape
// and Float32s it makes a *File a weight source for gorn's resnet package
// (resnet.WeightSource): resnet.ArchFromShapes reads the architecture of a
// state dict from it, and resnet.NewFrom compiles the model from it one
// layer at a time.
func (f *File) Keys() []string { return f.Names() }

// Shape returns the shape of the named tensor and whether it exists. The
// slice is shared with the File and must not be modified.
func (f *File) Shape(name string) ([]int, bool) {
	i, ok := f.byName[name]
	if !ok {
		return nil, false
	}
	return f.tensors[i].Shape, true
}

// Float32s returns the named tensor's elements as a new []float32 (see
// [Tensor.Float32s]), or an error wrapping ErrNotFound that names it. When
// the file is memory-mapped ([Open] on unix), the pages the tensor was read
// from are then dropped from the process's resident memory (they are read
// again from the page cache if touched), so decoding a whole file tensor
// by tensor never holds both the raw and the decoded copy of every tensor.
func (f *File) Float32s(name string) ([]float32, error) {
	t, err := f.Get(name)
	if err != nil {
		return nil, err
	}
	v, err := t.Float32s()
	if err != nil {
		if f.path != "" {
			return nil, fmt.Errorf("%w (file %s)", err, f.path)
		}
		return nil, err
	}
	if f.release != nil && mmap.Supported {
		mmap.DropPages(t.Data)
	}
	return v, nil
}

// check that the methods above have the signatures resnet.WeightSource
// asks for (the package cannot import resnet, whose tests import it).
var _ interface {
	Keys() []string
	Shape(string) ([]int, bool)
	Float32s(string) ([]float32, error)
} = (*File)(nil)
