//go:build unix

package onnx

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmapFile maps size bytes of f read-only and privately.
func mmapFile(f *os.File, size int) ([]byte, func() error, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// dropPages tells the kernel the whole pages inside b, which lies in a
// read-only private file mapping, are not needed for now: they leave the
// process's resident set and are read from the file again if touched.
func dropPages(b []byte) {
	page := uintptr(unix.Getpagesize())
	if len(b) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + page - 1) &^ (page - 1)
	end := (p + uintptr(len(b))) &^ (page - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(b[start-p:end-p], unix.MADV_DONTNEED)
}
