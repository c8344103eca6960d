package engine

import (
	"context"
	"math"
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

// fuzzGraph builds a small graph from data: a chain of operators drawn
// from what the engine runs, each reading earlier values.
func fuzzGraph(data []byte) *graph.Graph {
	r := &bytesIn{d: data}
	g := graph.New()
	x, _ := g.AddInput("x", graph.Float32, []int{1, 1 + r.n(4), 1 + r.n(7), 1 + r.n(7)})
	vals := []*graph.Value{x}
	k := 0
	konst := func(shape []int) *graph.Value {
		d := make([]float32, graph.NumElements(shape))
		for i := range d {
			d[i] = float32(r.n(17)-8) / 8
		}
		k++
		v, _ := g.AddConst("c"+string(rune('a'+k%26))+string(rune('a'+k/26%26))+string(rune('a'+k/676)), graph.Floats(shape, d))
		return v
	}
	ints := func(v ...int64) *graph.Value {
		k++
		c, _ := g.AddConst("i"+string(rune('a'+k%26))+string(rune('a'+k/26%26))+string(rune('a'+k/676)), graph.Ints([]int{len(v)}, v))
		return c
	}
	for step := 0; step < 10 && !r.done(); step++ {
		in := vals[r.n(len(vals))]
		var ins []*graph.Value
		at := graph.Attrs{}
		op := fuzzOps[r.n(len(fuzzOps))]
		s := in.Shape
		switch op {
		case graph.OpConv:
			if len(s) != 4 {
				continue
			}
			kk, groups := 1+r.n(3), 1
			if s[1]%2 == 0 && r.n(2) == 1 {
				groups = 2
			}
			cout := groups * (1 + r.n(3))
			p := int64(r.n(2))
			at["kernel_shape"] = graph.Is(int64(kk), int64(kk))
			at["strides"] = graph.Is(int64(1+r.n(2)), int64(1+r.n(2)))
			at["pads"] = graph.Is(p, int64(r.n(2)), p, 0)
			at["dilations"] = graph.Is(int64(1+r.n(2)), 1)
			at["group"] = graph.I(int64(groups))
			if act := r.n(3); act == 1 {
				at["activation"] = graph.S("relu")
			} else if act == 2 {
				at["activation"], at["min"], at["max"] = graph.S("clip"), graph.F(-0.5), graph.F(0.5)
			}
			ins = []*graph.Value{in, konst([]int{cout, s[1] / groups, kk, kk}), konst([]int{cout})}
		case "MaxPool", "AveragePool":
			if len(s) != 4 {
				continue
			}
			kk := 1 + r.n(3)
			p := int64(r.n(kk/2 + 1))
			at["kernel_shape"] = graph.Is(int64(kk), int64(kk))
			at["strides"] = graph.Is(int64(1+r.n(2)), int64(1+r.n(2)))
			at["pads"] = graph.Is(p, p, p, p)
			at["ceil_mode"] = graph.I(int64(r.n(2)))
			if op == "AveragePool" {
				at["count_include_pad"] = graph.I(int64(r.n(2)))
			}
			ins = []*graph.Value{in}
		case "Add", "Mul", "Sub":
			other := vals[r.n(len(vals))]
			if !sameShape(other.Shape, s) || r.n(2) == 0 {
				shape := []int{1}
				if len(s) == 4 && r.n(2) == 1 {
					shape = []int{1, s[1], 1, 1}
				}
				other = konst(shape)
			}
			ins = []*graph.Value{in, other}
			if r.n(2) == 1 {
				ins[0], ins[1] = ins[1], ins[0]
			}
		case graph.OpScaleShift:
			if len(s) != 4 && len(s) != 2 {
				continue
			}
			ins = []*graph.Value{in, konst([]int{s[1]}), konst([]int{s[1]})}
		case "Flatten":
			ins = []*graph.Value{in}
		case "Transpose":
			if len(s) != 4 {
				continue
			}
			at["perm"] = [...]graph.Attr{graph.Is(0, 2, 3, 1), graph.Is(0, 1, 3, 2), graph.Is(0, 3, 1, 2)}[r.n(3)]
			ins = []*graph.Value{in}
		case "Slice":
			a := 1 + r.n(len(s)-1)
			if len(s) < 2 {
				continue
			}
			ins = []*graph.Value{in, ints(int64(r.n(3))), ints(int64(s[a])), ints(int64(a)), ints(int64(1 + r.n(2)))}
		case "Pad":
			pads := make([]int64, 2*len(s))
			for i := 2; i < len(pads); i++ {
				if i != len(s) {
					pads[i] = int64(r.n(3))
				}
			}
			ins = []*graph.Value{in, ints(pads...)}
		case "Concat":
			ins = []*graph.Value{in, in}
			at["axis"] = graph.I(int64(1 + r.n(len(s)-1)))
			if len(s) < 2 {
				continue
			}
		case "Softmax":
			if len(s) != 2 {
				continue
			}
			ins = []*graph.Value{in}
		case "ReduceMean", "ReduceMax":
			if len(s) != 4 {
				continue
			}
			ins = []*graph.Value{in, ints(2, 3)}
			at["keepdims"] = graph.I(int64(r.n(2)))
		default:
			ins = []*graph.Value{in}
		}
		k++
		n, err := g.AddNode(op, "n"+string(rune('a'+k%26))+string(rune('a'+k/26%26))+string(rune('a'+k/676)), ins, []string{"v" + string(rune('a'+k%26)) + string(rune('a'+k/26%26)) + string(rune('a'+k/676))}, at)
		if err != nil {
			return nil
		}
		if err := graph.InferNode(n); err != nil {
			return nil
		}
		vals = append(vals, n.Outputs[0])
	}
	g.Outputs = []*graph.Value{vals[len(vals)-1]}
	if len(vals) > 2 && r.n(2) == 1 {
		g.Outputs = append(g.Outputs, vals[1+r.n(len(vals)-1)])
	}
	return g
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
