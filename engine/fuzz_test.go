package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
)

// bytesIn reads small numbers from fuzz data (zeros once it runs out).
type bytesIn struct {
	d []byte
	i int
}

func (r *bytesIn) n(k int) int {
	if r.i >= len(r.d) || k <= 1 {
		r.i++
		return 0
	}
	v := int(r.d[r.i]) % k
	r.i++
	return v
}

func (r *bytesIn) done() bool { return r.i >= len(r.d) }

// fuzzBuilder makes the pieces of a fuzz graph.
type fuzzBuilder struct {
	r *bytesIn
	g *graph.Graph
	k int
}

// name returns a fresh name with prefix p.
func (f *fuzzBuilder) name(p string) string {
	f.k++
	return fmt.Sprintf("%s%d", p, f.k)
}

func (f *fuzzBuilder) konst(shape []int) *graph.Value {
	d := make([]float32, graph.NumElements(shape))
	for i := range d {
		d[i] = float32(f.r.n(17)-8) / 8
	}
	v, _ := f.g.AddConst(f.name("c"), graph.Floats(shape, d))
	return v
}

func (f *fuzzBuilder) ints(v ...int64) *graph.Value {
	c, _ := f.g.AddConst(f.name("i"), graph.Ints([]int{len(v)}, v))
	return c
}

// fuzzGraph builds a small graph from data: a chain of operators drawn
// from what the engine runs, each reading earlier values.
func fuzzGraph(data []byte) *graph.Graph {
	f := &fuzzBuilder{r: &bytesIn{d: data}, g: graph.New()}
	r := f.r
	x, _ := f.g.AddInput("x", graph.Float32, []int{1, 1 + r.n(4), 1 + r.n(7), 1 + r.n(7)})
	vals := []*graph.Value{x}
	for step := 0; step < 10 && !r.done(); step++ {
		op := fuzzOps[r.n(len(fuzzOps))]
		ins, at := f.node(op, vals)
		if ins == nil {
			continue
		}
		nm := f.name("n")
		n, err := f.g.AddNode(op, nm, ins, []string{nm + ".y"}, at)
		if err != nil || graph.InferNode(n) != nil {
			return nil
		}
		vals = append(vals, n.Outputs[0])
	}
	f.g.Outputs = []*graph.Value{vals[len(vals)-1]}
	if len(vals) > 2 && r.n(2) == 1 {
		f.g.Outputs = append(f.g.Outputs, vals[1+r.n(len(vals)-1)])
	}
	return f.g
}

// node picks an input among vals and the inputs and attributes of op on
// it, or nil when op does not apply.
func (f *fuzzBuilder) node(op string, vals []*graph.Value) ([]*graph.Value, graph.Attrs) {
	r := f.r
	in := vals[r.n(len(vals))]
	s := in.Shape
	at := graph.Attrs{}
	switch op {
	case graph.OpConv:
		if len(s) != 4 {
			return nil, nil
		}
		return f.conv(in, at), at
	case "MaxPool", "AveragePool":
		if len(s) != 4 {
			return nil, nil
		}
		k := 1 + r.n(3)
		p := int64(r.n(k/2 + 1))
		at["kernel_shape"] = graph.Is(int64(k), int64(k))
		at["strides"] = graph.Is(int64(1+r.n(2)), int64(1+r.n(2)))
		at["pads"] = graph.Is(p, p, p, p)
		at["ceil_mode"] = graph.I(int64(r.n(2)))
		if op == "AveragePool" {
			at["count_include_pad"] = graph.I(int64(r.n(2)))
		}
	case "Add", "Mul", "Sub":
		other := vals[r.n(len(vals))]
		if !slices.Equal(other.Shape, s) || r.n(2) == 0 {
			shape := []int{1}
			if len(s) == 4 && r.n(2) == 1 {
				shape = []int{1, s[1], 1, 1}
			}
			other = f.konst(shape)
		}
		if r.n(2) == 1 {
			return []*graph.Value{other, in}, at
		}
		return []*graph.Value{in, other}, at
	case graph.OpScaleShift:
		if len(s) != 4 && len(s) != 2 {
			return nil, nil
		}
		return []*graph.Value{in, f.konst([]int{s[1]}), f.konst([]int{s[1]})}, at
	case "Transpose":
		if len(s) != 4 {
			return nil, nil
		}
		at["perm"] = [...]graph.Attr{graph.Is(0, 2, 3, 1), graph.Is(0, 1, 3, 2), graph.Is(0, 3, 1, 2)}[r.n(3)]
	case "Slice", "Concat", "Pad":
		if len(s) < 2 {
			return nil, nil
		}
		return f.data(op, in, at), at
	case "Softmax":
		if len(s) != 2 {
			return nil, nil
		}
	case "ReduceMean", "ReduceMax":
		if len(s) != 4 {
			return nil, nil
		}
		at["keepdims"] = graph.I(int64(r.n(2)))
		return []*graph.Value{in, f.ints(2, 3)}, at
	}
	return []*graph.Value{in}, at
}

// conv returns a random gorn.Conv's inputs on in and sets its attributes.
func (f *fuzzBuilder) conv(in *graph.Value, at graph.Attrs) []*graph.Value {
	r, s := f.r, in.Shape
	k, groups := 1+r.n(3), 1
	if s[1]%2 == 0 && r.n(2) == 1 {
		groups = 2
	}
	cout := groups * (1 + r.n(3))
	p := int64(r.n(2))
	at["kernel_shape"] = graph.Is(int64(k), int64(k))
	at["strides"] = graph.Is(int64(1+r.n(2)), int64(1+r.n(2)))
	at["pads"] = graph.Is(p, int64(r.n(2)), p, 0)
	at["dilations"] = graph.Is(int64(1+r.n(2)), 1)
	at["group"] = graph.I(int64(groups))
	if act := r.n(3); act == 1 {
		at["activation"] = graph.S("relu")
	} else if act == 2 {
		at["activation"], at["min"], at["max"] = graph.S("clip"), graph.F(-0.5), graph.F(0.5)
	}
	return []*graph.Value{in, f.konst([]int{cout, s[1] / groups, k, k}), f.konst([]int{cout})}
}

// data returns the inputs of a Slice, Concat or Pad on in.
func (f *fuzzBuilder) data(op string, in *graph.Value, at graph.Attrs) []*graph.Value {
	r, s := f.r, in.Shape
	switch op {
	case "Slice":
		a := 1 + r.n(len(s)-1)
		return []*graph.Value{in, f.ints(int64(r.n(3))), f.ints(int64(s[a])), f.ints(int64(a)), f.ints(int64(1 + r.n(2)))}
	case "Concat":
		at["axis"] = graph.I(int64(1 + r.n(len(s)-1)))
		return []*graph.Value{in, in}
	}
	pads := make([]int64, 2*len(s))
	for i := 2; i < len(pads); i++ {
		if i != len(s) {
			pads[i] = int64(r.n(3))
		}
	}
	return []*graph.Value{in, f.ints(pads...)}
}

var fuzzOps = []string{graph.OpConv, "MaxPool", "AveragePool", "GlobalAveragePool", "Relu", "Sigmoid", "HardSwish",
	"Add", "Mul", "Sub", graph.OpScaleShift, "Flatten", "Transpose", "Slice", "Pad", "Concat", "Softmax", "ReduceMean", "ReduceMax"}

// FuzzCompile builds random graphs of the supported operators; those that
// graph.Check accepts must compile or be refused with an error, never
// panic, and a compiled model must agree with graph/eval.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{2, 5, 6, 0, 0, 1, 1, 0, 0, 1, 0, 1, 2, 0, 3, 1, 7, 2, 0, 11, 1, 12, 0, 3, 1})
	f.Add([]byte{3, 4, 4, 0, 13, 0, 1, 0, 14, 1, 2, 0, 7, 1, 1, 0, 16, 0, 0, 11, 0, 0})
	f.Add([]byte{1, 6, 6, 0, 0, 2, 0, 1, 1, 0, 1, 0, 1, 0, 1, 9, 0, 0, 0, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := fuzzGraph(data)
		if g == nil || graph.InferShapes(g) != nil || graph.Check(g) != nil {
			return
		}
		m, err := Compile(g, &Options{Threads: 1 + len(data)%2, MaxBatch: 1 + len(data)%3})
		if err != nil {
			return
		}
		defer m.Close()
		const batch = 2
		r := &bytesIn{d: data}
		src := make([]float32, batch*m.InputLen())
		for i := range src {
			src[i] = float32(r.n(33)-16) / 16
		}
		outs := m.Outputs()
		dsts := make([][]float32, len(outs))
		for i, o := range outs {
			dsts[i] = make([]float32, batch*o.Len())
		}
		if err := m.InferOutputs(context.Background(), src, batch, dsts); err != nil {
			t.Fatal(err)
		}
		for img := 0; img < batch; img++ {
			x := make([]float64, m.InputLen())
			for i := range x {
				x[i] = float64(src[img*len(x)+i])
			}
			ev, err := eval.Run(g, map[string]*eval.Tensor{"x": eval.NewFloat(g.Inputs[0].Shape, x)})
			if err != nil {
				return
			}
			for i, o := range outs {
				want := ev[o.Name].F
				got := dsts[i][img*o.Len() : (img+1)*o.Len()]
				for j := range want {
					if d := math.Abs(float64(got[j]) - want[j]); !(d <= 1e-3*(1+math.Abs(want[j]))) {
						t.Fatalf("output %q image %d [%d]: %g, eval %g\n%s", o.Name, img, j, got[j], want[j], m.Plan())
					}
				}
			}
		}
	})
}
