package quantize

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/onnx"
)

// tinyModel is x(1,2,2,2) -> Conv 1x1 (3 channels, bias) -> Relu ->
// Flatten -> Gemm (4 classes, bias; weight (4,12) with transB=1, else
// (12,4)) -> y.
func tinyModel(t testing.TB, transB bool) *onnx.Model {
	t.Helper()
	must := func(x onnx.Tensor, err error) onnx.Tensor {
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	fc := make([]float32, 48)
	for r := 0; r < 4; r++ {
		for k := 0; k < 12; k++ {
			v := float32(k-5) * float32(r+1) / 10 // |max| of row r: 0.6(r+1)
			if transB {
				fc[r*12+k] = v
			} else {
				fc[k*4+r] = v
			}
		}
	}
	fcDims := []int64{12, 4}
	gemm := onnx.Node{Name: "fc", OpType: "Gemm", Inputs: []string{"f", "FW", "FB"}, Outputs: []string{"y"}}
	if transB {
		fcDims = []int64{4, 12}
		gemm.Attrs = []onnx.Attribute{{Name: "transB", Type: onnx.AttrInt, I: 1}}
	}
	dims := func(d ...int64) []onnx.Dim {
		out := make([]onnx.Dim, len(d))
		for i, v := range d {
			out[i].Value = v
		}
		return out
	}
	return &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetID{{Version: 13}},
		Metadata: map[string]string{"k": "v"},
		Graph: onnx.Graph{Name: "tiny",
			Nodes: []onnx.Node{
				{Name: "conv", OpType: "Conv", Inputs: []string{"x", "W", "B"}, Outputs: []string{"c"}},
				{Name: "relu", OpType: "Relu", Inputs: []string{"c"}, Outputs: []string{"r"}},
				{Name: "flat", OpType: "Flatten", Inputs: []string{"r"}, Outputs: []string{"f"}},
				gemm,
			},
			Initializers: []onnx.Tensor{
				must(onnx.NewFloat32Tensor("W", []int64{3, 2, 1, 1}, []float32{1, 0, 0, 1, 1, 1})),
				must(onnx.NewFloat32Tensor("B", []int64{3}, []float32{0, 0.5, -1})),
				must(onnx.NewFloat32Tensor("FW", fcDims, fc)),
				must(onnx.NewFloat32Tensor("FB", []int64{4}, []float32{0.1, -0.2, 0.3, 0})),
			},
			Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Shape: dims(1, 2, 2, 2), HasShape: true}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Shape: dims(1, 4), HasShape: true}},
		}}
}

// tinyInputs: x ranges over [-1, 3]; relu(conv(x)) over [0, 3.5] (worked
// out by hand: channel 1 = x1 + 0.5 reaches 3.5).
var tinyInputs = [][]float32{
	{-1, 0, 1, 2, 3, 0, 0, 1},
	{0, 0, 0, 0, -1, -1, 2, 0},
}

// inits indexes a model's initializers by name.
func inits(m *onnx.Model) map[string]*onnx.Tensor {
	out := map[string]*onnx.Tensor{}
	for i := range m.Graph.Initializers {
		out[m.Graph.Initializers[i].Name] = &m.Graph.Initializers[i]
	}
	return out
}

func floats(t *testing.T, x *onnx.Tensor) []float64 {
	t.Helper()
	if x == nil {
		t.Fatal("missing initializer")
	}
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(v))
	for i := range v {
		out[i] = float64(v[i])
	}
	return out
}

func ints(t *testing.T, x *onnx.Tensor, dt onnx.DataType) []int64 {
	t.Helper()
	if x == nil || x.DataType != dt {
		t.Fatalf("initializer %v, want %s", x, dt)
	}
	v, err := x.Int64s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Abs(b) }

// TestTinyScales quantizes the tiny model and checks every scale, zero
// point, weight and bias against values worked out by hand from the known
// ranges.
func TestTinyScales(t *testing.T) {
	for _, transB := range []bool{true, false} {
		m := tinyModel(t, transB)
		q, rep, err := Quantize(context.Background(), m, Inputs(tinyInputs), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, q)
		in := inits(q)
		// x in [-1, 3]: scale 4/255, zero point round(63.75) = 64.
		if s := floats(t, in["x_scale"]); !near(s[0], 4.0/255) || ints(t, in["x_zero_point"], onnx.Uint8)[0] != 64 {
			t.Fatalf("x: scale %v zp %v", s, ints(t, in["x_zero_point"], onnx.Uint8))
		}
		// f in [0, 3.5]: scale 3.5/255, zero point 0.
		if s := floats(t, in["f_scale"]); !near(s[0], 3.5/255) || ints(t, in["f_zero_point"], onnx.Uint8)[0] != 0 {
			t.Fatalf("f: scale %v", s)
		}
		// Conv weight: every channel's max |w| is 1: scale 1/127, ones -> 127.
		if w := ints(t, in["W_quantized"], onnx.Int8); w[0] != 127 || w[1] != 0 || w[4] != 127 {
			t.Fatalf("W %v", w)
		}
		for _, s := range floats(t, in["W_scale"]) {
			if !near(s, 1.0/127) {
				t.Fatalf("W scale %g", s)
			}
		}
		// Conv bias: 0.5 / (4/255 * 1/127) = 4048.125 -> 4048; -1 -> -8096.
		if b := ints(t, in["B_quantized"], onnx.Int32); b[0] != 0 || b[1] != 4048 || b[2] != -8096 {
			t.Fatalf("B %v", b)
		}
		// Gemm rows: max |w| = 0.6(r+1), scale 0.6(r+1)/127; bias 0.3 of row 2:
		// 0.3 / (3.5/255 * 1.8/127) = 1542.14 -> 1542.
		fs := floats(t, in["FW_scale"])
		for r, s := range fs {
			if !near(s, 0.6*float64(r+1)/127) {
				t.Fatalf("FW scale %v", fs)
			}
		}
		if b := ints(t, in["FB_quantized"], onnx.Int32); b[2] != 1542 || b[3] != 0 {
			t.Fatalf("FB %v", b)
		}
		axis := map[string]int64{}
		for _, n := range q.Graph.Nodes {
			if a := n.Attr("axis"); a != nil {
				axis[n.Inputs[0]] = a.I
			}
		}
		wantAxis := int64(1)
		if transB {
			wantAxis = 0
		}
		if axis["W_quantized"] != 0 || axis["FW_quantized"] != wantAxis || axis["FB_quantized"] != 0 {
			t.Fatalf("DequantizeLinear axes %v (transB %v)", axis, transB)
		}
		if _, ok := in["W"]; ok {
			t.Fatal("float weight kept")
		}
		if q.Metadata["k"] != "v" || q.Opset() != 13 || len(rep.Layers) != 2 {
			t.Fatalf("metadata %v opset %d layers %d", q.Metadata, q.Opset(), len(rep.Layers))
		}
	}
}

// checkOrder checks every node input is defined before the node.
func checkOrder(t *testing.T, m *onnx.Model) {
	t.Helper()
	defined := map[string]bool{"": true}
	for _, x := range m.Graph.Initializers {
		defined[x.Name] = true
	}
	for _, v := range m.Graph.Inputs {
		defined[v.Name] = true
	}
	for _, n := range m.Graph.Nodes {
		for _, s := range n.Inputs {
			if !defined[s] {
				t.Fatalf("%s reads %q before it is defined", &n, s)
			}
		}
		for _, s := range n.Outputs {
			defined[s] = true
		}
	}
}

// TestTinyOptions checks int8 activations, percentile on the tiny model,
// keep-float and the errors.
func TestTinyOptions(t *testing.T) {
	ctx := context.Background()
	q, _, err := Quantize(ctx, tinyModel(t, true), Inputs(tinyInputs), &Options{Activations: onnx.Int8})
	if err != nil {
		t.Fatal(err)
	}
	in := inits(q)
	// symmetric: scale max(1, 3)/127.
	if s := floats(t, in["x_scale"]); !near(s[0], 3.0/127) || ints(t, in["x_zero_point"], onnx.Int8)[0] != 0 {
		t.Fatalf("int8 x scale %v", s)
	}
	q, rep, err := Quantize(ctx, tinyModel(t, true), Inputs(tinyInputs), &Options{KeepFloat: []string{"last"}})
	if err != nil {
		t.Fatal(err)
	}
	in = inits(q)
	if in["FW"] == nil || in["FW_quantized"] != nil || in["f_scale"] != nil || in["W_quantized"] == nil {
		t.Fatal("keep-float last: the Gemm was quantized or the conv was not")
	}
	if last := rep.Layers[len(rep.Layers)-1]; !last.Float || last.Name != "fc" {
		t.Fatalf("report %+v", rep.Layers)
	}
	var sb strings.Builder
	if err := rep.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "(float)") {
		t.Fatalf("report text %q", sb.String())
	}
	for name, c := range map[string]struct {
		m      *onnx.Model
		inputs [][]float32
		o      *Options
		want   string
	}{
		"unknown keep": {tinyModel(t, true), tinyInputs, &Options{KeepFloat: []string{"nosuch"}}, "nosuch"},
		"no inputs":    {tinyModel(t, true), nil, nil, "no calibration inputs"},
		"short input":  {tinyModel(t, true), [][]float32{{1, 2}}, nil, "has 2 floats"},
		"percentile":   {tinyModel(t, true), tinyInputs, &Options{Method: Percentile, Percentile: 40}, "percentile"},
		"activations":  {tinyModel(t, true), tinyInputs, &Options{Activations: onnx.Int32}, "activations"},
		"nan weight": {func() *onnx.Model {
			m := tinyModel(t, true)
			m.Graph.Initializers[0], _ = onnx.NewFloat32Tensor("W", []int64{3, 2, 1, 1}, []float32{1, 0, float32(math.NaN()), 1, 1, 1})
			return m
		}(), tinyInputs, &Options{SkipError: true}, "element 2 is NaN"},
		"opset": {func() *onnx.Model { m := tinyModel(t, true); m.Opsets[0].Version = 11; return m }(), tinyInputs, nil, "opset 11"},
	} {
		_, _, err := Quantize(ctx, c.m, Inputs(c.inputs), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

// TestTinyPercentile checks the percentile method picks the histogram's
// range on the tiny model: with p = 100 the range is the MinMax range.
func TestTinyPercentile(t *testing.T) {
	q, _, err := Quantize(context.Background(), tinyModel(t, true), Inputs(tinyInputs), &Options{Method: Percentile, Percentile: 100})
	if err != nil {
		t.Fatal(err)
	}
	if s := floats(t, inits(q)["x_scale"]); !near(s[0], 4.0/255) {
		t.Fatalf("x scale %v, want 4/255", s)
	}
	// 16 values of x, 4 bins over [-1, 3]: counts 3 (the -1s), 8 (the 0s),
	// 2 (the 1s), 3 (2, 2, 3); cumulative 0.1875 0.6875 0.8125 1. 80 %:
	// share > 0.2 first in bin 1, >= 0.8 first in bin 2: range [0, 2].
	q, _, err = Quantize(context.Background(), tinyModel(t, true), Inputs(tinyInputs), &Options{Method: Percentile, Percentile: 80, Bins: 4})
	if err != nil {
		t.Fatal(err)
	}
	if s := floats(t, inits(q)["x_scale"]); !near(s[0], 2.0/255) || ints(t, inits(q)["x_zero_point"], onnx.Uint8)[0] != 0 {
		t.Fatalf("x scale %v, want 2/255 and zero point 0", s)
	}
}

// TestPlanTargets checks which nodes newPlan picks and the weight axes:
// MatMul's output axis is 1, a Gemm with alpha != 1 stays float, an Add
// or Mul of a constant is not a target, and a shared weight is one target
// each.
func TestPlanTargets(t *testing.T) {
	w, _ := onnx.NewFloat32Tensor("W", []int64{6, 3}, make([]float32, 18))
	c, _ := onnx.NewFloat32Tensor("C", []int64{3}, make([]float32, 3))
	m := &onnx.Model{Opsets: []onnx.OpsetID{{Version: 13}}, Graph: onnx.Graph{
		Nodes: []onnx.Node{
			{Name: "mm", OpType: "MatMul", Inputs: []string{"x", "W"}, Outputs: []string{"a"}},
			{Name: "bias", OpType: "Add", Inputs: []string{"a", "C"}, Outputs: []string{"b"}},
			{Name: "res", OpType: "Add", Inputs: []string{"b", "a"}, Outputs: []string{"r"}},
			{Name: "g", OpType: "Gemm", Inputs: []string{"x", "W", "C"}, Outputs: []string{"y"},
				Attrs: []onnx.Attribute{{Name: "alpha", Type: onnx.AttrFloat, F: 2}}},
			{Name: "mm2", OpType: "MatMul", Inputs: []string{"r", "W"}, Outputs: []string{"z"}},
			{Name: "dyn", OpType: "MatMul", Inputs: []string{"x", "r"}, Outputs: []string{"d"}},
			{Name: "gate", OpType: "Mul", Inputs: []string{"z", "d"}, Outputs: []string{"g"}},
			{Name: "scale", OpType: "Mul", Inputs: []string{"g", "C"}, Outputs: []string{"s"}},
		},
		Initializers: []onnx.Tensor{w, c},
	}}
	p, err := newPlan(m, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range p.targets {
		got = append(got, tg.name)
		if tg.weight != "" && (tg.axis != 1 || tg.bias != "") {
			t.Errorf("%s: axis %d bias %q", tg.name, tg.axis, tg.bias)
		}
	}
	if strings.Join(got, ",") != "mm,res,mm2,gate" {
		t.Fatalf("targets %v, want mm, res, mm2, gate", got)
	}
	if strings.Join(p.tensors, ",") != "x,b,a,r,z,d,g" {
		t.Fatalf("tensors %v", p.tensors)
	}
	p, err = newPlan(m, &Options{NoAdd: true, NoMul: true, KeepFloat: []string{"first", "bias"}})
	if err != nil || len(p.targets) != 1 || p.targets[0].name != "mm2" || !p.kept[0] || !p.kept[1] {
		t.Fatalf("NoAdd, keep first and bias: %+v %v", p, err)
	}
}
