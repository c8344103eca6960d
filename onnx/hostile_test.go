package onnx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/graph"
)

// Hostile graphs through the whole pipeline (LoadModel: Parse, Import,
// graph/opt, graph.Check, engine.Compile), issue 12 item 7: each compiles
// or is refused with a clear error. The only time limit is a hang guard far
// above the expected time; memory is reported (Go heap allocated during
// the load).

// reluChainModel: x -> n Relu nodes -> y.
func reluChainModel(n int) []byte {
	g := msg(nil).str(2, "relu-chain")
	prev := "x"
	for i := range n {
		name := fmt.Sprintf("r%d", i)
		if i == n-1 {
			name = "y"
		}
		g = g.bytes(1, nodeMsg("Relu", "", []string{prev}, []string{name}))
		prev = name
	}
	g = g.bytes(11, valueInfoMsg("x", 1, 3, 8, 8)).bytes(12, valueInfoMsg("y"))
	return modelMsg(13, g)
}

// sharedConvModel: x -> n 1x1 convs (4 -> 4 channels, with bias) that all
// read the same weight and bias initializers -> y.
func sharedConvModel(n int) []byte {
	w := make([]float32, 16)
	for i := range w {
		w[i] = 0.25 * float32(i%5-2)
	}
	g := msg(nil).str(2, "shared-convs")
	prev := "x"
	for i := range n {
		name := fmt.Sprintf("c%d", i)
		if i == n-1 {
			name = "y"
		}
		g = g.bytes(1, nodeMsg("Conv", "", []string{prev, "w", "b"}, []string{name}))
		prev = name
	}
	g = g.bytes(5, tensorMsg("w", []int64{4, 4, 1, 1}, w...)).bytes(5, tensorMsg("b", []int64{4}, 0.5, -0.5, 0.25, 0))
	g = g.bytes(11, valueInfoMsg("x", 1, 4, 6, 6)).bytes(12, valueInfoMsg("y"))
	return modelMsg(13, g)
}

// shapeSubgraphModel: a shape computed by depth levels of
// Concat(Slice(s, 0:2), Slice(s, 2:4)) from Shape(x), then Reshape(x, s)
// and a Relu: constant folding must fold the whole chain.
func shapeSubgraphModel(depth int) []byte {
	g := msg(nil).str(2, "shape-subgraph")
	g = g.bytes(1, nodeMsg("Shape", "", []string{"x"}, []string{"s0"}))
	for i := range depth {
		s, a, b, t := fmt.Sprintf("s%d", i), fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i), fmt.Sprintf("s%d", i+1)
		g = g.bytes(1, nodeMsg("Slice", "", []string{s, "i0", "i2"}, []string{a}))
		g = g.bytes(1, nodeMsg("Slice", "", []string{s, "i2", "i4"}, []string{b}))
		g = g.bytes(1, nodeMsg("Concat", "", []string{a, b}, []string{t}, attrInt("axis", 0)))
	}
	g = g.bytes(1, nodeMsg("Reshape", "", []string{"x", fmt.Sprintf("s%d", depth)}, []string{"r"}))
	g = g.bytes(1, nodeMsg("Relu", "", []string{"r"}, []string{"y"}))
	for _, c := range []struct {
		name string
		v    int64
	}{{"i0", 0}, {"i2", 2}, {"i4", 4}} {
		g = g.bytes(5, intTensorMsg(c.name, c.v))
	}
	g = g.bytes(11, valueInfoMsg("x", 1, 3, 5, 5)).bytes(12, valueInfoMsg("y"))
	return modelMsg(13, g)
}

// loadGuarded writes data to a file and runs LoadModel on it in a
// goroutine; a load that takes longer than a generous guard fails the test
// as a hang. It returns LoadModel's error after an inference on zeros when
// the model compiled, and logs the time and the Go heap allocated.
func loadGuarded(t *testing.T, data []byte, o *CompileOptions) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	done := make(chan error, 1)
	go func() {
		m, err := LoadModel(path, o)
		if err == nil {
			err = inferZeros(m)
		}
		done <- err
	}()
	select {
	case err := <-done:
		runtime.ReadMemStats(&after)
		t.Logf("%.1f kB file: %v, %.1f MB allocated: %v", float64(len(data))/1e3, time.Since(t0).Round(time.Millisecond),
			float64(after.TotalAlloc-before.TotalAlloc)/1e6, err)
		return err
	case <-time.After(3 * time.Minute):
		t.Fatal("compiling a hostile graph hangs")
		return nil
	}
}

// TestCompileHostile: issue 12's 2.2 MB file (a chain of 43,000 Identity
// nodes feeding one Concat of 130,000 inputs) and its variants: a chain of
// 40,000 Relu nodes, 20,000 convs sharing one weight, a Concat/Slice shape
// subgraph 5,000 levels deep (15,000 nodes). Each compiles, or is refused
// with an error that wraps graph.ErrUnsupported. Runs in -short.
func TestCompileHostile(t *testing.T) {
	t.Run("identity-fan-in/224", func(t *testing.T) {
		// At the default 224x224 the Concat would be 130,000 x 3 x 224 x 224
		// floats: refused before anything that size is allocated.
		err := loadGuarded(t, hostileModel(43000, 130000), nil)
		if !errors.Is(err, graph.ErrUnsupported) {
			t.Errorf("want a refusal wrapping graph.ErrUnsupported, got %v", err)
		}
	})
	t.Run("identity-fan-in/2x2", func(t *testing.T) {
		err := loadGuarded(t, hostileModel(43000, 130000), &CompileOptions{Import: ImportOptions{Height: 2, Width: 2}})
		if err != nil && !errors.Is(err, graph.ErrUnsupported) {
			t.Errorf("neither compiled nor refused as unsupported: %v", err)
		}
	})
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"relu-chain-40000", reluChainModel(40000)},
		{"shared-conv-20000", sharedConvModel(20000)},
		{"shape-subgraph-5000", shapeSubgraphModel(5000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := loadGuarded(t, c.data, &CompileOptions{Engine: engine.Options{Threads: 1}}); err != nil {
				t.Error(err)
			}
		})
	}
}

// inferZeros runs one image of zeros, reads every output and closes m.
func inferZeros(m *engine.Model) error {
	defer m.Close()
	outs := m.Outputs()
	dsts := make([][]float32, len(outs))
	for i, o := range outs {
		dsts[i] = make([]float32, o.Len())
	}
	return m.InferOutputs(context.Background(), make([]float32, m.InputLen()), 1, dsts)
}
