package onnx

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/internal/testutil"
	"github.com/gorn-ml/gorn/resnet"
)

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

// logitsOf compiles m and returns its logits for in (nil: a fixed
// pattern).
func logitsOf(t *testing.T, m *Model, in []float32) []float32 {
	t.Helper()
	em, err := m.CompileGraph(&CompileOptions{Engine: engine.Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	if in == nil {
		in = make([]float32, em.InputLen())
		for i := range in {
			in[i] = float32(i%97)/48 - 1
		}
	}
	out := make([]float32, em.Outputs()[0].Len())
	if err := em.Infer(context.Background(), out, in[:em.InputLen()], 1); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompileVariants feeds graph forms other exporters write: Identity
// chains, Pad before a Conv, MatMul+Add or Reshape in the head, an
// AveragePool head. Each gives PyTorch's logits for the unaltered network
// (rel L2 <= 1e-4 from float64) and, where the arithmetic is the same,
// the unaltered graph's logits bit for bit.
func TestCompileVariants(t *testing.T) {
	ref := readRef(t, "resnet18_w4.safetensors")
	classes := ref.Arch.Classes
	base := logitsOf(t, loadFixture(t, "resnet18_w4_kept_b1.onnx"), ref.Input)
	variants := []struct {
		name   string
		exact  bool
		change func(t *testing.T, m *Model)
	}{
		{"identity chain", true, func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "Relu", 4)]
			out := n.Outputs[0]
			n.Outputs[0] = out + "_pre"
			m.Graph.Nodes = append(m.Graph.Nodes,
				Node{OpType: "Identity", Inputs: []string{out + "_pre"}, Outputs: []string{out + "_mid"}},
				Node{OpType: "Identity", Inputs: []string{out + "_mid"}, Outputs: []string{out}})
		}},
		{"pad before conv", true, func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "Conv", 3)]
			setInts(n, "pads", 0, 0, 0, 0)
			in := n.Inputs[0]
			n.Inputs[0] = in + "_padded"
			m.Graph.Initializers = append(m.Graph.Initializers,
				Tensor{Name: "pads_c3", DataType: Int64, Dims: []int64{8}, n: 8, src: srcInt64, i64: []int64{0, 0, 1, 1, 0, 0, 1, 1}})
			m.Graph.Nodes = append(m.Graph.Nodes, Node{Name: "pad", OpType: "Pad",
				Inputs: []string{in, "pads_c3"}, Outputs: []string{in + "_padded"}})
		}},
		{"reshape head", true, func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "Flatten", 0)]
			n.OpType, n.Attrs = "Reshape", nil
			n.Inputs = append(n.Inputs, "shape_c")
			m.Graph.Nodes = append(m.Graph.Nodes, Node{OpType: "Constant", Outputs: []string{"shape_c"},
				Attrs: []Attribute{{Name: "value_ints", Type: AttrInts, Ints: []int64{-1, 32}}}})
		}},
		{"matmul head", false, func(t *testing.T, m *Model) {
			i := findNode(t, m, "Gemm", 0)
			g := m.Graph.Nodes[i]
			m.Graph.Initializers = append(m.Graph.Initializers, transposedInitializer(t, m, g.Inputs[1], "fc_wt"))
			m.Graph.Nodes[i] = Node{OpType: "MatMul", Inputs: []string{g.Inputs[0], "fc_wt"}, Outputs: []string{"mm"}}
			m.Graph.Nodes = append(m.Graph.Nodes, Node{OpType: "Add", Inputs: []string{g.Inputs[2], "mm"}, Outputs: g.Outputs})
		}},
		{"average pool head", false, func(t *testing.T, m *Model) {
			n := &m.Graph.Nodes[findNode(t, m, "GlobalAveragePool", 0)]
			n.OpType = "AveragePool"
			setInts(n, "kernel_shape", 2, 2)
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			m := loadFixture(t, "resnet18_w4_kept_b1.onnx")
			v.change(t, m)
			got := logitsOf(t, m, ref.Input)
			if d := testutil.RelL2(got, ref.Expected[:classes]); !(d <= 1e-4) {
				t.Errorf("rel L2 %.3g from PyTorch > 1e-4", d)
			}
			for i := range got {
				if v.exact && got[i] != base[i] || math.Abs(float64(got[i]-base[i])) > 1e-4*(1+math.Abs(float64(base[i]))) {
					t.Fatalf("logit %d: %g, unaltered graph gives %g", i, got[i], base[i])
				}
			}
		})
	}
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
		r, c := int(in.Dims[0]), int(in.Dims[1])
		tr := make([]float32, len(v))
		for y := range r {
			for x := range c {
				tr[x*r+y] = v[y*c+x]
			}
		}
		return Tensor{Name: newName, DataType: Float, Dims: []int64{int64(c), int64(r)}, n: int64(r * c), src: srcFloat, f32: tr}
	}
	t.Fatalf("no initializer %q", name)
	return Tensor{}
}

// alteredCases are graph changes the old ResNet recogniser refused
// (another activation, a value read twice, dilation, asymmetric pads, a
// stride-1 pool, a Mul in place of an Add, two outputs)
// now compile and run; changes outside the supported set (an operator of
// another domain, a training-mode BatchNorm, an opset past 21, a weight
// that nothing defines) are refused with an error that names the culprit.
var alteredCases = []struct {
	name, file string
	change     func(t *testing.T, m *Model) string // the error's substring, "" when it must compile
}{
	{"sigmoid", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Nodes[findNode(t, m, "Relu", 3)].OpType = "Sigmoid"
		return ""
	}},
	{"second consumer", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		r := m.Graph.Nodes[findNode(t, m, "Relu", 2)]
		m.Graph.Nodes = append(m.Graph.Nodes, Node{Name: "tap", OpType: "Relu",
			Inputs: []string{r.Inputs[0]}, Outputs: []string{"tapped"}})
		m.Graph.Outputs = append(m.Graph.Outputs, ValueInfo{Name: "tapped"})
		return ""
	}},
	{"dilation", "bottleneck_v15_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		setInts(&m.Graph.Nodes[findNode(t, m, "Conv", 5)], "dilations", 2, 2)
		return ""
	}},
	{"asymmetric pads", "resnext_g4_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		setInts(&m.Graph.Nodes[findNode(t, m, "Conv", 2)], "pads", 0, 0, 2, 2) // same size, shifted
		return ""
	}},
	{"pool stride 1", "wide_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		setInts(&m.Graph.Nodes[findNode(t, m, "MaxPool", 0)], "strides", 1, 1)
		return ""
	}},
	{"mul shortcut", "bottleneck_v1_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Nodes[findNode(t, m, "Add", 1)].OpType = "Mul"
		return ""
	}},
	{"opset 22", "resnet18_w4_kept_b1.onnx", func(t *testing.T, m *Model) string {
		m.Opsets = []OpsetID{{Version: 22}}
		return "22"
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
		return "com.microsoft"
	}},
	{"unknown op", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		m.Graph.Nodes[findNode(t, m, "Relu", 3)].OpType = "Erf"
		return "Erf"
	}},
	{"undefined weight", "resnet18_w4_fused_b1.onnx", func(t *testing.T, m *Model) string {
		c := m.Graph.Nodes[findNode(t, m, "Conv", 1)]
		for i := range m.Graph.Initializers {
			if m.Graph.Initializers[i].Name == c.Inputs[1] {
				m.Graph.Initializers[i].Name = "renamed"
			}
		}
		return c.Inputs[1]
	}},
}

// TestCompileAltered runs alteredCases.
func TestCompileAltered(t *testing.T) {
	for _, c := range alteredCases {
		t.Run(c.name, func(t *testing.T) {
			m := loadFixture(t, c.file)
			want := c.change(t, m)
			em, err := m.CompileGraph(&CompileOptions{Engine: engine.Options{Threads: 1}})
			if want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer em.Close()
				out := make([]float32, em.Outputs()[0].Len())
				if err := em.Infer(context.Background(), out, make([]float32, em.InputLen()), 1); err != nil {
					t.Fatal(err)
				}
				for i, v := range out {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("logit %d is %g", i, v)
					}
				}
				return
			}
			if err == nil {
				em.Close()
				t.Fatalf("compiled; want an error naming %q", want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want it to name %q", err, want)
			}
			t.Log(err)
		})
	}
}

// The CIFAR stem (3x3/1 convolution, no max pool): a fixture rewired to it
// gives the logits resnet.New gives for StemCIFAR with the state dict and
// the same stem weight: the two frontends agree.
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
	got := logitsOf(t, m, nil)

	ref := readRef(t, "resnet18_w4.safetensors")
	w := resnet.Weights{}
	for k, v := range ref.Weights {
		w[k] = resnet.Tensor{Shape: shapeOf(m, k, v.Data), Data: v.Data}
	}
	w["conv1.weight"] = resnet.Tensor{Shape: []int{4, 3, 3, 3}, Data: stemW}
	a := resnet.Arch{Layers: ref.Arch.Layers, Width: ref.Arch.Width, Block: resnet.Basic, Version: resnet.V1_5,
		Classes: ref.Arch.Classes, InChannels: 3, Eps: 1e-5, Stem: resnet.StemCIFAR}
	rm, err := resnet.New(a, w, &resnet.Options{Threads: 1, Height: 64, Width: 64})
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
	want := make([]float64, len(out))
	for i, v := range out {
		want[i] = float64(v)
	}
	if d := testutil.RelL2(got, want); !(d <= 1e-6) {
		t.Errorf("ONNX and state dict differ: rel L2 %.3g\n%v\n%v", d, got, out)
	}
}

// shapeOf returns the shape of state-dict tensor key, taken from the
// initializer of the same name (kept-BN exports keep the names).
func shapeOf(m *Model, key string, v []float32) []int {
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
