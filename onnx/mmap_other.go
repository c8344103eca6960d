//go:build !unix

package onnx

import (
	"errors"
	"os"
)

// mmapFile is not available on this OS: files are read instead.
func mmapFile(f *os.File, size int) ([]byte, func() error, error) {
	return nil, nil, errors.New("mmap not supported")
}

// dropPages does nothing where files are not mapped.
func dropPages(b []byte) {}
