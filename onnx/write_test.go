package onnx

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFixtures lists every committed ONNX file.
func writeFixtures(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"onnx/*.onnx", "onnx/opset7/*.onnx", "digits/*.onnx", "graphs/*.onnx"} {
		m, _ := filepath.Glob(filepath.Join("..", "testdata", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d ONNX fixtures, want the committed ones", len(files))
	}
	return files
}

// roundTrip parses data, writes it and parses the result.
func roundTrip(t *testing.T, data []byte) (first, second *Model, written []byte) {
	t.Helper()
	m, err := Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Parse(b, nil)
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	return m, m2, b
}

// TestWriteRoundTrip checks Parse(Marshal(m)) equals m, field by field and
// tensor by tensor, for every committed ONNX file, and that a second write
// gives the same bytes.
func TestWriteRoundTrip(t *testing.T) {
	for _, name := range writeFixtures(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			m, m2, b := roundTrip(t, data)
			if !reflect.DeepEqual(m, m2) {
				t.Fatalf("models differ after a round trip")
			}
			if len(m.Graph.Initializers) == 0 || len(m.Graph.Nodes) == 0 {
				t.Fatalf("fixture without nodes or initializers")
			}
			for i := range m.Graph.Initializers {
				a, err1 := m.Graph.Initializers[i].Float32s()
				c, err2 := m2.Graph.Initializers[i].Float32s()
				if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(a, c) {
					t.Fatalf("initializer %q differs", m.Graph.Initializers[i].Name)
				}
			}
			b2, err := m2.Marshal()
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("second write differs (err %v)", err)
			}
		})
	}
}

// TestWriteFields round-trips a hand-built model with every attribute kind,
// every tensor data field and shapes with symbolic, fixed and unknown dims.
func TestWriteFields(t *testing.T) {
	tensors := []msg{
		tensorMsg("raw", []int64{2, 2}, 1, -2, 3.5, float32(math.Inf(1))),
		msg(nil).packedInts(1, 3).varint(2, int64(Float)).str(8, "fd").packedFloats(4, 1, 2, 3),
		msg(nil).packedInts(1, 3).varint(2, int64(Int8)).str(8, "i32d").packedInts(5, -128, 0, 127),
		msg(nil).packedInts(1, 2).varint(2, int64(Int64)).str(8, "i64d").packedInts(7, math.MinInt64, math.MaxInt64),
		msg(nil).packedInts(1, 1).varint(2, int64(Double)).str(8, "dd").bytes(10, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}),
		msg(nil).packedInts(1, 2).varint(2, int64(Uint64)).str(8, "u64").packedInts(11, 1, -1),
		msg(nil).packedInts(1, 0).varint(2, int64(Float)).str(8, "empty"),
		msg(nil).varint(2, int64(Int32)).str(8, "scalar").bytes(9, []byte{1, 2, 3, 4}),
	}
	g := msg(nil).str(2, "g").str(10, "graph doc")
	for _, tm := range tensors {
		g = g.bytes(5, tm)
	}
	node := nodeMsg("Conv", "n0", []string{"x", "", "raw"}, []string{"y"},
		attrInts("ints", 1, -2, 3), attrInt("i", -7), attrFloat("f", -0.5), attrString("s", "ab"),
		msg(nil).str(1, "fs").varint(20, int64(AttrFloats)).packedFloats(7, 1, 2),
		msg(nil).str(1, "ss").varint(20, int64(AttrStrings)).str(9, "a").str(9, ""),
		msg(nil).str(1, "t").varint(20, int64(AttrTensor)).bytes(5, tensors[2]),
		msg(nil).str(1, "ts").varint(20, int64(AttrTensors)).bytes(10, tensors[0]).bytes(10, tensors[3]),
		msg(nil).str(1, "ref").varint(20, int64(AttrInt)).str(21, "outer"))
	g = g.bytes(1, node.str(7, "com.example"))
	g = g.bytes(11, valueInfoMsg("x", "N", 3, 8, 8)).bytes(12, valueInfoMsg("y")).
		bytes(13, msg(nil).str(1, "untyped")).
		bytes(13, msg(nil).str(1, "unknown").bytes(2, msg(nil).bytes(1, msg(nil).varint(1, int64(Int8)).bytes(2, msg(nil).bytes(1, nil)))))
	model := modelMsg(17, g).str(3, "1.0").str(4, "org.example").varint(5, 3).str(6, "doc").
		bytes(8, msg(nil).str(1, "com.example").varint(2, 1)).
		bytes(14, msg(nil).str(1, "k2").str(2, "v2")).bytes(14, msg(nil).str(1, "k1").str(2, ""))
	m, m2, _ := roundTrip(t, model)
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("round trip differs:\n%+v\n%+v", m.Graph, m2.Graph)
	}
	if len(m.Graph.Initializers) != len(tensors) || len(m.Graph.Nodes[0].Attrs) != 9 || len(m.Metadata) != 2 {
		t.Fatalf("fixture did not decode as built: %d tensors, %d attrs", len(m.Graph.Initializers), len(m.Graph.Nodes[0].Attrs))
	}
}

// TestWriteRefuses checks what Marshal cannot write is an error.
func TestWriteRefuses(t *testing.T) {
	for name, g := range map[string]msg{
		"subgraph": msg(nil).bytes(1, nodeMsg("If", "if", []string{"c"}, []string{"y"},
			msg(nil).str(1, "then_branch").varint(20, int64(AttrGraph)).bytes(6, msg(nil).str(2, "sub")))),
		"sparse": msg(nil).bytes(15, msg(nil)),
		"string": msg(nil).bytes(5, msg(nil).packedInts(1, 1).varint(2, int64(String)).str(8, "s").str(6, "abc")),
	} {
		m, err := Parse(modelMsg(13, g), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := m.Marshal(); err == nil || !strings.Contains(err.Error(), "onnx: write") {
			t.Errorf("%s: Marshal gave %v, want an error", name, err)
		}
	}
}

// TestNewTensor checks the constructors' data and their errors.
func TestNewTensor(t *testing.T) {
	f, err := NewFloat32Tensor("f", []int64{2, 1}, []float32{1.5, -2})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := f.Float32s(); err != nil || !reflect.DeepEqual(v, []float32{1.5, -2}) {
		t.Fatalf("Float32s %v %v", v, err)
	}
	i8, _ := NewInt8Tensor("a", []int64{3}, []int8{-128, 0, 127})
	u8, _ := NewUint8Tensor("b", []int64{2}, []uint8{0, 255})
	i32, _ := NewInt32Tensor("c", []int64{2}, []int32{math.MinInt32, 5})
	i64, _ := NewInt64Tensor("d", nil, []int64{-9})
	for _, c := range []struct {
		t    Tensor
		want []int64
	}{{i8, []int64{-128, 0, 127}}, {u8, []int64{0, 255}}, {i32, []int64{math.MinInt32, 5}}, {i64, []int64{-9}}} {
		if v, err := c.t.Int64s(); err != nil || !reflect.DeepEqual(v, c.want) {
			t.Errorf("%s: Int64s %v %v, want %v", c.t.Name, v, err, c.want)
		}
	}
	if _, err := NewFloat32Tensor("bad", []int64{3}, []float32{1}); err == nil {
		t.Error("3 dims, 1 value: no error")
	}
	if _, err := NewTensor("bad", String, nil, nil); err == nil {
		t.Error("STRING: no error")
	}
	if _, err := NewTensor("bad", Float, []int64{-1}, nil); err == nil {
		t.Error("negative dim: no error")
	}
	if _, err := NewTensor("bad", Float, []int64{1 << 62, 1 << 62}, nil); err == nil {
		t.Error("overflowing dims: no error")
	}
}

// FuzzWrite checks Parse -> Marshal -> Parse -> Marshal gives the same
// bytes twice, and that Marshal never panics on a parsed model.
func FuzzWrite(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, &Options{MaxTotalBytes: 64 << 20})
		if err != nil {
			return
		}
		defer m.Close()
		b, err := m.Marshal()
		if err != nil {
			return
		}
		m2, err := Parse(b, &Options{MaxTotalBytes: 64 << 20})
		if err != nil {
			t.Fatalf("written model does not parse: %v", err)
		}
		b2, err := m2.Marshal()
		if err != nil {
			t.Fatalf("second write: %v", err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("second write differs: %d and %d bytes", len(b), len(b2))
		}
	})
}
