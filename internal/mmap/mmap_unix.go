//go:build unix

package mmap

import (
	"math"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Supported reports whether Map maps files on this OS.
const Supported = true

// Map maps the first size bytes of f read-only and privately and returns
// the mapping and the function that unmaps it. The mapping stays valid
// after f is closed. It returns nil, nil, nil where there is nothing to map
// (size 0) or the OS has no memory maps (Supported is false): the caller
// reads the file instead.
func Map(f *os.File, size int64) (data []byte, unmap func() error, err error) {
	switch {
	case size == 0:
		return nil, nil, nil
	case size < 0:
		return nil, nil, unix.EINVAL
	case size > math.MaxInt:
		return nil, nil, unix.EFBIG
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// DropPages tells the kernel that the whole pages inside b, which must lie
// in a mapping made by Map, are not needed for now: they leave the
// process's resident set and are read from the file again if touched. The
// partial pages at either end of b are kept.
func DropPages(b []byte) {
	if len(b) == 0 {
		return
	}
	page := uintptr(unix.Getpagesize())
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + page - 1) &^ (page - 1)
	end := (p + uintptr(len(b))) &^ (page - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(b[start-p:end-p], unix.MADV_DONTNEED)
}

// OpenNonBlock is the open flag that keeps opening a FIFO or device from
// blocking (O_NONBLOCK); the loaders open model files with it and then
// refuse anything but a regular file.
const OpenNonBlock = unix.O_NONBLOCK
