package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/gorn-ml/gorn/internal/mmap"
)

// File is a parsed safetensors file: its tensors, in name order, and its
// metadata. A File is safe for concurrent reads.
type File struct {
	// Metadata holds the header's "__metadata__" pairs (nil if absent).
	Metadata map[string]string

	tensors []Tensor
	byName  map[string]int
	release func() error // unmaps or drops the backing memory
	path    string       // the file Open read, for errors
}

// Parse parses a whole safetensors file held in b. It copies nothing: the
// tensors' Data alias b, which must not change while the File is used.
func Parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes is too short for a file (need at least 8)", len(b))
	}
	n, err := headerLen(binary.LittleEndian.Uint64(b), uint64(len(b)))
	if err != nil {
		return nil, err
	}
	entries, meta, err := parseHeader(b[8 : 8+n])
	if err != nil {
		return nil, err
	}
	data := b[8+n:]
	if err := checkLayout(entries, uint64(len(data))); err != nil {
		return nil, err
	}
	return newFile(entries, meta, data, nil), nil
}

// Read reads and parses a safetensors file of size bytes from r. The header
// is read and checked first; then the data section, whose size the header
// must account for exactly, is read into one allocation of about size bytes.
func Read(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes is too short for a file (need at least 8)", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	n, err := headerLen(binary.LittleEndian.Uint64(lenBuf[:]), uint64(size))
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	entries, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	dataLen := uint64(size) - 8 - uint64(n)
	if err := checkLayout(entries, dataLen); err != nil {
		return nil, err
	}
	if dataLen > math.MaxInt {
		return nil, fmt.Errorf("safetensors: %d-byte data section does not fit in memory", dataLen)
	}
	data := make([]byte, dataLen)
	if _, err := r.ReadAt(data, 8+int64(n)); err != nil && !(err == io.EOF && dataLen == 0) {
		return nil, fmt.Errorf("safetensors: reading data: %w", err)
	}
	return newFile(entries, meta, data, nil), nil
}

// Open opens and parses the named file. Where the OS allows it the file is
// memory-mapped read-only, so only the pages of tensors actually used are
// read from disk; elsewhere it is read into memory. Call Close when done
// with the File and every Tensor.Data taken from it. (As with any memory
// map, truncating the file while it is open makes the lost pages unreadable:
// Float32s and Float64s then return an error wrapping ErrFault, where a
// plain read of Tensor.Data would crash the process.)
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	size := st.Size()
	if size < 8 || !st.Mode().IsRegular() {
		return Read(fh, size) // gives the right error for short or special files
	}
	b, unmap, err := mmap.Map(fh, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if b == nil { // no memory maps on this OS
		f, err := Read(fh, size)
		if err != nil {
			return nil, fmt.Errorf("%w (file %s)", err, path)
		}
		return f, nil
	}
	f, err := Parse(b)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	f.release, f.path = unmap, path
	return f, nil
}

// headerLen checks the header length n read from the first 8 bytes of a
// file of size bytes.
func headerLen(n, size uint64) (int, error) {
	switch {
	case n > MaxHeaderSize:
		return 0, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	case n > size-8:
		return 0, fmt.Errorf("safetensors: header length %d runs past the end of the %d-byte file", n, size)
	case n < 2:
		return 0, fmt.Errorf("safetensors: header length %d is too short for a JSON object", n)
	}
	return int(n), nil
}

// newFile attaches the data to the checked entries and indexes them by name.
func newFile(entries []entry, meta map[string]string, data []byte, release func() error) *File {
	f := &File{Metadata: meta, tensors: make([]Tensor, len(entries)), byName: make(map[string]int, len(entries)), release: release}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	for i, e := range entries {
		f.tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: data[e.begin:e.end:e.end]}
		f.byName[e.name] = i
	}
	return f
}

// Len returns the number of tensors.
func (f *File) Len() int { return len(f.tensors) }

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, len(f.tensors))
	for i := range f.tensors {
		names[i] = f.tensors[i].Name
	}
	return names
}

// Tensors returns all tensors in name order. The slice is a copy; the
// tensors' Shape and Data are shared with the File and must not be modified.
func (f *File) Tensors() []Tensor {
	return append([]Tensor(nil), f.tensors...)
}

// Tensor returns the tensor with the given name and whether it exists.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Tensor{}, false
	}
	return f.tensors[i], true
}

// Get returns the tensor with the given name, or an error wrapping
// ErrNotFound that names it.
func (f *File) Get(name string) (Tensor, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return Tensor{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return t, nil
}

// Close releases the memory map, if any. Tensor.Data slices taken from the
// File must not be used afterwards, nor the File itself, which then holds
// no tensors. Close is idempotent.
func (f *File) Close() error {
	release := f.release
	f.release, f.tensors, f.byName = nil, nil, nil
	if release == nil {
		return nil
	}
	if err := release(); err != nil {
		return errors.Join(errors.New("safetensors: unmapping file"), err)
	}
	return nil
}
