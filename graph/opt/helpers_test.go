package opt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/graph/eval"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

// builder makes small random graphs with shapes set as shape inference
// would set them.
type builder struct {
	t     *testing.T
	g     *graph.Graph
	rng   *rand.Rand
	k     int
	loads int // weight loads so far (weights are lazy)
	// evalOnly: the graph has operators the local reference lacks; run
	// compares graph/eval's outputs only.
	evalOnly bool
}

func newBuilder(t *testing.T) *builder {
	return &builder{t: t, g: graph.New(), rng: rand.New(rand.NewPCG(1, 2))}
}

func (b *builder) name(p string) string {
	b.k++
	return fmt.Sprintf("%s%d", p, b.k)
}

func (b *builder) input(shape ...int) *graph.Value {
	v := graphtest.Input(b.t, b.g, b.name("x"), shape...)
	return v
}

func (b *builder) floats(n int, lo, hi float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(lo + (hi-lo)*b.rng.Float64())
	}
	return d
}

// lazyConst adds a constant whose data loads lazily, counting loads.
func (b *builder) lazyConst(d []float32, shape ...int) *graph.Value {
	t := graph.Lazy(shape, func() ([]float32, error) {
		b.loads++
		return slices.Clone(d), nil
	})
	v := graphtest.Const(b.t, b.g, b.name("w"), t)
	return v
}

func (b *builder) constF(d []float32, shape ...int) *graph.Value {
	v := graphtest.Const(b.t, b.g, b.name("c"), graph.Floats(shape, d))
	return v
}

func (b *builder) constI(d []int64, shape ...int) *graph.Value {
	v := graphtest.Const(b.t, b.g, b.name("i"), graph.Ints(shape, d))
	return v
}

// node adds op with one output of the given shape.
func (b *builder) node(op string, in []*graph.Value, attrs graph.Attrs, shape ...int) *graph.Value {
	n := graphtest.Node(b.t, b.g, op, b.name(op), in, []string{b.name("v")}, attrs)
	n.Outputs[0].Shape = shape
	return n.Outputs[0]
}

// conv adds a Conv of k x k, stride s, pad p (all sides), random weights
// scaled by 1/sqrt(fan-in), with a random bias when bias is set.
func (b *builder) conv(x *graph.Value, co, k, s, p int, bias bool) *graph.Value {
	ci := x.Shape[1]
	sd := 1 / math.Sqrt(float64(ci*k*k))
	in := []*graph.Value{x, b.lazyConst(b.floats(co*ci*k*k, -sd, sd), co, ci, k, k)}
	if bias {
		in = append(in, b.constF(b.floats(co, -0.5, 0.5), co))
	}
	attrs := graph.Attrs{"kernel_shape": graph.Is(int64(k), int64(k)), "strides": graph.Is(int64(s), int64(s)),
		"pads": graph.Is(int64(p), int64(p), int64(p), int64(p))}
	oh := (x.Shape[2]+2*p-k)/s + 1
	ow := (x.Shape[3]+2*p-k)/s + 1
	return b.node("Conv", in, attrs, x.Shape[0], co, oh, ow)
}

// bn adds a BatchNormalization with random statistics.
func (b *builder) bn(x *graph.Value) *graph.Value {
	c := x.Shape[1]
	in := []*graph.Value{x, b.constF(b.floats(c, 0.5, 1.5), c), b.constF(b.floats(c, -0.5, 0.5), c),
		b.constF(b.floats(c, -0.3, 0.3), c), b.constF(b.floats(c, 0.2, 2), c)}
	return b.node("BatchNormalization", in, graph.Attrs{"epsilon": graph.F(1e-3)}, x.Shape...)
}

func (b *builder) relu(x *graph.Value) *graph.Value {
	return b.node("Relu", []*graph.Value{x}, nil, x.Shape...)
}

func (b *builder) add(x, y *graph.Value) *graph.Value {
	return b.node("Add", []*graph.Value{x, y}, nil, x.Shape...)
}

// run evaluates the graph with the reference on random inputs drawn from a
// fixed seed, so two calls see the same inputs.
func (b *builder) run() []rt {
	b.t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	in := map[string]rt{}
	for _, v := range b.g.Inputs {
		t := rt{shape: v.Shape, data: make([]float64, graph.NumElements(v.Shape))}
		for i := range t.data {
			t.data[i] = float64(float32(rng.Float64()*2 - 1))
		}
		in[v.Name] = t
	}
	var out []rt
	if !b.evalOnly {
		var err error
		if out, err = refRun(b.g, in); err != nil {
			b.t.Fatal(err)
		}
	}
	// graph/eval is the second oracle: its outputs follow the reference's.
	ein := map[string]*eval.Tensor{}
	for name, t := range in {
		ein[name] = eval.NewFloat(t.shape, t.data)
	}
	res, err := eval.Run(b.g, ein)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, o := range b.g.Outputs {
		t := res[o.Name]
		if t.DType != graph.Float32 {
			b.t.Fatalf("output %s is %v", o, t.DType)
		}
		out = append(out, rt{shape: t.Shape, data: t.F})
	}
	return out
}

// same checks the outputs of the graph match want (relative L2 <= 1e-5)
// and are not trivial.
func (b *builder) same(want []rt) {
	b.t.Helper()
	got := b.run()
	if len(got) != len(want) {
		b.t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i].shape, want[i].shape) {
			b.t.Fatalf("output %d shape %v, want %v", i, got[i].shape, want[i].shape)
		}
		var num, den float64
		for j, w := range want[i].data {
			d := got[i].data[j] - w
			num += d * d
			den += w * w
		}
		if den == 0 {
			b.t.Fatalf("output %d is all zero: a test that cannot fail", i)
		}
		if e := math.Sqrt(num / den); !(e <= 1e-5) {
			b.t.Errorf("output %d: relative L2 %.3g", i, e)
		}
	}
}

// ops returns the graph's operators in node order.
func ops(g *graph.Graph) []string {
	var s []string
	for _, n := range g.Nodes {
		s = append(s, n.Op)
	}
	return s
}

func wantOps(t *testing.T, g *graph.Graph, want ...string) {
	t.Helper()
	if got := ops(g); !slices.Equal(got, want) {
		t.Fatalf("ops %v, want %v\nlog: %q", got, want, g.Log())
	}
}

// check verifies the graph's bookkeeping: users lists match the inputs,
// producers match outputs, every value read is in the graph.
func check(t *testing.T, g *graph.Graph) {
	t.Helper()
	if err := g.Sort(); err != nil {
		t.Fatal(err)
	}
	want := map[*graph.Value]int{}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == nil {
				continue
			}
			want[in]++
			if g.Value(in.Name) != in {
				t.Fatalf("%v reads %s, not in the graph", n, in)
			}
		}
		for _, o := range n.Outputs {
			if o.Producer != n || g.Value(o.Name) != o {
				t.Fatalf("%v: output %s has producer %v", n, o, o.Producer)
			}
		}
	}
	for _, v := range g.Values() {
		if len(v.Users) != want[v] {
			t.Fatalf("%s has %d users, read %d times", v, len(v.Users), want[v])
		}
		if v.Producer == nil && v.Const == nil && !slices.Contains(g.Inputs, v) {
			t.Fatalf("%s has no producer and is neither input nor constant", v)
		}
	}
	for _, o := range g.Outputs {
		if g.Value(o.Name) != o {
			t.Fatalf("graph output %s not in the graph", o)
		}
	}
}

func node(t *testing.T, g *graph.Graph, op string) *graph.Node {
	t.Helper()
	for _, n := range g.Nodes {
		if n.Op == op {
			return n
		}
	}
	t.Fatalf("no %s in %v", op, ops(g))
	return nil
}
