package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes n bytes of a pattern with no period of a page size to a
// temporary file and returns it open for reading, with its contents.
func writeFile(t *testing.T, n int) (*os.File, []byte) {
	t.Helper()
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(i*7 + i/251)
	}
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, want
}

func TestMapReadsTheFile(t *testing.T) {
	for _, n := range []int{1, 4095, 4096, 4097, 3*65536 + 17} {
		f, want := writeFile(t, n)
		for _, size := range []int{n, n / 2} {
			data, unmap, err := Map(f, int64(size))
			if err != nil {
				t.Fatalf("n=%d size=%d: %v", n, size, err)
			}
			if !Supported || size == 0 {
				if data != nil || unmap != nil {
					t.Fatalf("n=%d size=%d: got a mapping where none is possible", n, size)
				}
				continue
			}
			if !bytes.Equal(data, want[:size]) {
				t.Fatalf("n=%d size=%d: mapping differs from the file", n, size)
			}
			if err := unmap(); err != nil {
				t.Fatalf("n=%d size=%d: unmap: %v", n, size, err)
			}
		}
	}
}

func TestMapOutlivesTheFile(t *testing.T) {
	f, want := writeFile(t, 10000)
	data, unmap, err := Map(f, int64(len(want)))
	if err != nil || !Supported {
		t.Skipf("no mapping (Supported=%v, err=%v)", Supported, err)
	}
	defer unmap()
	f.Close()
	if !bytes.Equal(data, want) {
		t.Fatal("mapping differs from the file after closing it")
	}
}

func TestDropPagesKeepsContents(t *testing.T) {
	const n = 5*65536 + 123
	f, want := writeFile(t, n)
	data, unmap, err := Map(f, n)
	if err != nil || !Supported {
		t.Skipf("no mapping (Supported=%v, err=%v)", Supported, err)
	}
	defer unmap()
	_ = data[n-1] // fault every page in first
	for _, r := range [][2]int{{0, n}, {1, n - 1}, {100, 200}, {4096, 3 * 4096}, {n - 1, n}, {7, 7}} {
		DropPages(data[r[0]:r[1]])
		if !bytes.Equal(data, want) {
			t.Fatalf("after DropPages(data[%d:%d]) the mapping differs from the file", r[0], r[1])
		}
	}
	DropPages(nil)
}

func TestMapBadSize(t *testing.T) {
	f, _ := writeFile(t, 10)
	data, unmap, err := Map(f, -1)
	if data != nil || unmap != nil || (Supported && err == nil) {
		t.Fatalf("Map(-1) = %d bytes, unmap %v, err %v; want an error", len(data), unmap != nil, err)
	}
}
