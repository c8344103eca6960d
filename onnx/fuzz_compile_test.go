package onnx

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/graph/opt"
)

// fuzzCompileOptions caps every stage of the pipeline so that no input can
// make it allocate more than a few hundred MB or run for long: the graph's
// size (Import), constant folding (graph/opt), the workspace and the
// arithmetic of one image (engine).
var fuzzCompileOptions = CompileOptions{
	Import: ImportOptions{MaxNodes: 1 << 13, MaxEdges: 1 << 16},
	Passes: &opt.Options{MaxFoldElements: 1 << 18, MaxFoldTotal: 1 << 21},
	Engine: engine.Options{Threads: 1, MaxWorkspaceBytes: 64 << 20, MaxWork: 1 << 26},
}

// fuzzAllocLimit bounds what one compile and inference may allocate: the
// workspace and folding caps above, weights at most a few copies of the
// input, and the bookkeeping of a graph of MaxNodes nodes.
func fuzzAllocLimit(n int) uint64 { return 1<<30 + 64*uint64(n) }

// compileAndRun runs Parse -> CompileGraph -> Infer on a zero input with
// the fuzz caps: errors are fine; a panic, a hang (a generous guard), or
// memory beyond fuzzAllocLimit fails.
func compileAndRun(t *testing.T, m *Model, size int) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		em, err := m.CompileGraph(&fuzzCompileOptions)
		if err != nil {
			return
		}
		defer em.Close()
		dsts := make([][]float32, len(em.Outputs()))
		for i, o := range em.Outputs() {
			dsts[i] = make([]float32, o.Len())
		}
		_ = em.InferOutputs(context.Background(), make([]float32, em.InputLen()), 1, dsts)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		// A panic (not t.Fatal, whose deferred Close would unmap the file
		// under the running goroutine) prints every goroutine's stack:
		// where it hangs.
		panic("compile or inference of a fuzz input hangs")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > fuzzAllocLimit(size) {
		t.Fatalf("compiling and running a %d-byte model allocated %d MB", size, d>>20)
	}
}

// compileSeedFiles are the committed models FuzzCompile starts from: the
// graph compiler's fixtures and the recogniser's, below 128 KB.
func compileSeedFiles() []string {
	var files []string
	for _, pat := range []string{"../testdata/graphs/*.onnx", "../testdata/onnx/*.onnx", "../testdata/onnx/opset7/*.onnx"} {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			if st, err := os.Stat(f); err == nil && st.Size() < 128<<10 {
				files = append(files, f)
			}
		}
	}
	return files
}

// generatedSeeds are models built with protowire: the hostile shapes of
// TestCompileHostile, small, and graphs of the operators the table rows use.
func generatedSeeds() [][]byte {
	return [][]byte{
		modelMsg(13, sampleGraph()),
		modelMsg(7, opset7Graph()),
		hostileModel(40, 100),
		reluChainModel(30),
		sharedConvModel(20),
		shapeSubgraphModel(10),
		modelMsg(13, graphMsg([]msg{
			nodeMsg("Conv", "c", []string{"x", "w"}, []string{"c0"}, attrInts("pads", 1, 1, 1, 1), attrInts("dilations", 2, 2)),
			nodeMsg("AveragePool", "p", []string{"c0"}, []string{"p0"}, attrInts("kernel_shape", 2, 2),
				attrInts("strides", 2, 2), attrInt("ceil_mode", 1)),
			nodeMsg("GlobalAveragePool", "g", []string{"p0"}, []string{"g0"}),
			nodeMsg("Sigmoid", "s", []string{"g0"}, []string{"s0"}),
			nodeMsg("Mul", "m", []string{"p0", "s0"}, []string{"y"}),
		}, []msg{tensorMsg("w", []int64{4, 3, 3, 3}, make([]float32, 108)...)}, []any{"N", 3, 9, 7}, "y")),
	}
}

// FuzzCompile feeds mutated ONNX models through the whole compiler
// (Parse, Import, graph/opt, graph.Check, engine.Compile) and, when they
// compile, one inference on zeros: no panic, no hang, bounded memory.
// Seeds: testdata/graphs and testdata/onnx files below 128 KB and
// generated graphs.
func FuzzCompile(f *testing.F) {
	for _, name := range compileSeedFiles() {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, b := range generatedSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, &Options{MaxTotalBytes: 32 << 20})
		if err != nil {
			return
		}
		defer m.Close()
		compileAndRun(t, m, len(data))
	})
}

// compileEditOps are the operators FuzzCompileEdits swaps in: the issue's
// section 3 and some gorn refuses.
var compileEditOps = []string{"Conv", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid",
	"HardSwish", "Tanh", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
	"ReduceMean", "ReduceMax", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Gemm", "MatMul", "Softmax",
	"LogSoftmax", "Concat", "Slice", "Pad", "Identity", "Dropout", "Cast", "Shape", "Gather", "ConstantOfShape", "Resize"}

// FuzzCompileEdits edits a fixture of testdata/graphs as the fuzzer's
// bytes say (the first byte picks the fixture, then 4 bytes per edit: see
// editGraphWith) and runs the whole compiler and one inference: errors
// are fine, panics, hangs and unbounded memory are not. Structured edits
// reach the passes and the executor far more often than byte mutations.
func FuzzCompileEdits(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{1, 3, 0, 2, 0})
	f.Add([]byte{2, 7, 1, 0, 0, 9, 2, 1, 1})
	f.Add([]byte{3, 1, 3, 1, 5, 2, 4, 0, 0})
	f.Add([]byte{4, 20, 5, 0, 3, 0, 6, 1, 0})
	f.Add([]byte{5, 2, 0, 9, 0, 4, 3, 1, 200})
	var bases [][]byte
	for _, name := range compileSeedFiles() {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			bases = append(bases, b)
		}
	}
	bases = append(bases, generatedSeeds()...)
	f.Fuzz(func(t *testing.T, edits []byte) {
		if len(edits) == 0 {
			return
		}
		data := bases[int(edits[0])%len(bases)]
		m, err := Parse(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		for edits = edits[1:]; len(edits) >= 4; edits = edits[4:] {
			editGraphWith(&m.Graph, edits[:4], compileEditOps)
		}
		compileAndRun(t, m, len(data))
	})
}

// TestFuzzCompileSeeds: the fuzz caps refuse none of the committed seed
// models, so FuzzCompile's mutations start from graphs that compile.
func TestFuzzCompileSeeds(t *testing.T) {
	files := compileSeedFiles()
	if len(files) < 60 {
		t.Fatalf("%d seed files", len(files))
	}
	for _, name := range files {
		m, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		em, err := m.CompileGraph(&fuzzCompileOptions)
		m.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		em.Close()
	}
}
