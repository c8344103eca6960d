package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestMalformed feeds hand-made bad files to Parse and Read and checks each
// is rejected with an error that says what is wrong.
func TestMalformed(t *testing.T) {
	x8 := `"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	cases := []struct {
		name string
		file []byte
		want string // substrings of the error, alternatives separated by |
	}{
		{"empty", nil, "too short"},
		{"7 bytes", make([]byte, 7), "too short"},
		{"header length 0", withHeader("", 0), "too short for a JSON object"},
		{"header past end", append(le64(100), "{}"...), "past the end"},
		{"header over limit", append(le64(MaxHeaderSize+1), "{}"...), "limit"},
		{"huge header length", append(le64(1<<63), "{}"...), "limit"},
		{"not JSON", withHeader("hello", 0), "not a JSON object"},
		{"JSON array", withHeader("[1,2]", 0), "not a JSON object"},
		{"truncated JSON", withHeader(`{"x":{"dtype":"F32"`, 0), "header"},
		{"trailing data", withHeader(`{} {}`, 0), "after the JSON object"},
		{"invalid UTF-8", withHeader("{\"\xff\":1}", 0), "UTF-8"},
		{"duplicate name", withHeader("{"+x8+","+x8+"}", 8), "duplicate name \"x\""},
		{"unknown dtype", withHeader(`{"x":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, 16), "unknown dtype \"F128\""},
		{"missing dtype", withHeader(`{"x":{"shape":[1],"data_offsets":[0,4]}}`, 4), "dtype"},
		{"missing shape", withHeader(`{"x":{"dtype":"F32","data_offsets":[0,4]}}`, 4), "shape"},
		{"null shape", withHeader(`{"x":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, 4), "shape"},
		{"negative dim", withHeader(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "shape"},
		{"fractional dim", withHeader(`{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, 4), "shape"},
		{"dim over int64", withHeader(`{"x":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}`, 4), "shape"},
		{"element overflow", withHeader(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), "too many elements|dimension 4294967296 too large"},
		{"byte overflow", withHeader(`{"x":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]}}`, 4), "too large"},
		{"2^40 elements", withHeader(`{"x":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, 0), "outside|too large"}, // 32-bit: dimension too large
		{"one offset", withHeader(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, 4), "data_offsets"},
		{"three offsets", withHeader(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 4), "data_offsets"},
		{"end before begin", withHeader(`{"x":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4), "end before"},
		{"size mismatch", withHeader(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "needs 12"},
		{"past data end", withHeader("{"+x8+"}", 4), "outside the 4-byte data section"},
		{"overlap", withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), "overlaps"},
		{"hole", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12), "belong to no tensor"},
		{"one-byte hole", withHeader(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, 3), "[1, 2) belong to no tensor"},
		{"leftover bytes", withHeader("{"+x8+"}", 9), "[8, 9) belong to no tensor"},
		{"description not object", withHeader(`{"x":[1,2]}`, 0), "not a JSON object"},
		{"metadata not strings", withHeader(`{"__metadata__":{"a":1}}`, 0), "__metadata__"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file)
			if !errorHas(err, c.want) {
				t.Errorf("Parse: err = %v, want one containing %q", err, c.want)
			}
			_, err = Read(bytes.NewReader(c.file), int64(len(c.file)))
			if !errorHas(err, c.want) {
				t.Errorf("Read: err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// errorHas reports whether err's text contains one of the |-separated
// alternatives in want.
func errorHas(err error, want string) bool {
	if err == nil {
		return false
	}
	for _, w := range strings.Split(want, "|") {
		if strings.Contains(err.Error(), w) {
			return true
		}
	}
	return false
}

// TestAccepted checks inputs that are unusual but valid.
func TestAccepted(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		n    int
	}{
		{"empty object", withHeader("{}", 0), 0},
		{"padded header", withHeader("{}      ", 0), 0},
		{"null metadata", withHeader(`{"__metadata__":null}`, 0), 0},
		{"unknown field ignored", withHeader(`{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":true}}`, 2), 1},
		{"scalar", withHeader(`{"x":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, 8), 1},
		{"zero-size tensors", withHeader(`{"a":{"dtype":"F32","shape":[0,5],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"c":{"dtype":"F32","shape":[0],"data_offsets":[1,1]}}`, 1), 3},
		{"out of order offsets", withHeader(`{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 2), 2},
		{"empty name", withHeader(`{"":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, 1), 1},
	}
	for _, c := range cases {
		f, err := Parse(c.file)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if f.Len() != c.n {
			t.Errorf("%s: %d tensors, want %d", c.name, f.Len(), c.n)
		}
	}
}

// TestReadErrors checks that I/O errors from the ReaderAt are reported.
func TestReadErrors(t *testing.T) {
	file := mustEncode(t, sample(t), nil)
	n := binary.LittleEndian.Uint64(file)
	for _, failAt := range []int64{0, 8, 8 + int64(n)} {
		r := failingReader{data: file, failAt: failAt}
		if _, err := Read(r, int64(len(file))); !errors.Is(err, errDisk) {
			t.Errorf("failure at %d: err = %v, want errDisk", failAt, err)
		}
	}
	if _, err := Read(bytes.NewReader(file[:len(file)-1]), int64(len(file))); err == nil {
		t.Error("reader shorter than the size given: no error")
	}
}

var errDisk = errors.New("disk on fire")

type failingReader struct {
	data   []byte
	failAt int64
}

func (r failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off == r.failAt {
		return 0, errDisk
	}
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func le64(v uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return b
}

// TestClaimedSizeNotAllocated checks that a header claiming a 2^40-element
// tensor is rejected without allocating anything near that size.
func TestClaimedSizeNotAllocated(t *testing.T) {
	file := withHeader(`{"x":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, 64)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 10; i++ {
		if _, err := Parse(file); err == nil {
			t.Fatal("Parse accepted it")
		}
		if _, err := Read(bytes.NewReader(file), int64(len(file))); err == nil {
			t.Fatal("Read accepted it")
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("20 rejections allocated %d bytes", d)
	}
}
