package safetensors

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic or hang, that whatever
// it accepts converts without error when the dtype is a float one, and that
// an accepted file encodes back to one that parses to the same tensors.
func FuzzParse(f *testing.F) {
	f.Add(mustEncodeF(f, nil))
	f.Add(withHeader(`{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 4))
	f.Add(withHeader(`{"__metadata__":{"a":"b"},"x":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}}`, 2))
	f.Add(withHeader(`{"x":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}`, 0))
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12))
	f.Add(append(le64(1<<40), "{}"...))
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "dtypes.safetensors")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := Parse(b)
		if err != nil {
			return
		}
		ts := pf.Tensors()
		for i := range ts {
			v, err := ts[i].Float32s()
			if err == nil && len(v) != ts[i].NumElements() {
				t.Fatalf("%s: %d values for %d elements", ts[i].Name, len(v), ts[i].NumElements())
			}
			if err != nil && DTypeSize(ts[i].DType) != 0 && isFloat(ts[i].DType) {
				t.Fatalf("%s: %v", ts[i].Name, err)
			}
		}
		enc, err := Encode(ts, pf.Metadata)
		if err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		again, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		ts2 := again.Tensors()
		if len(ts2) != len(ts) {
			t.Fatalf("%d tensors after a round trip, want %d", len(ts2), len(ts))
		}
		for i := range ts {
			if ts[i].Name != ts2[i].Name || ts[i].DType != ts2[i].DType ||
				!sameShape(ts[i].Shape, ts2[i].Shape) || !bytes.Equal(ts[i].Data, ts2[i].Data) {
				t.Fatalf("tensor %q changed in a round trip", ts[i].Name)
			}
		}
	})
}

func isFloat(dtype string) bool {
	return dtype == F32 || dtype == F64 || dtype == F16 || dtype == BF16
}

func mustEncodeF(f *testing.F, meta map[string]string) []byte {
	a, _ := FromFloat32("a", []int{2, 2}, []float32{1, 2, 3, 4})
	b, _ := FromFloat64("b", []int{1}, []float64{5})
	enc, err := Encode([]Tensor{a, b}, meta)
	if err != nil {
		f.Fatal(err)
	}
	return enc
}
