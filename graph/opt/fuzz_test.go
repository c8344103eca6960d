package opt

import (
	"math"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// fuzzGraph builds a small graph from data: convs, BatchNorms,
// activations, Adds, SE-style gates, Pads, pools, no-ops, with attributes
// drawn from data (some invalid). Values are 4-D.
type fuzzGraph struct {
	b    *builder
	data []byte
	vals []*graph.Value
}

func (f *fuzzGraph) byte() int {
	if len(f.data) == 0 {
		return 0
	}
	c := f.data[0]
	f.data = f.data[1:]
	return int(c)
}

func (f *fuzzGraph) pick() *graph.Value { return f.vals[f.byte()%len(f.vals)] }

// step adds one node (or nothing, when the draw does not fit).
func (f *fuzzGraph) step() {
	b, v := f.b, f.pick()
	s := v.Shape
	var out *graph.Value
	switch op := f.byte() % 11; op {
	case 0, 1:
		k, st, p := 1+2*(f.byte()%2), 1+f.byte()%2, f.byte()%3
		if s[2]+2*p < k || s[3]+2*p < k {
			return
		}
		out = b.conv(v, 1+f.byte()%4, k, st, p, f.byte()%2 == 0)
	case 2:
		out = b.bn(v)
	case 3:
		out = b.relu(v)
	case 4:
		lo, hi := float32(f.byte()%3)-1, float32(f.byte()%4)/4
		out = b.clip(v, &lo, &hi)
	case 5:
		w := f.pick()
		if !sameShape(w.Shape, s) {
			g := b.node("GlobalAveragePool", []*graph.Value{v}, nil, 1, s[1], 1, 1)
			w = b.node("Sigmoid", []*graph.Value{g}, nil, g.Shape...)
			out = b.node("Mul", []*graph.Value{v, w}, nil, s...)
			break
		}
		out = b.add(v, w)
	case 6:
		p := make([]int64, 8)
		for i := range p {
			if i%4 >= 2 || f.byte()%4 == 0 {
				p[i] = int64(f.byte() % 2)
			}
		}
		vals := []float32{0, float32(math.Inf(-1)), 1}
		val := vals[f.byte()%3]
		out = b.pad(v, p, &val)
	case 7, 8:
		ops := []string{"AveragePool", "MaxPool"}
		attrs := graph.Attrs{"kernel_shape": graph.Is(2, 2), "strides": graph.Is(1, 1)}
		if f.byte()%2 == 0 {
			attrs["pads"] = graph.Is(1, 0, 0, 1)
		}
		if f.byte()%2 == 0 {
			attrs["count_include_pad"] = graph.I(1)
		}
		out = b.node(ops[op-7], []*graph.Value{v}, attrs, s...) // shape set by inference
	case 9:
		out = b.node("Identity", []*graph.Value{v}, nil, s...)
	case 10:
		out = b.node("Dropout", []*graph.Value{v}, nil, s...)
	}
	if out != nil {
		if err := graph.InferNode(out.Producer); err != nil {
			// An invalid draw: drop the node (what it read is dead code).
			if err := f.b.g.Remove(out.Producer); err != nil {
				f.b.t.Fatal(err)
			}
			f.b.g.Compact()
			return
		}
		f.vals = append(f.vals, out)
	}
}

// FuzzOptimize: the passes never panic or hang on these graphs, and when
// the graph evaluates before, it evaluates to the same outputs after.
func FuzzOptimize(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 2, 0, 2, 3, 1, 3, 2, 5, 0, 0, 3})
	f.Add([]byte{0, 6, 0, 3, 3, 0, 0, 0, 1, 0, 0, 1, 1, 2, 1, 2, 2, 3, 3, 5, 0, 4, 1, 3})
	f.Add([]byte{1, 2, 1, 2, 0, 1, 1, 0, 1, 2, 5, 0, 3, 5, 1, 4, 2, 3, 9, 3, 10, 4, 7, 0, 1})
	f.Fuzz(runFuzzCase)
}

// runFuzzCase is one FuzzOptimize input.
func runFuzzCase(t *testing.T, data []byte) {
	if len(data) > 256 {
		return
	}
	b := newBuilder(t)
	b.evalOnly = true
	fg := &fuzzGraph{b: b, data: data}
	fg.vals = []*graph.Value{b.input(1, 1+fg.byte()%3, 3+fg.byte()%4, 3+fg.byte()%4)}
	for len(fg.data) > 0 {
		fg.step()
	}
	b.g.Outputs = []*graph.Value{fg.vals[len(fg.vals)-1]}
	if k := fg.byte(); k%3 == 0 && len(fg.vals) > 2 {
		b.g.Outputs = append(b.g.Outputs, fg.vals[len(fg.vals)/2])
	}
	if err := graph.Check(b.g); err != nil {
		return
	}
	want, err := evalGraph(b)
	if err := Optimize(b.g, nil); err != nil {
		t.Fatalf("a graph that passes Check is refused: %v\nops %v", err, ops(b.g))
	}
	check(t, b.g)
	if want == nil || err != nil {
		return
	}
	got, err := evalGraph(b)
	if err != nil {
		t.Fatalf("optimized graph does not evaluate: %v\nlog %q", err, b.g.Log())
	}
	for i := range want {
		if d := relL2(got[i], want[i]); !(d <= 1e-5) {
			t.Fatalf("output %d differs by %g\nops %v\nlog %q", i, d, ops(b.g), b.g.Log())
		}
	}
}

func evalGraph(b *builder) ([][]float64, error) {
	in := map[string]*eval.Tensor{}
	for _, v := range b.g.Inputs {
		d := make([]float64, graph.NumElements(v.Shape))
		for i := range d {
			d[i] = float64(float32(math.Sin(float64(i)*1.7) * 1.3))
		}
		in[v.Name] = eval.NewFloat(v.Shape, d)
	}
	res, err := eval.Run(b.g, in)
	if err != nil {
		return nil, err
	}
	var out [][]float64
	for _, o := range b.g.Outputs {
		out = append(out, res[o.Name].F)
	}
	return out, nil
}

// relL2 is the relative L2 distance, 0 for two all-zero vectors, NaN when
// NaNs or infinities differ.
func relL2(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.NaN()
	}
	var num, den float64
	for i, w := range want {
		g := got[i]
		if math.IsNaN(w) || math.IsInf(w, 0) || math.IsNaN(g) || math.IsInf(g, 0) {
			if !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
				return math.NaN()
			}
			continue
		}
		num += (g - w) * (g - w)
		den += w * w
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}
