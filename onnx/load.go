package onnx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"unsafe"

	"github.com/gorn-ml/gorn/internal/mmap"
)

// Limits applied while parsing. A file that exceeds one is rejected with an
// error before the memory for it is allocated.
const (
	// MaxModelBytes is the largest .onnx file accepted: protobuf messages
	// are limited to 2 GiB; larger models keep their weights in external
	// data files.
	MaxModelBytes = math.MaxInt32
	// DefaultMaxTensorBytes bounds the data of one tensor (1 GiB, i.e.
	// 2^28 float32 elements) unless Options.MaxTensorBytes says otherwise.
	DefaultMaxTensorBytes = 1 << 30
	// DefaultMaxTotalBytes bounds the data of all tensors together (4 GiB)
	// unless Options.MaxTotalBytes says otherwise.
	DefaultMaxTotalBytes = 4 << 30
	// MaxExternalFiles bounds the number of distinct external data files.
	MaxExternalFiles = 1024
	// MaxEntries bounds the number of nodes, attributes, tensors, value
	// infos, shape dimensions and node input and output names together
	// (torchvision's ResNet-152 has about 5,000), which bounds the memory
	// the parsed graph takes to a few tens of MiB whatever the input.
	MaxEntries = 1 << 18
	// maxDims bounds the rank of a tensor or shape.
	maxDims = 16
)

// Options controls Parse and LoadFile. The zero value (or nil) gives the
// defaults.
type Options struct {
	// BaseDir is the directory that external data locations are relative
	// to. LoadFile uses the model file's directory when BaseDir is empty;
	// Parse rejects models with external data when it is empty.
	BaseDir string
	// MaxTensorBytes bounds one tensor's data (default DefaultMaxTensorBytes).
	MaxTensorBytes int64
	// MaxTotalBytes bounds all tensor data together (default DefaultMaxTotalBytes).
	MaxTotalBytes int64
	// NoMmap reads files into memory instead of mapping them.
	NoMmap bool
}

type limits struct {
	maxTensorBytes, maxTotalBytes int64
}

func (o *Options) limits() limits {
	l := limits{DefaultMaxTensorBytes, DefaultMaxTotalBytes}
	if o != nil && o.MaxTensorBytes > 0 {
		l.maxTensorBytes = o.MaxTensorBytes
	}
	if o != nil && o.MaxTotalBytes > 0 {
		l.maxTotalBytes = o.MaxTotalBytes
	}
	return l
}

// Load reads the ONNX model at path with default options. External data
// files are found relative to the model's directory.
func Load(path string) (*Model, error) { return LoadFile(path, nil) }

// LoadFile reads the ONNX model at path. The file (and any external data
// file) is memory-mapped where the OS allows and opts.NoMmap is false,
// read into memory otherwise. Files must not be truncated while the Model
// is open. Call Close to release them.
func LoadFile(path string, opts *Options) (*Model, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseDir == "" {
		o.BaseDir = filepath.Dir(path)
	}
	mf, err := openMapped(nil, path, MaxModelBytes, o.NoMmap)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if len(mf.data) == 0 {
		mf.close()
		return nil, fmt.Errorf("onnx: %s: empty file", path)
	}
	m, err := parse(mf.data, &o)
	if err != nil {
		mf.close()
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	m.files = append(m.files, mf)
	return m, nil
}

// Parse decodes a serialized ModelProto held in data. The Model refers to
// data (tensor bytes are not copied): data must not change while the Model
// is in use. External data is read from opts.BaseDir.
//
// Empty data gives an empty Model (no graph); data that is not a
// ModelProto, or is cut short, gives an error that says so.
func Parse(data []byte, opts *Options) (*Model, error) {
	m, err := parse(data, opts)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// ErrNotONNX reports data that is not an ONNX ModelProto at all.
var ErrNotONNX = errors.New("not an ONNX model")

// parse decodes data; its errors carry no "onnx:" prefix (Parse and
// LoadFile add it, LoadFile with the file's path).
func parse(data []byte, opts *Options) (m *Model, err error) {
	if len(data) > MaxModelBytes {
		return nil, fmt.Errorf("model of %d bytes exceeds %d", len(data), MaxModelBytes)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guardFault(&err)
	d := decoder{lim: opts.limits()}
	m = new(Model)
	if err := d.model(data, m); err != nil {
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("truncated: %w", err)
		case !d.seenModel:
			return nil, fmt.Errorf("%w (%w)", ErrNotONNX, err)
		}
		return nil, err
	}
	if len(data) > 0 && !d.seenModel {
		return nil, fmt.Errorf("%w: no ir_version, opset_import or graph", ErrNotONNX)
	}
	if d.external > 0 {
		if err := m.resolveExternal(m.externalTensors(), opts); err != nil {
			m.Close()
			return nil, err
		}
	}
	return m, nil
}

// Close releases the mapped or read files. Tensors of the model must not be
// read afterwards; slices returned by Float32s and Int64s stay valid.
func (m *Model) Close() error {
	// Drop the tensors' views of the files so that reading them after
	// Close is an error, not a fault.
	for _, t := range m.rawTensors() {
		t.raw = nil
	}
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.close())
	}
	m.files = nil
	return errors.Join(errs...)
}

// externalTensors lists the tensors whose data lives in external files.
func (m *Model) externalTensors() []*Tensor {
	return m.tensors(func(t *Tensor) bool { return t.src == srcExternal })
}

// rawTensors lists the tensors whose data are views of the files.
func (m *Model) rawTensors() []*Tensor {
	return m.tensors(func(t *Tensor) bool { return t.src == srcExternal || t.src == srcRaw })
}

// tensors lists the initializers and the tensors in node attributes for
// which keep returns true.
func (m *Model) tensors(keep func(*Tensor) bool) []*Tensor {
	var ts []*Tensor
	add := func(t *Tensor) {
		if t != nil && keep(t) {
			ts = append(ts, t)
		}
	}
	for i := range m.Graph.Initializers {
		add(&m.Graph.Initializers[i])
	}
	for i := range m.Graph.Nodes {
		for j := range m.Graph.Nodes[i].Attrs {
			a := &m.Graph.Nodes[i].Attrs[j]
			add(a.T)
			for k := range a.Tensors {
				add(&a.Tensors[k])
			}
		}
	}
	return ts
}

// resolveExternal points every external tensor at its bytes, opening each
// distinct file once, confined to the base directory.
func (m *Model) resolveExternal(ts []*Tensor, opts *Options) error {
	if opts == nil || opts.BaseDir == "" {
		return errors.New("model has external data but no base directory")
	}
	root, err := os.OpenRoot(opts.BaseDir)
	if err != nil {
		return err
	}
	defer root.Close()
	files := map[string]*mappedFile{}
	for _, t := range ts {
		loc := filepath.FromSlash(t.ext.location)
		if !filepath.IsLocal(loc) {
			return fmt.Errorf("tensor %q: external location %q is not inside the model directory", t.Name, t.ext.location)
		}
		mf := files[loc]
		if mf == nil {
			if len(files) >= MaxExternalFiles {
				return fmt.Errorf("more than %d external data files", MaxExternalFiles)
			}
			mf, err = openMapped(root, loc, math.MaxInt, opts.NoMmap)
			if err != nil {
				return err
			}
			files[loc] = mf
			m.files = append(m.files, mf)
		}
		want := t.n * int64(t.DataType.Size())
		size := int64(len(mf.data))
		if t.ext.offset > size || want > size-t.ext.offset {
			return fmt.Errorf("tensor %q: %d bytes at offset %d of %q exceed its %d bytes",
				t.Name, want, t.ext.offset, t.ext.location, size)
		}
		t.raw = mf.data[t.ext.offset : t.ext.offset+want]
	}
	return nil
}

// release drops the memory pages behind t's data when they belong to a
// file this model mapped; reading t again reads the file again. Use it
// after converting a large tensor.
func (m *Model) release(t *Tensor) {
	if len(t.raw) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(t.raw)))
	for _, f := range m.files {
		base := uintptr(unsafe.Pointer(unsafe.SliceData(f.data)))
		if f.unmap != nil && p >= base && p+uintptr(len(t.raw)) <= base+uintptr(len(f.data)) {
			mmap.DropPages(t.raw)
			return
		}
	}
}

// mappedFile is a whole file in memory: mapped (unmap non-nil) or read.
type mappedFile struct {
	data  []byte
	unmap func() error
}

func (f *mappedFile) close() error {
	if f.unmap == nil {
		f.data = nil
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// openMapped opens name (inside root when root is non-nil), checks its size
// against maxSize, and maps or reads it.
func openMapped(root *os.Root, name string, maxSize int64, noMmap bool) (*mappedFile, error) {
	// Check the type before opening: opening a FIFO for reading blocks
	// until a writer appears. The open is non-blocking too, in case the
	// name changes in between, and the type is checked again on the open
	// file.
	var st os.FileInfo
	var err error
	if root != nil {
		st, err = root.Stat(name)
	} else {
		st, err = os.Stat(name)
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	var f *os.File
	if root != nil {
		f, err = root.OpenFile(name, os.O_RDONLY|mmap.OpenNonBlock, 0)
	} else {
		f, err = os.OpenFile(name, os.O_RDONLY|mmap.OpenNonBlock, 0)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err = f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	size := st.Size()
	if size > maxSize || size > math.MaxInt {
		return nil, fmt.Errorf("%s: %d bytes exceeds the limit of %d", name, size, maxSize)
	}
	if !noMmap && size > 0 {
		if data, unmap, err := mmap.Map(f, size); err == nil && data != nil {
			return &mappedFile{data: data, unmap: unmap}, nil
		}
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &mappedFile{data: data}, nil
}

// guardFault turns a memory fault while reading a mapped file (the file was
// truncated under us) into an error instead of a crash. Use it as
//
//	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
//	defer guardFault(&err)
func guardFault(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if what, ok := mmap.Fault(r); ok {
		*err = fmt.Errorf("%s reading a mapped file (truncated while in use?)", what)
		return
	}
	panic(r)
}
