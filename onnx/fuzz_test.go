package onnx

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// fuzzSeeds adds the committed ONNX fixtures and hand-built models.
func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "onnx", "*.onnx"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Add([]byte(modelMsg(13, sampleGraph())))
	f.Add([]byte(modelMsg(9, msg(nil).bytes(5, tensorMsg("t", []int64{2, 2}, 1, 2, 3, 4)))))
	f.Add([]byte{})
}

// allocBound is the most a Parse of n input bytes may allocate: every
// decoded entry takes at least two input bytes and at most a few hundred
// bytes of memory; tensor data decoded from packed fields grows at most 8x.
func allocBound(n int) uint64 { return 256*uint64(n) + 1<<20 }

// FuzzParse feeds arbitrary bytes to Parse and, when they parse, to the
// tensor accessors, GraphInfo and the metadata readers: no panic, no hang,
// and allocation proportional to the input. (FuzzImport and FuzzCompile
// take parsed models further.)
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Parse(data, &Options{MaxTotalBytes: 64 << 20})
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > allocBound(len(data)) {
			t.Fatalf("Parse of %d bytes allocated %d bytes", len(data), d)
		}
		if err != nil {
			return
		}
		for i := range m.Graph.Initializers {
			in := &m.Graph.Initializers[i]
			_, _ = in.Float32s()
			_, _ = in.Int64s()
		}
		_ = m.GraphInfo().String()
		_, _ = m.Preprocessing()
		_ = m.Labels()
	})
}

// editGraphWith applies one 4-byte edit to g, swapping in ops from ops.
func editGraphWith(g *Graph, e []byte, ops []string) {
	if len(g.Nodes) == 0 {
		return
	}
	n := &g.Nodes[int(e[0])%len(g.Nodes)]
	other := &g.Nodes[int(e[2])%len(g.Nodes)]
	switch e[1] % 8 {
	case 0:
		n.OpType = ops[int(e[2])%len(ops)]
	case 1: // drop an input
		if len(n.Inputs) > 0 {
			i := int(e[2]) % len(n.Inputs)
			n.Inputs = append(n.Inputs[:i:i], n.Inputs[i+1:]...)
		}
	case 2: // read another node's output
		if len(n.Inputs) > 0 && len(other.Outputs) > 0 {
			n.Inputs[int(e[3])%len(n.Inputs)] = other.Outputs[0]
		}
	case 3: // change an int or ints attribute
		if len(n.Attrs) > 0 {
			a := &n.Attrs[int(e[2])%len(n.Attrs)]
			a.I = int64(int8(e[3]))
			for i := range a.Ints {
				a.Ints[i] = int64(int8(e[3])) + int64(i%2)
			}
		}
	case 4: // delete the node
		i := int(e[0]) % len(g.Nodes)
		g.Nodes = append(g.Nodes[:i:i], g.Nodes[i+1:]...)
	case 5: // duplicate the node
		g.Nodes = append(g.Nodes, *n)
	case 6: // output renamed
		if len(n.Outputs) > 0 {
			n.Outputs[0] = string(rune('a' + e[3]%26))
		}
	case 7: // drop an initializer
		if len(g.Initializers) > 0 {
			i := int(e[3]) % len(g.Initializers)
			g.Initializers = append(g.Initializers[:i:i], g.Initializers[i+1:]...)
		}
	}
}

// FuzzImport feeds mutated model bytes through Parse and Import, and reads
// every constant of the graphs that import: no panic, no hang, and memory
// in proportion to the input. Seeds: the committed fixtures (opset-7 ones
// too), the hand-built opset-7 forms, Identity aliases and a small hostile
// graph.
func FuzzImport(f *testing.F) {
	fuzzSeeds(f)
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "opset7", "*.onnx"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(modelMsg(7, opset7Graph())))
	f.Add([]byte(hostileModel(40, 100)))
	f.Add([]byte(modelMsg(13, graphMsg([]msg{
		nodeMsg("Identity", "i1", []string{"x"}, []string{"a"}),
		nodeMsg("Identity", "i2", []string{"a"}, []string{"b"}),
		nodeMsg("Softmax", "s", []string{"b"}, []string{"y"}, attrInt("axis", 1)),
	}, nil, []any{"N", 3, "H", "W"}, "y"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Parse(data, &Options{MaxTotalBytes: 64 << 20})
		if err != nil {
			return
		}
		g, err := m.Import(&ImportOptions{Height: 32, Width: 32})
		if err != nil {
			return
		}
		for _, v := range g.Values() {
			if v.Const != nil {
				_, _ = v.Const.Float32s()
				_, _ = v.Const.Int64s()
			}
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 2*allocBound(len(data)) {
			t.Fatalf("Parse and Import of %d bytes allocated %d bytes", len(data), d)
		}
	})
}

// importEditOps are the operator types FuzzImportEdits swaps in: those
// Import rewrites, and some it refuses.
var importEditOps = []string{"BatchNormalization", "Pad", "Slice", "Squeeze", "Unsqueeze", "ReduceMean",
	"Clip", "Split", "Dropout", "MaxPool", "Softmax", "LogSoftmax", "Identity", "Constant", "Upsample",
	"Conv", "Gemm", "Flatten", "Reshape", "Concat", "Shape", "Cast", "Relu", "Add"}

// FuzzImportEdits edits a hand-built opset-7 graph and an opset-7 fixture
// as the fuzzer's bytes say (4 bytes per edit, see editGraphWith; the first
// byte picks the model and its opset) and runs Import and, when it
// succeeds, graph.InferShapes and graph.Check: errors are fine, panics and
// hangs are not.
func FuzzImportEdits(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{1, 3, 0, 2, 0})
	f.Add([]byte{2, 7, 1, 0, 0, 9, 2, 1, 1})
	f.Add([]byte{3, 1, 3, 1, 5, 2, 4, 0, 0})
	f.Add([]byte{4, 20, 5, 0, 3, 0, 6, 1, 0})
	fixture, err := os.ReadFile(filepath.Join(fixtureDir, "opset7", "resnet18_w4_kept_opset7.onnx"))
	if err != nil {
		f.Fatal(err)
	}
	bases := [][]byte{modelMsg(7, opset7Graph()), fixture}
	opsets := []int64{7, 8, 9, 10, 11, 12, 13, 18, 21}
	f.Fuzz(func(t *testing.T, edits []byte) {
		if len(edits) == 0 {
			return
		}
		m, err := Parse(bases[int(edits[0])%len(bases)], nil)
		if err != nil {
			t.Fatal(err)
		}
		m.Opsets[0].Version = opsets[int(edits[0]/2)%len(opsets)]
		for edits = edits[1:]; len(edits) >= 4; edits = edits[4:] {
			editGraphWith(&m.Graph, edits[:4], importEditOps)
		}
		g, err := m.Import(nil)
		if err != nil {
			return
		}
		if graph.InferShapes(g) == nil {
			_ = graph.Check(g)
		}
	})
}
