package onnx

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
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
// tensor accessors and the ResNet recogniser: no panic, no hang, and
// allocation proportional to the input.
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
		_, _, _ = m.ResNet()
		_, _ = m.Info()
	})
}
