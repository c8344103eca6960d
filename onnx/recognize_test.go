package onnx

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/resnet"
)

// loadFixture parses one committed ONNX fixture, for tests that alter its
// graph before recognising it.
func loadFixture(t *testing.T, name string) *Model {
	t.Helper()
	m, err := LoadFile(filepath.Join(fixtureDir, name), &Options{NoMmap: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// findNode returns the index of the k-th node (0-based) with op type op.
func findNode(t *testing.T, m *Model, op string, k int) int {
	t.Helper()
	for i, n := range m.Graph.Nodes {
		if n.OpType == op {
			if k == 0 {
				return i
			}
			k--
		}
	}
	t.Fatalf("no %s node #%d", op, k)
	return 0
}

func setInts(n *Node, name string, v ...int64) {
	if a := n.Attr(name); a != nil {
		a.Ints = v
		return
	}
	n.Attrs = append(n.Attrs, Attribute{Name: name, Type: AttrInts, Ints: v})
}

// recognizeErrorCases alter the graph of valid fixtures in ways gorn cannot
// run.
var recognizeErrorCases = []struct {
	name   string
	file   string
	change func(t *testing.T, m *Model) string // returns a substring the error must hold
}{
	{"unknown op", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "Relu", 3)]
		n.OpType = "Sigmoid"
		return `(Sigmoid)`
	}},
	{"dangling node", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Nodes = append(m.Graph.Nodes, Node{Name: "extra", OpType: "Softmax",
			Inputs: []string{"logits"}, Outputs: []string{"probs"}})
		return `"extra" (Softmax) could not be placed`
	}},
	{"second consumer", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		r := m.Graph.Nodes[findNode(t, m, "Relu", 2)]
		m.Graph.Nodes = append(m.Graph.Nodes, Node{Name: "tap", OpType: "Relu",
			Inputs: []string{r.Inputs[0]}, Outputs: []string{"tapped"}})
		return "consumers"
	}},
	{"dilation", "bottleneck_v15_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "Conv", 5)]
		setInts(n, "dilations", 2, 2)
		return "dilations [2 2]"
	}},
	{"asymmetric pads", "resnext_g4_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "Conv", 2)]
		setInts(n, "pads", 1, 1, 0, 0)
		return "asymmetric padding"
	}},
	{"pool", "wide_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "MaxPool", 0)]
		setInts(n, "strides", 1, 1)
		return "(MaxPool): stride 1"
	}},
	{"opset 8", "resnet18_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		m.Opsets = []OpsetID{{Version: 8}}
		return "opset 8"
	}},
	{"opset 22", "resnet18_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		m.Opsets = []OpsetID{{Version: 22}}
		return "opset 22"
	}},
	{"training BN", "preact18_w4_kept_dyn.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "BatchNormalization", 4)]
		if a := n.Attr("training_mode"); a != nil {
			a.I = 1
		} else {
			n.Attrs = append(n.Attrs, Attribute{Name: "training_mode", Type: AttrInt, I: 1})
		}
		return "training_mode"
	}},
	{"domain", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Nodes[findNode(t, m, "Add", 0)].Domain = "com.microsoft"
		return `domain "com.microsoft"`
	}},
	{"weights as input", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		c := m.Graph.Nodes[findNode(t, m, "Conv", 1)]
		for i := range m.Graph.Initializers {
			if m.Graph.Initializers[i].Name == c.Inputs[1] {
				m.Graph.Initializers[i].Name = "renamed"
			}
		}
		return "is not a constant"
	}},
	{"two outputs", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Outputs = append(m.Graph.Outputs, m.Graph.Outputs[0])
		return "2 outputs"
	}},
	{"shortcut skips add", "bottleneck_v1_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		n := &m.Graph.Nodes[findNode(t, m, "Add", 1)]
		n.OpType = "Mul"
		return "(Mul)"
	}},
	{"no stem relu", "wide_w4_fused_dyn.onnx", func(t *testing.T, m *Model) string {
		i := findNode(t, m, "Relu", 0)
		r := m.Graph.Nodes[i]
		m.Graph.Nodes = append(m.Graph.Nodes[:i], m.Graph.Nodes[i+1:]...)
		for j := range m.Graph.Nodes {
			for k, in := range m.Graph.Nodes[j].Inputs {
				if in == r.Outputs[0] {
					m.Graph.Nodes[j].Inputs[k] = r.Inputs[0]
				}
			}
		}
		return "not followed by (BatchNormalization and) Relu"
	}},
}

// TestRecognizeErrors checks each altered graph gives an error that wraps
// ErrUnsupported and names the culprit.
func TestRecognizeErrors(t *testing.T) {
	for _, c := range recognizeErrorCases {
		t.Run(c.name, func(t *testing.T) {
			m := loadFixture(t, c.file)
			want := c.change(t, m)
			_, _, err := m.ResNet()
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want ErrUnsupported naming %q", err, want)
			}
			t.Log(err)
		})
	}
}

// TestRecognizeVariants feeds graph forms other exporters write: Identity
// nodes, Pad folded into Conv, MatMul+Add or Reshape in the head, Gemm
// without transB, an AveragePool head. The logits must not change.
func TestRecognizeVariants(t *testing.T) {
	base := loadFixture(t, "resnet18_w4_kept_b1.onnx")
	ref := logitsOf(t, base)
	variants := []struct {
		name   string
		change func(t *testing.T, m *Model)
	}{
		{"identity chain", func(t *testing.T, m *Model) {
			i := findNode(t, m, "Relu", 4)
			n := &m.Graph.Nodes[i]
			out := n.Outputs[0]
			n.Outputs[0] = out + "_pre"
			m.Graph.Nodes = append(m.Graph.Nodes,
				Node{OpType: "Identity", Inputs: []string{out + "_pre"}, Outputs: []string{out + "_mid"}},
				Node{OpType: "Identity", Inputs: []string{out + "_mid"}, Outputs: []string{out}})
		}},
		{"pad before conv", func(t *testing.T, m *Model) {
			i := findNode(t, m, "Conv", 3)
			n := &m.Graph.Nodes[i]
			setInts(n, "pads", 0, 0, 0, 0)
			in := n.Inputs[0]
			n.Inputs[0] = in + "_padded"
			m.Graph.Initializers = append(m.Graph.Initializers,
				Tensor{Name: "pads_c3", DataType: Int64, Dims: []int64{8}, n: 8, src: srcInt64, i64: []int64{0, 0, 1, 1, 0, 0, 1, 1}})
			m.Graph.Nodes = append(m.Graph.Nodes, Node{Name: "pad", OpType: "Pad",
				Inputs: []string{in, "pads_c3"}, Outputs: []string{in + "_padded"}})
		}},
		{"reshape head", func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "Flatten", 0)]
			n.OpType, n.Attrs = "Reshape", nil
			n.Inputs = append(n.Inputs, "shape_c")
			m.Graph.Nodes = append(m.Graph.Nodes, Node{OpType: "Constant", Outputs: []string{"shape_c"},
				Attrs: []Attribute{{Name: "value_ints", Type: AttrInts, Ints: []int64{-1, 32}}}})
		}},
		{"matmul head", func(t *testing.T, m *Model) {
			i := findNode(t, m, "Gemm", 0)
			g := m.Graph.Nodes[i]
			w := transposedInitializer(t, m, g.Inputs[1], "fc_wt")
			m.Graph.Initializers = append(m.Graph.Initializers, w)
			m.Graph.Nodes[i] = Node{OpType: "MatMul", Inputs: []string{g.Inputs[0], "fc_wt"}, Outputs: []string{"mm"}}
			m.Graph.Nodes = append(m.Graph.Nodes, Node{OpType: "Add", Inputs: []string{g.Inputs[2], "mm"}, Outputs: g.Outputs})
		}},
		{"average pool head", func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "GlobalAveragePool", 0)]
			n.OpType = "AveragePool"
			setInts(n, "kernel_shape", 2, 2)
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			m := loadFixture(t, "resnet18_w4_kept_b1.onnx")
			v.change(t, m)
			got := logitsOf(t, m)
			for i := range ref {
				if got[i] != ref[i] {
					t.Fatalf("logit %d: %g, unaltered graph gives %g", i, got[i], ref[i])
				}
			}
		})
	}
}

// logitsOf compiles m and returns its logits for a fixed input.
func logitsOf(t *testing.T, m *Model) []float32 {
	t.Helper()
	rm, err := m.Compile(&resnet.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	in := make([]float32, rm.InputLen())
	for i := range in {
		in[i] = float32(i%97)/48 - 1
	}
	out := make([]float32, rm.Classes())
	if err := rm.Infer(context.Background(), out, in, 1); err != nil {
		t.Fatal(err)
	}
	return out
}

// transposedInitializer returns the transpose of 2-D initializer name.
func transposedInitializer(t *testing.T, m *Model, name, newName string) Tensor {
	t.Helper()
	for i := range m.Graph.Initializers {
		in := &m.Graph.Initializers[i]
		if in.Name != name {
			continue
		}
		v, err := in.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		r, c := in.Dims[0], in.Dims[1]
		return Tensor{Name: newName, DataType: Float, Dims: []int64{c, r}, n: r * c, src: srcFloat,
			f32: transpose(v, int(r), int(c))}
	}
	t.Fatalf("no initializer %q", name)
	return Tensor{}
}

// The CIFAR stem (3x3/1 convolution, no pool) is recognised: a fixture
// rewired to it gives the logits resnet.New gives for StemCIFAR with the
// state dict and the same new stem weight.
func TestCIFARStem(t *testing.T) {
	m := loadFixture(t, "resnet18_w4_kept_b1.onnx")
	conv := &m.Graph.Nodes[findNode(t, m, "Conv", 0)]
	stemW := make([]float32, 4*3*3*3)
	for i := range stemW {
		stemW[i] = float32(i%7)/7 - 0.4
	}
	m.Graph.Initializers = append(m.Graph.Initializers, Tensor{Name: "stem3x3", DataType: Float,
		Dims: []int64{4, 3, 3, 3}, n: int64(len(stemW)), src: srcFloat, f32: stemW})
	conv.Inputs[1] = "stem3x3"
	setInts(conv, "kernel_shape", 3, 3)
	setInts(conv, "strides", 1, 1)
	setInts(conv, "pads", 1, 1, 1, 1)
	pi := findNode(t, m, "MaxPool", 0)
	pool := m.Graph.Nodes[pi]
	m.Graph.Nodes = append(m.Graph.Nodes[:pi], m.Graph.Nodes[pi+1:]...)
	for i := range m.Graph.Nodes {
		for j, in := range m.Graph.Nodes[i].Inputs {
			if in == pool.Outputs[0] {
				m.Graph.Nodes[i].Inputs[j] = pool.Inputs[0]
			}
		}
	}
	a, _, err := m.ResNet()
	if err != nil {
		t.Fatal(err)
	}
	if a.Stem != resnet.StemCIFAR {
		t.Fatalf("stem %v, want cifar", a.Stem)
	}
	got := logitsOf(t, m)

	ref := readRef(t, "resnet18_w4.safetensors")
	w := resnet.Weights{}
	for k, v := range ref.weights {
		w[k] = resnet.Tensor{Shape: shapeOf(t, m, k, v), Data: v}
	}
	w["conv1.weight"] = resnet.Tensor{Shape: []int{4, 3, 3, 3}, Data: stemW}
	want := ref.arch.arch(t)
	want.Stem = resnet.StemCIFAR
	rm, err := resnet.New(want, w, &resnet.Options{Threads: 1, Height: 64, Width: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	in := make([]float32, rm.InputLen())
	for i := range in {
		in[i] = float32(i%97)/48 - 1
	}
	out := make([]float32, rm.Classes())
	if err := rm.Infer(context.Background(), out, in, 1); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if got[i] != out[i] {
			t.Fatalf("logit %d: %g from ONNX, %g from the state dict", i, got[i], out[i])
		}
	}
}

// shapeOf returns the shape of state-dict tensor key, taken from the
// initializer of the same name (kept-BN exports keep the names).
func shapeOf(t *testing.T, m *Model, key string, v []float32) []int {
	for i := range m.Graph.Initializers {
		if in := &m.Graph.Initializers[i]; in.Name == key {
			s := make([]int, len(in.Dims))
			for j, d := range in.Dims {
				s[j] = int(d)
			}
			return s
		}
	}
	return []int{len(v)} // deduplicated BN vectors are 1-D
}
