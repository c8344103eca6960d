package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/graphtest"
	"github.com/gorn-ml/gorn/internal/testutil"
)

// tg builds test graphs.
type tg struct {
	t *testing.T
	g *graph.Graph
	r *rand.Rand
	k int
}

func newTG(t *testing.T, in []int) (*tg, *graph.Value) {
	t.Helper()
	b := &tg{t: t, g: graph.New(), r: rand.New(rand.NewPCG(uint64(len(t.Name())), 7))}
	x := graphtest.Input(t, b.g, "x", in...)
	return b, x
}

func (b *tg) name(p string) string { b.k++; return fmt.Sprintf("%s%d", p, b.k) }

// randConst is a constant of uniform values in [-scale, scale).
func (b *tg) randConst(shape []int, scale float64) *graph.Value {
	d := make([]float32, graph.NumElements(shape))
	for i := range d {
		d[i] = float32((2*b.r.Float64() - 1) * scale)
	}
	v := graphtest.Const(b.t, b.g, b.name("c"), graph.Floats(shape, d))
	return v
}

// lazyConst is randConst loaded on demand.
func (b *tg) lazyConst(shape []int, scale float64) *graph.Value {
	d := make([]float32, graph.NumElements(shape))
	for i := range d {
		d[i] = float32((2*b.r.Float64() - 1) * scale)
	}
	v := graphtest.Const(b.t, b.g, b.name("w"), graph.Lazy(shape, func() ([]float32, error) { return append([]float32(nil), d...), nil }))
	return v
}

func (b *tg) floats(shape []int, d ...float32) *graph.Value {
	v := graphtest.Const(b.t, b.g, b.name("f"), graph.Floats(shape, d))
	return v
}

func (b *tg) ints(d ...int64) *graph.Value {
	v := graphtest.Const(b.t, b.g, b.name("i"), graph.Ints([]int{len(d)}, d))
	return v
}

// node adds op with its output's shape as the test expects it; check
// compares that with graph.InferShapes.
func (b *tg) node(op string, ins []*graph.Value, out []int, attrs graph.Attrs) *graph.Value {
	b.t.Helper()
	nm := b.name(op)
	n := graphtest.Node(b.t, b.g, op, nm, ins, []string{nm + ".y"}, attrs)
	n.Outputs[0].Shape = out
	return n.Outputs[0]
}

// conv adds a gorn.Conv of k x k, stride s, pad p with bias.
func (b *tg) conv(x *graph.Value, cout, k, s, p int, act string, res *graph.Value) *graph.Value {
	cin, h, w := x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	wt := b.lazyConst([]int{cout, cin, k, k}, 1/math.Sqrt(float64(cin*k*k)))
	bias := b.randConst([]int{cout}, 0.1)
	at := graph.Attrs{"kernel_shape": graph.Is(int64(k), int64(k)), "strides": graph.Is(int64(s), int64(s)),
		"pads": graph.Is(int64(p), int64(p), int64(p), int64(p))}
	if act != "" {
		at["activation"] = graph.S(act)
	}
	return b.node(graph.OpConv, []*graph.Value{x, wt, bias, res}, []int{1, cout, oh, ow}, at)
}

func (b *tg) out(vs ...*graph.Value) { b.g.Outputs = append(b.g.Outputs, vs...) }

// input returns batch random images for g.
func randInput(r *rand.Rand, g *graph.Graph, batch int) []float32 {
	src := make([]float32, batch*graph.NumElements(g.Inputs[0].Shape))
	for i := range src {
		src[i] = float32(2*r.Float64() - 1)
	}
	return src
}

// check compiles g with o, runs batch random images and compares every
// output of every image with the float64 reference. It returns the model.
func check(t *testing.T, g *graph.Graph, o *Options, batch int, tol float64) *Model {
	t.Helper()
	checkShapes(t, g)
	m, err := Compile(g, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	r := rand.New(rand.NewPCG(3, 4))
	src := randInput(r, g, batch)
	outs := m.Outputs()
	dsts := make([][]float32, len(outs))
	for i, oi := range outs {
		dsts[i] = make([]float32, batch*oi.Len())
		for k := range dsts[i] {
			dsts[i][k] = float32(math.NaN())
		}
	}
	if err := m.InferOutputs(context.Background(), src, batch, dsts); err != nil {
		t.Fatal(err)
	}
	if !raceEnabled {
		// The fewest of a few tries: a worker that is slow to hand its call
		// state back (common under emulation) makes the next call allocate
		// once; an allocation on every call shows in every try.
		n := math.Inf(1)
		for try := 0; try < 5 && n != 0; try++ {
			n = min(n, testing.AllocsPerRun(3, func() { m.InferOutputs(context.Background(), src, batch, dsts) }))
		}
		if n != 0 {
			t.Errorf("InferOutputs makes %v allocations per call", n)
		}
	}
	in := m.InputLen()
	for img := 0; img < batch; img++ {
		x := make([]float64, in)
		for i := range x {
			x[i] = float64(src[img*in+i])
		}
		env, err := refEval(g, x)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := eval.Run(g, map[string]*eval.Tensor{g.Inputs[0].Name: eval.NewFloat(g.Inputs[0].Shape, x)})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range g.Outputs {
			want := env[v].d
			if e := relL2(ev[v.Name].F, want); !(e <= 1e-12) {
				t.Errorf("output %q: graph/eval and the reference differ by %.3g", v.Name, e)
			}
			l := outs[i].Len()
			got := dsts[i][img*l : (img+1)*l]
			if e := testutil.RelL2(got, want); !(e <= tol) {
				t.Errorf("image %d output %q: relative L2 error %.3g > %.1g\n%s", img, outs[i].Name, e, tol, m.Plan())
			}
		}
	}
	return m
}

// checkShapes runs graph.InferShapes and graph.Check on g and fails unless
// the shapes the test set are the ones inferred.
func checkShapes(t *testing.T, g *graph.Graph) {
	t.Helper()
	set := map[*graph.Value][]int{}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			set[v] = v.Shape
		}
	}
	if err := graph.InferShapes(g); err != nil {
		t.Fatal(err)
	}
	if err := graph.Check(g); err != nil {
		t.Fatal(err)
	}
	for v, s := range set {
		if !slices.Equal(v.Shape, s) {
			t.Fatalf("%s: the test says %v, InferShapes %v", v, s, v.Shape)
		}
	}
}

// relL2 is ||a - b|| / ||b||.
func relL2(a, b []float64) float64 {
	var num, den float64
	for i := range b {
		d := a[i] - b[i]
		num += d * d
		den += b[i] * b[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}
