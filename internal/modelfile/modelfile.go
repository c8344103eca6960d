// Package modelfile opens the model files gorn runs (ONNX exports and
// safetensors state dicts) and compiles them into an engine.Model: an ONNX
// graph through onnx.Model.CompileGraph, a state dict through its
// resnet.Arch (which builds the same graph IR). It also reads the
// preprocessing and labels from the metadata, the declared input size, and
// which outputs are logits and which pooled features. The root package's
// Open and the gorn command share it, so they read files, and word their
// errors, the same way.
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

// File is an opened model file, before compiling. It stays open (mapped)
// until Close: the weights are read from it while compiling.
type File struct {
	Name   string // the path, or the name given for bytes
	Format string // "onnx" or "safetensors"
	// Arch, ArchFrom and Src describe a safetensors state dict: the
	// architecture, where it came from ("tensor shapes" or "-arch"), and
	// the weights.
	Arch     resnet.Arch
	ArchFrom string
	Src      resnet.WeightSource
	// ONNX is the parsed ONNX model and Graph its description (ONNX files
	// only).
	ONNX  *onnx.Model
	Graph *onnx.GraphInfo
	// Pooled names the graph outputs that are pooled features (see
	// pooledOutputs); Features the output the final Gemm or MatMul reads,
	// when it is a graph output. ONNX files only.
	Pooled   map[string]bool
	Features string
	hidden   string // the pooled value the final Gemm reads, not an output
	// Prep is the preprocessing the metadata asks for (nil if none),
	// PrepErr why it could not be read.
	Prep    *preprocess.Options
	PrepErr error
	Labels  []string // the class names the metadata lists, or nil
	// Channels, Height and Width are an ONNX graph's declared input size,
	// 0 where dynamic or undeclared (and for state dicts).
	Channels, Height, Width int
	close                   func() error
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
			return nil, fmt.Errorf("%s: an architecture override does not apply to ONNX models (the graph describes the network)", path)
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
	if isSafetensors(data) {
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

// isSafetensors reports whether data starts like a safetensors file: a
// little-endian header length that fits, then a JSON object.
func isSafetensors(data []byte) bool {
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
	case strings.Contains(err.Error(), name):
		// onnx.LoadFile's errors name the file and say what is wrong
		// ("onnx: x.onnx: not an ONNX model (...)"): keep them, without
		// the package prefix.
		return &namedError{msg: strings.TrimPrefix(err.Error(), "onnx: "), err: err}
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
	if len(m.Graph.Nodes) == 0 && len(m.Graph.Initializers) == 0 {
		m.Close()
		return nil, fmt.Errorf("%s: not an ONNX model (no graph)", name)
	}
	gi := m.GraphInfo()
	if len(gi.Inputs) != 1 {
		m.Close()
		return nil, fmt.Errorf("%s: the graph has %d inputs; gorn runs graphs of one image input", name, len(gi.Inputs))
	}
	f := &File{Name: name, Format: "onnx", ONNX: m, Graph: gi, Labels: m.Labels(), close: m.Close}
	if s := gi.Inputs[0].Shape; len(s) == 4 {
		f.Channels, f.Height, f.Width = knownInt(s[1]), knownInt(s[2]), knownInt(s[3])
	}
	f.Pooled, f.Features, f.hidden = pooledOutputs(&m.Graph)
	f.Prep, f.PrepErr = m.Preprocessing()
	if f.PrepErr != nil {
		f.PrepErr = fmt.Errorf("%s: %w", name, f.PrepErr)
	}
	return f, nil
}

func knownInt(d onnx.Dim) int {
	if d.Known() && d.Value <= 1<<30 {
		return int(d.Value)
	}
	return 0
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

// namedError is an error whose message names the file, wrapping the
// error it rewords (errors.Is and errors.As still see it).
type namedError struct {
	msg string
	err error
}

func (e *namedError) Error() string { return e.msg }
func (e *namedError) Unwrap() error { return e.err }
