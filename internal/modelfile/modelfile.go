// Package modelfile opens the model files gorn runs (ONNX exports and
// safetensors state dicts) up to the point of compiling: architecture,
// weight source, preprocessing and labels from the metadata, declared
// input size. The root package's Open and the gorn command share it, so
// they read files, and word their errors, the same way.
package modelfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
	"github.com/gorn-ml/gorn/resnet"
	"github.com/gorn-ml/gorn/safetensors"
)

// File is an opened model file, before compiling. Src reads the file,
// which stays open (mapped) until Close.
type File struct {
	Name     string // the path, or the name given for bytes
	Format   string // "onnx" or "safetensors"
	Arch     resnet.Arch
	ArchFrom string // where Arch came from: "graph", "tensor shapes" or "-arch"
	Src      resnet.WeightSource
	Info     *onnx.Info // ONNX files only
	// Prep is the preprocessing the metadata asks for (nil if none),
	// PrepErr why it could not be read.
	Prep    *preprocess.Options
	PrepErr error
	Labels  []string // the class names the metadata lists, or nil
	// Height and Width are the declared input size, 0 where dynamic.
	Height, Width int
	close         func() error
}

// Close releases the file. It is safe to call more than once.
func (f *File) Close() error {
	if f.close == nil {
		return nil
	}
	c := f.close
	f.close = nil
	return c()
}

// Open opens the model at path, by its extension. arch, when not nil,
// overrides the architecture of a safetensors state dict (see Override).
func Open(path string, arch *resnet.Arch) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().IsRegular() && st.Size() == 0 {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".onnx":
		if arch != nil {
			return nil, fmt.Errorf("%s: an architecture override does not apply to ONNX models (the graph names it)", path)
		}
		m, err := onnx.LoadFile(path, nil)
		if err != nil {
			return nil, onnxError(path, err)
		}
		return fromONNX(path, m)
	case ".safetensors":
		f, err := safetensors.Open(path)
		if err != nil {
			return nil, stError(path, err)
		}
		return fromSafetensors(path, f, arch)
	}
	return nil, fmt.Errorf("%s: want a .onnx or .safetensors file", path)
}

// FromBytes opens a model held in data (ONNX or safetensors, told apart by
// content); name is used in errors. data must not change while the File or
// a model compiled from it is in use.
func FromBytes(data []byte, name string, arch *resnet.Arch) (*File, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if IsSafetensors(data) {
		f, err := safetensors.Parse(data)
		if err != nil {
			return nil, stError(name, err)
		}
		return fromSafetensors(name, f, arch)
	}
	if arch != nil {
		return nil, fmt.Errorf("%s: an architecture override does not apply to ONNX models", name)
	}
	m, err := onnx.Parse(data, nil)
	if err != nil {
		return nil, onnxError(name, err)
	}
	return fromONNX(name, m)
}

// IsSafetensors reports whether data starts like a safetensors file: a
// little-endian header length that fits, then a JSON object.
func IsSafetensors(data []byte) bool {
	if len(data) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(data)
	return n >= 2 && n <= uint64(len(data)-8) && data[8] == '{'
}

// onnxError words an error of parsing an ONNX file, naming it.
func onnxError(name string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return err
	case strings.Contains(err.Error(), "unexpected EOF"):
		return fmt.Errorf("%s: truncated ONNX file (%w)", name, err)
	case strings.Contains(err.Error(), "exceeds"):
		return fmt.Errorf("%s: %w", name, err)
	}
	return fmt.Errorf("%s: not an ONNX model (%w)", name, err)
}

func stError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) || strings.Contains(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

func fromONNX(name string, m *onnx.Model) (*File, error) {
	fail := func(err error) (*File, error) {
		m.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m.Graph.Nodes) == 0 && len(m.Graph.Initializers) == 0 {
		m.Close()
		return nil, fmt.Errorf("%s: not an ONNX model (no graph)", name)
	}
	info, err := m.Info()
	if err != nil {
		return fail(err)
	}
	a, src, err := m.ResNetSource()
	if err != nil {
		return fail(err)
	}
	f := &File{Name: name, Format: "onnx", Arch: a, ArchFrom: "graph", Src: src, Info: info,
		Labels: m.Labels(), Height: info.Height, Width: info.Width, close: m.Close}
	f.Prep, f.PrepErr = m.Preprocessing()
	if f.PrepErr != nil {
		f.PrepErr = fmt.Errorf("%s: %w", name, f.PrepErr)
	}
	return f, nil
}

// stateDict is a safetensors file as a state dict: names starting with
// "__" (extra tensors such as the test fixtures' __input__, never part of a
// state dict) are left out.
type stateDict struct{ *safetensors.File }

func (s stateDict) Keys() []string {
	return slices.DeleteFunc(s.File.Keys(), func(k string) bool { return strings.HasPrefix(k, "__") })
}

// fromSafetensors reads the architecture from the tensor shapes, or takes
// arch (see Override). The file's __metadata__ may carry the same gorn.*
// preprocessing and label keys as ONNX metadata_props.
func fromSafetensors(name string, f *safetensors.File, arch *resnet.Arch) (*File, error) {
	src := stateDict{f}
	mf := &File{Name: name, Src: src, close: f.Close, Format: "safetensors", ArchFrom: "tensor shapes"}
	if arch == nil {
		a, err := resnet.ArchFromShapes(src)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		mf.Arch = a
	} else {
		a, err := Override(src, *arch)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		mf.Arch, mf.ArchFrom = a, "-arch"
	}
	meta := &onnx.Model{Metadata: f.Metadata} // same keys, same parser
	mf.Labels = meta.Labels()
	mf.Prep, mf.PrepErr = meta.Preprocessing()
	if mf.PrepErr != nil {
		mf.PrepErr = fmt.Errorf("%s: %w", name, mf.PrepErr)
	}
	return mf, nil
}

// Override applies an architecture named by the user to a state dict: a
// fixes the block kind, stage depths and version; the stem's width, kernel
// size (7: the ImageNet stem, 3: the CIFAR one) and input channels come
// from conv1.weight, the number of classes from fc.weight.
func Override(src resnet.WeightSource, a resnet.Arch) (resnet.Arch, error) {
	if c, ok := src.Shape("conv1.weight"); ok && len(c) == 4 {
		a.Width, a.InChannels = c[0], c[1]
		if c[2] == 3 {
			a.Stem = resnet.StemCIFAR
		}
	}
	if fc, ok := src.Shape("fc.weight"); ok && len(fc) == 2 {
		a.Classes = fc[0]
	}
	if _, ok := src.Shape("bn_final.weight"); ok && a.Version != resnet.V2 {
		return a, fmt.Errorf("bn_final is present: a pre-activation network; try -arch %s-v2", strings.SplitN(a.String(), " ", 2)[0])
	}
	return a, nil
}
