package onnx

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sampleGraph is a graph exercising every decoded field.
func sampleGraph() msg {
	w := tensorMsg("w", []int64{2, 3}, 1, 2, 3, 4, 5, 6)
	floatData := msg(nil).packedInts(1, 3).varint(2, int64(Float)).str(8, "fd").packedFloats(4, 0.5, -1, 2)
	unpacked := msg(nil).packedInts(1, 2).varint(2, int64(Float)).str(8, "fu").
		fixed32(4, math.Float32bits(7)).fixed32(4, math.Float32bits(8))
	i64 := msg(nil).packedInts(1, 4).varint(2, int64(Int64)).str(8, "shape").packedInts(7, -1, 0, 5, 1<<40)
	dbl := msg(nil).packedInts(1, 2).varint(2, int64(Double)).str(8, "dbl").
		fixed64(10, math.Float64bits(1.25)).fixed64(10, math.Float64bits(-3))
	half := msg(nil).packedInts(1, 2).varint(2, int64(Float16)).str(8, "half").packedInts(5, 0x3c00, 0xc000)
	scalar := msg(nil).varint(2, int64(Float)).str(8, "scalar").bytes(9, f32bytes(42))
	constant := nodeMsg("Constant", "c", nil, []string{"k"},
		msg(nil).str(1, "value").varint(20, int64(AttrTensor)).bytes(5, tensorMsg("", []int64{1}, 9)))
	conv := nodeMsg("Conv", "conv0", []string{"x", "w", ""}, []string{"y"},
		attrInts("pads", 1, 1, 1, 1), attrInt("group", 2), attrFloat("alpha", 0.25), attrString("auto_pad", "NOTSET"),
		msg(nil).str(1, "fl").varint(20, int64(AttrFloats)).packedFloats(7, 1.5, 2.5),
		msg(nil).str(1, "strs").varint(20, int64(AttrStrings)).str(9, "a").str(9, "b"),
		msg(nil).str(1, "sub").varint(20, int64(AttrGraph)).bytes(6, msg(nil).str(2, "inner")))
	return msg(nil).str(2, "g").bytes(1, constant).bytes(1, conv).
		bytes(5, w).bytes(5, floatData).bytes(5, unpacked).bytes(5, i64).bytes(5, dbl).bytes(5, half).bytes(5, scalar).
		bytes(11, valueInfoMsg("x", "batch", 3, 8, 8)).bytes(12, valueInfoMsg("y", "batch", 2, 8, 8)).
		bytes(13, valueInfoMsg("k", 1))
}

func TestParseFields(t *testing.T) {
	meta := msg(nil).str(1, "gorn.labels").str(2, "a,b")
	m, err := Parse(append(modelMsg(13, sampleGraph()), msg(nil).bytes(14, meta)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Metadata) != 1 || m.Metadata["gorn.labels"] != "a,b" {
		t.Errorf("metadata %v", m.Metadata)
	}
	if m.IRVersion != 8 || m.ProducerName != "gorn-test" || m.Opset() != 13 || m.Graph.Name != "g" {
		t.Errorf("model header: ir %d producer %q opset %d graph %q", m.IRVersion, m.ProducerName, m.Opset(), m.Graph.Name)
	}
	g := &m.Graph
	if len(g.Nodes) != 2 || g.Nodes[1].OpType != "Conv" || g.Nodes[1].Name != "conv0" {
		t.Fatalf("nodes: %+v", g.Nodes)
	}
	conv := &g.Nodes[1]
	if !slices.Equal(conv.Inputs, []string{"x", "w", ""}) || !slices.Equal(conv.Outputs, []string{"y"}) {
		t.Errorf("conv inputs %q outputs %q", conv.Inputs, conv.Outputs)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"pads", slices.Equal(conv.Attr("pads").Ints, []int64{1, 1, 1, 1})},
		{"group", conv.Attr("group").I == 2 && conv.Attr("group").Type == AttrInt},
		{"alpha", conv.Attr("alpha").F == 0.25},
		{"auto_pad", conv.Attr("auto_pad").S == "NOTSET"},
		{"fl", slices.Equal(conv.Attr("fl").Floats, []float32{1.5, 2.5})},
		{"strs", slices.Equal(conv.Attr("strs").Strings, []string{"a", "b"})},
		{"sub", conv.Attr("sub").HasGraph},
		{"missing", conv.Attr("nope") == nil},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("attribute %s decoded wrongly", c.name)
		}
	}
	wantF := map[string][]float32{
		"w": {1, 2, 3, 4, 5, 6}, "fd": {0.5, -1, 2}, "fu": {7, 8}, "dbl": {1.25, -3},
		"half": {1, -2}, "scalar": {42},
	}
	for i := range g.Initializers {
		in := &g.Initializers[i]
		if want, ok := wantF[in.Name]; ok {
			got, err := in.Float32s()
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s: got %v, %v; want %v", in.Name, got, err, want)
			}
		}
	}
	shape, err := g.Initializers[3].Int64s()
	if err != nil || !slices.Equal(shape, []int64{-1, 0, 5, 1 << 40}) {
		t.Errorf("int64 data: %v %v", shape, err)
	}
	if _, err := g.Initializers[0].Int64s(); err == nil {
		t.Error("Int64s of a FLOAT tensor succeeded")
	}
	k, err := g.Nodes[0].Attrs[0].T.Float32s()
	if err != nil || !slices.Equal(k, []float32{9}) {
		t.Errorf("constant tensor: %v %v", k, err)
	}
	in := g.Inputs[0]
	if in.Name != "x" || in.ElemType != Float || len(in.Shape) != 4 || in.Shape[0].Param != "batch" ||
		in.Shape[0].Known() || in.Shape[2].Value != 8 || !in.Shape[2].Known() {
		t.Errorf("input value info: %+v", in)
	}
	if len(g.Outputs) != 1 || len(g.ValueInfo) != 1 {
		t.Errorf("outputs %d value infos %d", len(g.Outputs), len(g.ValueInfo))
	}
}

// TestParseTruncated parses every prefix of a valid model: each must give
// a model or an error, never a panic.
func TestParseTruncated(t *testing.T) {
	full := modelMsg(13, sampleGraph())
	for n := range len(full) {
		_, _ = Parse(full[:n], nil)
	}
}

func TestParseRejects(t *testing.T) {
	huge := msg(nil).packedInts(1, 1<<20, 1<<20).varint(2, int64(Float)).str(8, "huge").bytes(9, f32bytes(1))
	overflow := msg(nil).packedInts(1, 1<<62, 1<<62).varint(2, int64(Float)).str(8, "ov")
	cases := []struct {
		name  string
		graph msg
		want  string
	}{
		{"2^40 elements", msg(nil).bytes(5, huge), "exceed the 1073741824-byte tensor limit"},
		{"dims overflow", msg(nil).bytes(5, overflow), "overflow"},
		{"negative dim", msg(nil).bytes(5, tensorMsg("n", []int64{-1}, 1)), "negative dimension"},
		{"raw size", msg(nil).bytes(5, tensorMsg("r", []int64{3}, 1, 2)), "data holds 8 values"},
		{"float_data count", msg(nil).bytes(5, msg(nil).packedInts(1, 4).varint(2, int64(Float)).packedFloats(4, 1)), "data holds 1 values"},
		{"no data", msg(nil).bytes(5, msg(nil).packedInts(1, 2).varint(2, int64(Float))), "data holds 0 values"},
		{"two data fields", msg(nil).bytes(5, tensorMsg("t", []int64{1}, 1).packedFloats(4, 1)), "more than one data field"},
		{"field type mismatch", msg(nil).bytes(5, msg(nil).packedInts(1, 1).varint(2, int64(Int64)).packedFloats(4, 1)), "does not match data type"},
		{"unknown type", msg(nil).bytes(5, msg(nil).packedInts(1, 1).varint(2, 99).bytes(9, []byte{1})), "unsupported data type"},
		{"rank", msg(nil).bytes(5, msg(nil).packedInts(1, make([]int64, 17)...).varint(2, 1)), "more than 16 values"},
		{"wire type", msg(nil).varint(1, 5), "wire type"},
		{"packed float", msg(nil).bytes(5, msg(nil).packedInts(1, 1).varint(2, 1).bytes(4, []byte{1, 2, 3})), "packed float payload of 3 bytes"},
		{"external without dir", msg(nil).bytes(5, extTensor("e", "w.bin", 0, 8)), "no base directory"},
		{"data_location", msg(nil).bytes(5, tensorMsg("d", []int64{1}, 1).varint(14, 7)), "data_location 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(modelMsg(13, c.graph), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := Parse([]byte{0x0a, 0x05, 1}, nil); err == nil {
		t.Error("truncated length accepted")
	}
	if _, err := Parse([]byte{0x0b}, nil); err == nil {
		t.Error("group wire type accepted")
	}
}

// TestHugeTensorAllocatesNothing checks the 2^40-element tensor is rejected
// before memory for it is allocated.
func TestHugeTensorAllocatesNothing(t *testing.T) {
	huge := msg(nil).packedInts(1, 1<<20, 1<<20).varint(2, int64(Float)).bytes(9, f32bytes(1, 2, 3))
	data := modelMsg(13, msg(nil).bytes(5, huge))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse(data, nil)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("accepted")
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
		t.Errorf("allocated %d bytes rejecting a 2^40-element tensor", d)
	}
}

func TestLimitsOption(t *testing.T) {
	g := msg(nil).bytes(5, tensorMsg("a", []int64{4}, 1, 2, 3, 4)).bytes(5, tensorMsg("b", []int64{4}, 1, 2, 3, 4))
	data := modelMsg(13, g)
	if _, err := Parse(data, &Options{MaxTensorBytes: 15}); err == nil || !strings.Contains(err.Error(), "tensor limit") {
		t.Errorf("MaxTensorBytes: %v", err)
	}
	if _, err := Parse(data, &Options{MaxTotalBytes: 31}); err == nil || !strings.Contains(err.Error(), "total limit") {
		t.Errorf("MaxTotalBytes: %v", err)
	}
	if _, err := Parse(data, &Options{MaxTotalBytes: 32}); err != nil {
		t.Errorf("exact total limit: %v", err)
	}
}

// extTensor is a FLOAT tensor of length/4 elements stored externally.
func extTensor(name, loc string, offset, length int) msg {
	kv := func(k, v string) msg { return msg(nil).str(1, k).str(2, v) }
	return msg(nil).packedInts(1, int64(length/4)).varint(2, int64(Float)).str(8, name).
		bytes(13, kv("location", loc)).bytes(13, kv("offset", strconv.Itoa(offset))).
		bytes(13, kv("length", strconv.Itoa(length))).varint(14, 1)
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	payload := append(make([]byte, 4096), f32bytes(1, 2, 3, 4)...)
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	g := msg(nil).bytes(5, extTensor("e", "w.bin", 4096, 16)).bytes(5, extTensor("f", "w.bin", 4100, 8))
	path := filepath.Join(dir, "sub", "m.onnx")
	for _, noMmap := range []bool{false, true} {
		os.WriteFile(path, modelMsg(13, g), 0o644)
		m, err := LoadFile(path, &Options{BaseDir: dir, NoMmap: noMmap})
		if err != nil {
			t.Fatal(err)
		}
		e, err1 := m.Graph.Initializers[0].Float32s()
		f, err2 := m.Graph.Initializers[1].Float32s()
		if err1 != nil || err2 != nil || !slices.Equal(e, []float32{1, 2, 3, 4}) || !slices.Equal(f, []float32{2, 3}) {
			t.Errorf("noMmap=%v: e=%v f=%v (%v, %v)", noMmap, e, f, err1, err2)
		}
		if !m.Graph.Initializers[0].External {
			t.Error("External not set")
		}
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}
	bad := []struct {
		name string
		t    msg
		want string
	}{
		{"escape", extTensor("e", "../w.bin", 0, 4), "not inside the model directory"},
		{"absolute", extTensor("e", filepath.Join(dir, "w.bin"), 0, 4), "not inside the model directory"},
		{"past end", extTensor("e", "w.bin", 4096, 20), "exceed"},
		{"offset past end", extTensor("e", "w.bin", 1<<30, 4), "exceed"},
		{"missing file", extTensor("e", "nope.bin", 0, 4), "nope.bin"},
		{"length mismatch", extTensor("e", "w.bin", 0, 4).bytes(13, msg(nil).str(1, "length").str(2, "8")), "external length 8"},
		{"bad offset", extTensor("e", "w.bin", 0, 4).bytes(13, msg(nil).str(1, "offset").str(2, "-4")), "non-negative"},
	}
	for _, c := range bad {
		_, err := Parse(modelMsg(13, msg(nil).bytes(5, c.t)), &Options{BaseDir: dir})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// A symlink that leaves the base directory is refused too.
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.bin"), f32bytes(1), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret.bin"), filepath.Join(dir, "link.bin")); err == nil {
		_, err := Parse(modelMsg(13, msg(nil).bytes(5, extTensor("e", "link.bin", 0, 4))), &Options{BaseDir: dir})
		if err == nil {
			t.Error("symlink out of the base directory followed")
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("directory accepted")
	}
	dir := t.TempDir()
	model, err := os.ReadFile(filepath.Join(fixtureDir, "resnet18_w4_fused_b1.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	// Every error names the file and says what is wrong with it.
	for _, c := range []struct{ name, data, want string }{
		{"empty.onnx", "", "empty.onnx: empty file"},
		{"text.onnx", "this is a text file, not a model\n", "text.onnx: not an ONNX model"},
		{"cut.onnx", string(model[:len(model)/2]), "cut.onnx: truncated"},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Parse of no bytes is an empty model, which has no graph to run.
	m, err := Parse(nil, nil)
	if err != nil || len(m.Graph.Nodes) != 0 {
		t.Errorf("empty data: %v", err)
	}
	if em, err := m.CompileGraph(nil); err == nil {
		em.Close()
		t.Error("empty model compiled")
	}
}

func TestHalfConversion(t *testing.T) {
	cases := map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.9604645e-08,
		0x03ff: 6.097555e-05, 0x0400: 6.1035156e-05, 0x7c00: float32(math.Inf(1)),
	}
	for h, want := range cases {
		if got := halfToFloat32(h, Float16); got != want {
			t.Errorf("half %#04x = %g, want %g", h, got, want)
		}
	}
	if got := halfToFloat32(0x7e00, Float16); !math.IsNaN(float64(got)) {
		t.Errorf("half NaN = %g", got)
	}
	if got := halfToFloat32(0x3f80, BFloat16); got != 1 {
		t.Errorf("bfloat16 1 = %g", got)
	}
}

// Reading a tensor after Close, or after the mapped file shrank under the
// model, is an error, not a crash.
func TestClosedAndTruncated(t *testing.T) {
	m := loadFixture(t, "resnet18_w4_fused_b1.onnx")
	m.Close()
	if _, err := m.Graph.Initializers[0].Float32s(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("after Close: %v", err)
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		// qemu-user reports the SIGBUS of a truncated mapping without its
		// address, which Go then reports as a nil dereference.
		t.Skip("truncation under a mapping is checked on linux/amd64 only")
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	g := msg(nil).bytes(5, tensorMsg("big", []int64{1 << 16}, make([]float32, 1<<16)...))
	if err := os.WriteFile(path, modelMsg(13, g), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := os.Truncate(path, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Graph.Initializers[0].Float32s(); err == nil || !strings.Contains(err.Error(), "memory fault") {
		t.Errorf("after truncation: %v", err)
	}
}
