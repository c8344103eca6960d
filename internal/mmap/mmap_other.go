//go:build !unix

package mmap

import "os"

// Supported reports whether Map maps files on this OS.
const Supported = false

// Map maps nothing on this OS: it returns nil, nil, nil and the caller
// reads the file instead.
func Map(f *os.File, size int64) (data []byte, unmap func() error, err error) {
	return nil, nil, nil
}

// DropPages does nothing where files are not mapped.
func DropPages(b []byte) {}

// OpenNonBlock is 0 where there is no O_NONBLOCK: the loaders' check of the
// file type before opening stands alone there.
const OpenNonBlock = 0
