package onnx

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// TestImportInferShapes: every imported fixture infers shapes at its fixed
// input size (and the digits model at 224x224 as well as its 32x32, since
// its spatial size is fixed only in the file: it is asked for 32x32) and
// passes Check; the logits come out [1, classes].
func TestImportInferShapes(t *testing.T) {
	var files []string
	for _, e := range readManifest(t) {
		files = append(files, filepath.Join(fixtureDir, e.File))
	}
	files = append(files, filepath.Join("..", "testdata", "digits", "digits_resnet.onnx"))
	for _, path := range files {
		m, g := importFixture(t, path, nil)
		name := filepath.Base(path)
		if err := graph.InferShapes(g); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := graph.Check(g); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		out := m.Graph.Outputs[0]
		want := []int{1, int(out.Shape[1].Value)}
		if got := g.Outputs[0].Shape; !slices.Equal(got, want) || g.Outputs[0].DType != graph.Float32 {
			t.Errorf("%s: logits %v %v, want %v", name, g.Outputs[0].DType, got, want)
		}
		for _, v := range g.Values() {
			if v.Shape == nil {
				t.Errorf("%s: %v has no shape", name, v)
			}
		}
	}
}

// TestImportOpset7Shapes: the normalised opset-7 forms are what shape
// inference reads: the constant inputs the importer made give the shapes
// the old attributes meant.
func TestImportOpset7Shapes(t *testing.T) {
	g, err := importMsg(t, 7, opset7GraphSplit(false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := graph.InferShapesWith(g, graph.ShapeOptions{After: foldShape(g)}); err != nil {
		t.Fatal(err)
	}
	if err := graph.Check(g); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"p":   {1, 3, 10, 10}, // Pad 1 on each side of H and W
		"bn":  {1, 3, 10, 10},
		"u":   {1, 1, 3, 10, 10}, // Unsqueeze axes [1]
		"sq":  {1, 3, 10, 10},
		"sl":  {1, 2, 10, 10}, // Slice channels 1..3
		"r":   {1, 2, 1, 1},   // ReduceMean over H, W kept
		"f":   {1, 2},
		"sm":  {1, 2},
		"sm4": {1, 2, 10, 10}, // Flatten -> Softmax -> Reshape back
		"mp":  {1, 2, 9, 9},
		"fc":  {1, 2},
	}
	for name, shape := range want {
		if v := g.Value(name); v == nil || !slices.Equal(v.Shape, shape) {
			t.Errorf("%s: shape %v, want %v", name, v.Shape, shape)
		}
	}
}

// foldShape is the part of constant folding these tests need: a Shape node
// whose input shape is known becomes a constant (graph/opt folds it in the
// compiler).
func foldShape(g *graph.Graph) func(n *graph.Node) error {
	return func(n *graph.Node) error {
		if n.Op != "Shape" || len(n.Attrs) != 0 || n.Inputs[0].Shape == nil {
			return nil
		}
		dims := make([]int64, len(n.Inputs[0].Shape))
		for i, d := range n.Inputs[0].Shape {
			dims[i] = int64(d)
		}
		c, err := g.AddConst(n.Outputs[0].Name+".folded", graph.Ints([]int{len(dims)}, dims))
		if err != nil {
			return err
		}
		g.ReplaceUses(n.Outputs[0], c)
		return g.Remove(n)
	}
}

// TestImportOpset7Values evaluates normalised opset-7 nodes (graph/eval,
// float64) against references written here: Pad with a value attribute,
// Clip with min and max attributes, and Softmax with the old flattening
// meaning on a 4-D input (axis 1: over C*H*W; axis 2: over H*W per
// channel; axis 3: over W).
func TestImportOpset7Values(t *testing.T) {
	nodes := []msg{
		nodeMsg("Pad", "pad", []string{"x"}, []string{"p"}, attrInts("pads", 0, 0, 1, 1, 0, 0, 1, 1), attrFloat("value", 0.5)),
		nodeMsg("Clip", "clip", []string{"x"}, []string{"c"}, attrFloat("min", -0.2), attrFloat("max", 0.3)),
		nodeMsg("Softmax", "s1", []string{"x"}, []string{"s1"}, attrInt("axis", 1)),
		nodeMsg("Softmax", "s2", []string{"x"}, []string{"s2"}, attrInt("axis", 2)),
		nodeMsg("Softmax", "s3", []string{"x"}, []string{"s3"}, attrInt("axis", 3)),
	}
	const c, h, w = 2, 3, 3
	g, err := importMsg(t, 7, graphMsg(nodes, nil, []any{1, c, h, w}, "p", "c", "s1", "s2", "s3"), nil)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, c*h*w)
	for i := range x {
		x[i] = float64(i)*0.1 - 0.5
	}
	out, err := eval.Run(g, map[string]*eval.Tensor{"x": eval.NewFloat([]int{1, c, h, w}, x)})
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]float64, c*(h+2)*(w+2))
	for ch := range c {
		for i := range h + 2 {
			for j := range w + 2 {
				v := 0.5
				if i >= 1 && i <= h && j >= 1 && j <= w {
					v = x[(ch*h+i-1)*w+j-1]
				}
				pad[(ch*(h+2)+i)*(w+2)+j] = v
			}
		}
	}
	clip := make([]float64, len(x))
	for i, v := range x {
		clip[i] = math.Min(math.Max(v, -0.2), 0.3)
	}
	want := map[string][]float64{"p": pad, "c": clip,
		"s1": softmaxRows(x, c*h*w), "s2": softmaxRows(x, h*w), "s3": softmaxRows(x, w)}
	for name, ref := range want {
		got := out[name]
		if got == nil || len(got.F) != len(ref) {
			t.Fatalf("%s: %+v", name, got)
		}
		for i := range ref {
			if math.Abs(got.F[i]-ref[i]) > 1e-6 {
				t.Errorf("%s[%d] = %g, want %g", name, i, got.F[i], ref[i])
			}
		}
	}
}

// softmaxRows is the softmax of each run of n consecutive elements.
func softmaxRows(x []float64, n int) []float64 {
	y := make([]float64, len(x))
	for r := 0; r < len(x); r += n {
		sum := 0.0
		for _, v := range x[r : r+n] {
			sum += math.Exp(v)
		}
		for i := r; i < r+n; i++ {
			y[i] = math.Exp(x[i]) / sum
		}
	}
	return y
}
