package opt

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

// histogram returns "op xN" entries, sorted.
func histogram(g *graph.Graph) []string {
	h := g.OpHistogram()
	slices.Sort(h)
	return h
}

func optimize(t *testing.T, b *builder, o *Options) {
	t.Helper()
	if err := Optimize(b.g, o); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	if err := graph.Check(b.g); err != nil {
		t.Fatal(err)
	}
}

// A ResNet v1 basic block with a projection shortcut after a stem, as
// torchvision exports it with BN kept.
func TestOptimizeBasicBlock(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 8, 8)
	h := b.relu(b.bn(b.conv(x, 8, 3, 1, 1, false)))
	r := b.relu(b.bn(b.conv(h, 16, 3, 2, 1, false)))
	r = b.bn(b.conv(r, 16, 3, 1, 1, false))
	p := b.bn(b.conv(h, 16, 1, 2, 0, false))
	out := b.relu(b.add(r, p))
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	loads := b.loads
	optimize(t, b, nil)
	if b.loads != loads {
		t.Errorf("Optimize loaded weights %d times", b.loads-loads)
	}
	if h := histogram(b.g); !slices.Equal(h, []string{"gorn.Conv x4"}) {
		t.Fatalf("ops %v\nlog %q", h, b.g.Log())
	}
	var acts []string
	residuals := 0
	for _, n := range b.g.Nodes {
		acts = append(acts, activation(n))
		if hasResidual(n) {
			residuals++
			if n.Outputs[0] != out || activation(n) != "relu" {
				t.Errorf("residual conv %v writes %s with %q", n, n.Outputs[0], activation(n))
			}
		}
	}
	slices.Sort(acts)
	if residuals != 1 || !slices.Equal(acts, []string{"", "relu", "relu", "relu"}) {
		t.Errorf("%d residuals, activations %q", residuals, acts)
	}
	b.same(want)
}

// ResNet v2: pre-activation BNs that cannot fold (graph input, after an
// Add) become gorn.ScaleShift with the ReLU fused.
func TestOptimizePreActivation(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4, 6, 6)
	y := x
	for range 2 {
		a := b.relu(b.bn(y))
		c := b.relu(b.bn(b.conv(a, 4, 3, 1, 1, false)))
		c = b.conv(c, 4, 3, 1, 1, true)
		y = b.add(y, c)
	}
	out := b.relu(b.bn(y))
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	optimize(t, b, nil)
	if h := histogram(b.g); !slices.Equal(h, []string{"gorn.Conv x4", "gorn.ScaleShift x3"}) {
		t.Fatalf("ops %v\nlog %q", h, b.g.Log())
	}
	for _, n := range b.g.Nodes {
		if n.Op == graph.OpScaleShift && activation(n) != "relu" {
			t.Errorf("%v has activation %q", n, activation(n))
		}
	}
	b.same(want)
}

// A squeeze-excitation block: the conv output is read twice (pool and
// Mul); the gate Mul stays a Mul; the Add of Mul and shortcut stays too.
func TestOptimizeSE(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 8, 5, 5)
	h := b.bn(b.conv(x, 8, 3, 1, 1, false))
	s := b.node("GlobalAveragePool", []*graph.Value{h}, nil, 1, 8, 1, 1)
	s = b.relu(b.conv(s, 2, 1, 1, 0, true))
	s = b.node("Sigmoid", []*graph.Value{b.conv(s, 8, 1, 1, 0, true)}, nil, 1, 8, 1, 1)
	m := b.node("Mul", []*graph.Value{h, s}, nil, 1, 8, 5, 5)
	out := b.relu(b.add(m, x))
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	optimize(t, b, nil)
	wantH := []string{"Add x1", "GlobalAveragePool x1", "Mul x1", "Relu x1", "Sigmoid x1", "gorn.Conv x3"}
	if h := histogram(b.g); !slices.Equal(h, wantH) {
		t.Fatalf("ops %v, want %v\nlog %q", h, wantH, b.g.Log())
	}
	b.same(want)
}

// A Keras-style explicit Pad before a strided conv, Dropout and Identity
// in the head, a Flatten that changes the shape.
func TestOptimizeKerasStyle(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 9, 9)
	zero := float32(0)
	p := b.pad(x, []int64{0, 0, 1, 1, 0, 0, 1, 1}, &zero)
	h := b.relu(b.bn(b.conv(p, 6, 3, 2, 0, true)))
	g := b.node("GlobalAveragePool", []*graph.Value{h}, nil, 1, 6, 1, 1)
	d := graphtest.Node(t, b.g, "Dropout", "drop", []*graph.Value{g}, []string{"dropped"}, nil)
	d.Outputs[0].Shape = g.Shape
	f := b.node("Flatten", []*graph.Value{b.node("Identity", []*graph.Value{d.Outputs[0]}, nil, 1, 6, 1, 1)}, nil, 1, 6)
	b.g.Outputs = []*graph.Value{f}
	want := b.run()
	optimize(t, b, nil)
	wantOps(t, b.g, graph.OpConv, "GlobalAveragePool", "Flatten")
	if pads, _ := b.g.Nodes[0].Ints("pads", nil); !slices.Equal(pads, []int64{1, 1, 1, 1}) {
		t.Errorf("pads %v", pads)
	}
	b.same(want)
}

func TestOptimizeDisable(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 4, 4)
	b.g.Outputs = []*graph.Value{b.relu(b.bn(b.conv(x, 4, 3, 1, 1, false)))}
	want := b.run()
	optimize(t, b, &Options{Disable: map[string]bool{PassFuseBN: true}})
	wantOps(t, b.g, graph.OpConv, "BatchNormalization", "Relu")
	b.same(want)
	for _, l := range b.g.Log() {
		if strings.HasPrefix(l, PassFuseBN) {
			t.Errorf("disabled pass logged %q", l)
		}
	}
}

func TestOptimizeLog(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 4, 4)
	c := b.conv(x, 4, 3, 1, 1, false)
	c.Producer.Name, c.Producer.Source = "conv1", []string{"conv1"}
	bn := b.bn(c)
	bn.Producer.Name, bn.Producer.Source = "bn1", []string{"bn1"}
	b.g.Outputs = []*graph.Value{bn}
	optimize(t, b, nil)
	if !slices.Contains(b.g.Log(), "fuse-bn: bn1 into conv1") {
		t.Errorf("log %q", b.g.Log())
	}
	if n := b.g.Nodes[0]; !slices.Equal(n.Source, []string{"conv1", "bn1"}) {
		t.Errorf("source %v", n.Source)
	}
}

// TestOptimizeLinear: a chain of 50,000 Identity nodes, every value of it
// read by one Concat with 100,000 inputs (half of them the chain's last
// value). A quadratic step anywhere would take minutes; this guards
// against a hang, it does not time the passes.
func TestOptimizeLinear(t *testing.T) {
	const chain, fan = 50_000, 100_000
	g := graph.New()
	x := graphtest.Input(t, g, "x", 1, 1)
	vals := []*graph.Value{x}
	for i := range chain {
		n := graphtest.Node(t, g, "Identity", "", []*graph.Value{vals[i]}, []string{fmt.Sprint("id", i)}, nil)
		vals = append(vals, n.Outputs[0])
	}
	in := make([]*graph.Value, fan)
	for i := range in {
		if i%2 == 0 {
			in[i] = vals[len(vals)-1]
		} else {
			in[i] = vals[i/2%len(vals)]
		}
	}
	cat := graphtest.Node(t, g, "Concat", "cat", in, []string{"y"}, graph.Attrs{"axis": graph.I(1)})
	g.Outputs = []*graph.Value{cat.Outputs[0]}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- Optimize(g, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Optimize still running after 20 s: not linear")
	}
	t.Logf("optimized in %v", time.Since(start))
	if len(g.Nodes) != 1 || len(x.Users) != fan || !slices.Equal(g.Outputs[0].Shape, []int{1, fan}) {
		t.Fatalf("%d nodes, x read %d times, output %v", len(g.Nodes), len(x.Users), g.Outputs[0].Shape)
	}
}

// Relative L2 of the reference and graph/eval before any pass, to show
// the two oracles agree on these graphs.
func TestOraclesAgree(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 6, 6)
	b.g.Outputs = []*graph.Value{b.relu(b.add(b.bn(b.conv(x, 3, 3, 2, 1, true)), b.conv(x, 3, 1, 2, 0, false)))}
	out := b.run()
	ref, ev := out[0], out[1]
	var num, den float64
	for i := range ref.data {
		d := ref.data[i] - ev.data[i]
		num += d * d
		den += ref.data[i] * ref.data[i]
	}
	if den == 0 || math.Sqrt(num/den) > 1e-12 {
		t.Fatalf("reference and graph/eval differ: %g", math.Sqrt(num/den))
	}
}

// TestOptimizeSharedWeight: 20,000 convs share one weight, each followed by
// a BatchNorm: every fold names a new constant after that weight, which
// must not rescan the names given before (a hang guard, as above).
func TestOptimizeSharedWeight(t *testing.T) {
	const k = 20_000
	b := newBuilder(t)
	x := b.input(1, 1, 1, 1)
	w := b.lazyConst([]float32{0.5}, 1, 1, 1, 1)
	stats := []*graph.Value{b.constF([]float32{1}, 1), b.constF([]float32{0.1}, 1), b.constF([]float32{0.2}, 1), b.constF([]float32{1}, 1)}
	outs := make([]*graph.Value, k)
	for i := range outs {
		c := b.node("Conv", []*graph.Value{x, w}, nil, 1, 1, 1, 1)
		outs[i] = b.node("BatchNormalization", append([]*graph.Value{c}, stats...), nil, 1, 1, 1, 1)
	}
	cat := b.node("Concat", outs, graph.Attrs{"axis": graph.I(1)}, 1, k, 1, 1)
	b.g.Outputs = []*graph.Value{cat}
	done := make(chan error, 1)
	go func() { done <- Optimize(b.g, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Optimize still running after 20 s: not linear")
	}
	if h := histogram(b.g); !slices.Equal(h, []string{"Concat x1", "gorn.Conv x20000"}) {
		t.Fatalf("ops %v", h)
	}
}

// An option-A shortcut of He et al.'s CIFAR ResNets as torch exports it:
// Slice with step 2 on H and W, then a channel Pad whose pads come from a
// Shape/ConstantOfShape/Concat/Cast subgraph. The subgraph folds, the
// channel Pad stays (the executor runs it) and is the residual of the
// branch's last conv.
func TestOptimizeOptionA(t *testing.T) {
	b := newBuilder(t)
	b.evalOnly = true // Slice
	x := b.input(1, 4, 8, 8)
	r := b.relu(b.bn(b.conv(x, 8, 3, 2, 1, false)))
	r = b.bn(b.conv(r, 8, 3, 1, 1, false))
	big := int64(1 << 40)
	sl := b.node("Slice", []*graph.Value{x, b.constI([]int64{0, 0}, 2), b.constI([]int64{big, big}, 2),
		b.constI([]int64{2, 3}, 2), b.constI([]int64{2, 2}, 2)}, nil)
	rank := b.node("Shape", []*graph.Value{b.node("Shape", []*graph.Value{sl}, nil)}, nil)
	zeros := b.node("ConstantOfShape", []*graph.Value{rank},
		graph.Attrs{"value": {Kind: graph.AttrTensor, Tensor: graph.Ints([]int{1}, []int64{0})}})
	base := b.constI([]int64{0, 2, 0, 0}, 4)
	pads := b.node("Concat", []*graph.Value{base, b.node("Add", []*graph.Value{zeros, base}, nil)},
		graph.Attrs{"axis": graph.I(0)})
	pads = b.node("Cast", []*graph.Value{pads}, graph.Attrs{"to": graph.I(graph.TypeInt64)})
	short := b.node("Pad", []*graph.Value{sl, pads}, nil)
	out := b.relu(b.add(r, short))
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	optimize(t, b, nil)
	if h := histogram(b.g); !slices.Equal(h, []string{"Pad x1", "Slice x1", "gorn.Conv x2"}) {
		t.Fatalf("ops %v\nlog %q", h, b.g.Log())
	}
	last := out.Producer
	if last.Op != graph.OpConv || last.Input(3) != short || activation(last) != "relu" {
		t.Fatalf("output written by %v, residual %s", last, last.Input(3))
	}
	if p, _ := short.Producer.Inputs[1].Const.Int64s(); !slices.Equal(p, []int64{0, 2, 0, 0, 0, 2, 0, 0}) {
		t.Errorf("pads %v", p)
	}
	b.same(want)
}

// TestOptimizeManyOutputs: 50,000 graph outputs and a chain of 50,000
// Identity nodes to remove: removing a node must not walk the output list
// (a hang guard, as above).
func TestOptimizeManyOutputs(t *testing.T) {
	const k = 50_000
	g := graph.New()
	x := graphtest.Input(t, g, "x", 1, 1)
	v := x
	for i := range k {
		n := graphtest.Node(t, g, "Identity", "", []*graph.Value{v}, []string{fmt.Sprint("id", i)}, nil)
		v = n.Outputs[0]
	}
	for i := range k {
		n := graphtest.Node(t, g, "Relu", "", []*graph.Value{v}, []string{fmt.Sprint("o", i)}, nil)
		g.Outputs = append(g.Outputs, n.Outputs[0])
	}
	done := make(chan error, 1)
	go func() { done <- Optimize(g, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Optimize still running after 20 s: not linear")
	}
	if len(g.Nodes) != k || len(x.Users) != k {
		t.Fatalf("%d nodes, x read %d times", len(g.Nodes), len(x.Users))
	}
}
