package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/mmap"
)

// sample returns a few tensors of different dtypes and shapes, a scalar and
// an empty tensor included.
func sample(t *testing.T) []Tensor {
	t.Helper()
	w, err := FromFloat32("conv1.weight", []int{2, 1, 2, 2}, []float32{1, -2, 3.5, 0, -0.25, 8, 9, 1e-30})
	if err != nil {
		t.Fatal(err)
	}
	s, err := FromFloat64("scale", nil, []float64{math.Pi})
	if err != nil {
		t.Fatal(err)
	}
	e, err := FromFloat32("empty", []int{3, 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := Tensor{Name: "half", DType: F16, Shape: []int{3}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c}}
	b := Tensor{Name: "brain", DType: BF16, Shape: []int{2}, Data: []byte{0x80, 0x3f, 0x49, 0x40}}
	i := Tensor{Name: "ids", DType: I64, Shape: []int{2}, Data: make([]byte, 16)}
	return []Tensor{w, s, e, h, b, i}
}

func TestRoundTrip(t *testing.T) {
	in := sample(t)
	meta := map[string]string{"format": "pt", "note": "<&> \"quoted\""}
	enc, err := Encode(in, meta)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), enc) {
		t.Fatal("Write and Encode produce different bytes")
	}
	if n := binary.LittleEndian.Uint64(enc); (8+n)%8 != 0 {
		t.Errorf("data section starts at %d, not a multiple of 8", 8+n)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(path, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(enc)
	if err != nil {
		t.Fatal(err)
	}
	read, err := Read(bytes.NewReader(enc), int64(len(enc)))
	if err != nil {
		t.Fatal(err)
	}
	opened, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	for _, f := range []*File{parsed, read, opened} {
		if !reflect.DeepEqual(f.Metadata, meta) {
			t.Errorf("metadata %v, want %v", f.Metadata, meta)
		}
		want := []string{"brain", "conv1.weight", "empty", "half", "ids", "scale"}
		if got := f.Names(); !reflect.DeepEqual(got, want) {
			t.Errorf("names %v, want %v", got, want)
		}
		for _, w := range in {
			g, err := f.Get(w.Name)
			if err != nil {
				t.Fatal(err)
			}
			if g.DType != w.DType || !sameShape(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("%s: got %s %v %x, want %s %v %x", w.Name, g.DType, g.Shape, g.Data, w.DType, w.Shape, w.Data)
			}
		}
	}
}

func TestFloatConversions(t *testing.T) {
	f, err := Parse(mustEncode(t, sample(t), nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		want []float64
	}{
		{"conv1.weight", []float64{1, -2, 3.5, 0, -0.25, 8, 9, float64(float32(1e-30))}},
		{"scale", []float64{math.Pi}},
		{"empty", []float64{}},
		{"half", []float64{1, -2, math.Inf(1)}},
		{"brain", []float64{1, 3.140625}},
	}
	for _, c := range cases {
		tn, _ := f.Tensor(c.name)
		got64, err := tn.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		got32, err := tn.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if len(got64) != len(c.want) || len(got32) != len(c.want) {
			t.Fatalf("%s: %d/%d values, want %d", c.name, len(got64), len(got32), len(c.want))
		}
		for i, w := range c.want {
			if got64[i] != w || got32[i] != float32(w) {
				t.Errorf("%s[%d] = %v (f64), %v (f32), want %v", c.name, i, got64[i], got32[i], w)
			}
		}
	}
	ids, _ := f.Tensor("ids")
	if _, err := ids.Float32s(); err == nil || !strings.Contains(err.Error(), "I64") {
		t.Errorf("I64 to float: err = %v, want a dtype error", err)
	}
	if _, err := ids.Float64s(); err == nil {
		t.Error("I64 to float64: no error")
	}
}

// TestHalfAllValues checks every binary16 bit pattern against the value the
// IEEE 754 definition gives, computed in float64.
func TestHalfAllValues(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, m := (h>>10)&0x1f, float64(h&0x3ff)
		var want float64
		switch {
		case e == 0:
			want = sign * math.Ldexp(m/1024, -14)
		case e == 31 && m == 0:
			want = math.Inf(int(sign))
		case e == 31:
			want = math.NaN()
		default:
			want = sign * math.Ldexp(1+m/1024, e-15)
		}
		got := halfToFloat32(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("half %#04x = %v, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("half %#04x = %v, want %v", h, got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	for _, v := range []float32{0, 1, -2.5, 3.0e38, float32(math.Inf(-1)), 1e-40} {
		bits := math.Float32bits(v)
		if bits&0xffff != 0 {
			continue // not representable in bf16
		}
		if got := bf16ToFloat32(uint16(bits >> 16)); got != v {
			t.Errorf("bf16(%v) = %v", v, got)
		}
	}
	if got := bf16ToFloat32(0x7fc0); !math.IsNaN(float64(got)) {
		t.Errorf("bf16 NaN = %v", got)
	}
}

func TestTensorValidation(t *testing.T) {
	good, _ := FromFloat32("x", []int{2}, []float32{1, 2})
	cases := map[string]Tensor{
		"unknown dtype":  {Name: "x", DType: "F128", Shape: []int{1}, Data: make([]byte, 16)},
		"short data":     {Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 7)},
		"negative dim":   {Name: "x", DType: F32, Shape: []int{-1}, Data: nil},
		"overflow shape": {Name: "x", DType: F32, Shape: []int{math.MaxInt, 2}, Data: nil},
		"bytes overflow": {Name: "x", DType: F64, Shape: []int{math.MaxInt / 4}, Data: nil},
	}
	for name, tn := range cases {
		if _, err := tn.Float32s(); err == nil {
			t.Errorf("%s: Float32s gave no error", name)
		}
		if _, err := Encode([]Tensor{tn}, nil); err == nil {
			t.Errorf("%s: Encode gave no error", name)
		}
	}
	if _, err := Encode([]Tensor{good, good}, nil); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate names: err = %v", err)
	}
	meta := good
	meta.Name = "__metadata__"
	if _, err := Encode([]Tensor{meta}, nil); err == nil {
		t.Error("tensor named __metadata__: no error")
	}
	bad := good
	bad.Name = "\xff"
	if _, err := Encode([]Tensor{bad}, nil); err == nil {
		t.Error("invalid UTF-8 name: no error")
	}
	if _, err := FromFloat32("x", []int{3}, []float32{1}); err == nil {
		t.Error("FromFloat32 with too few values: no error")
	}
	if _, err := FromFloat64("x", []int{-3}, nil); err == nil {
		t.Error("FromFloat64 with a negative dimension: no error")
	}
}

func TestFileAccessors(t *testing.T) {
	f, err := Parse(mustEncode(t, sample(t), nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 6 || len(f.Tensors()) != 6 {
		t.Errorf("Len %d, Tensors %d, want 6", f.Len(), len(f.Tensors()))
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("Tensor(nope) found")
	}
	if _, err := f.Get("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Get(nope) err = %v", err)
	}
	if f.Metadata != nil {
		t.Errorf("metadata %v, want nil", f.Metadata)
	}
	w, _ := f.Tensor("conv1.weight")
	if w.NumElements() != 8 {
		t.Errorf("NumElements = %d, want 8", w.NumElements())
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil || f.Len() != 0 {
		t.Errorf("second Close: %v, Len %d", err, f.Len())
	}
	if n := (&Tensor{Shape: []int{-1}}).NumElements(); n != -1 {
		t.Errorf("NumElements of a bad shape = %d, want -1", n)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := Open(dir); err == nil {
		t.Error("directory: no error")
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte{1, 2, 3}, 0o644)
	if _, err := Open(short); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short file: err = %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, withHeader(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), 0o644)
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("bad file: err = %v, want one naming the file", err)
	}
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustEncode(t *testing.T, ts []Tensor, meta map[string]string) []byte {
	t.Helper()
	b, err := Encode(ts, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withHeader builds a file from a raw JSON header and dataLen zero bytes.
func withHeader(hdr string, dataLen int) []byte {
	b := make([]byte, 8, 8+len(hdr)+dataLen)
	binary.LittleEndian.PutUint64(b, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, make([]byte, dataLen)...)
}

// A file truncated after Open gives an error naming the file, not SIGBUS.
func TestTruncatedAfterOpen(t *testing.T) {
	v := make([]float32, 1<<16) // 256 KiB: many pages past the header
	for i := range v {
		v[i] = float32(i)
	}
	tensor, err := FromFloat32("w", []int{len(v)}, v)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode([]Tensor{tensor}, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	got, err := f.Float32s("w")
	if f.release == nil || !mmap.Supported {
		// read into memory: truncation cannot hurt
		if err != nil || got[len(got)-1] != v[len(v)-1] {
			t.Fatalf("unmapped file: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrFault) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Float32s of a truncated mapped file: %v, want ErrFault naming %s", err, path)
	}
}
