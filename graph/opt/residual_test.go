package opt

import (
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func lowered(t *testing.T, b *builder) {
	t.Helper()
	if err := LowerConv(b.g, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFuseResidual(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4, 5, 5)
	c := b.conv(b.relu(x), 4, 3, 1, 1, true)
	sum := b.add(x, c)
	out := b.relu(sum)
	b.g.Outputs = []*graph.Value{out}
	lowered(t, b)
	want := b.run()
	if err := FuseResidual(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "Relu", graph.OpConv, "Relu")
	conv := b.g.Nodes[1]
	if conv.Input(3) != x || conv.Outputs[0] != sum {
		t.Fatalf("conv residual %s, output %s", conv.Input(3), conv.Outputs[0])
	}
	b.same(want)
	// The Relu after the Add now fuses into the conv.
	if err := FuseActivation(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "Relu", graph.OpConv)
	if activation(conv) != "relu" || conv.Outputs[0] != out {
		t.Fatalf("activation %q, output %s", activation(conv), conv.Outputs[0])
	}
	b.same(want)
}

// With a conv on both sides (a projection shortcut), the conv later in the
// topological order takes the Add, whichever operand it is: after Sort
// (Kahn's, breadth first) that is the branch's last conv, the projection
// (ready as soon as the block's input is) coming first.
func TestFuseResidualBothConvs(t *testing.T) {
	for _, swap := range []bool{false, true} {
		b := newBuilder(t)
		x := b.input(1, 3, 6, 6)
		branch := b.conv(b.relu(b.conv(x, 4, 3, 2, 1, false)), 8, 1, 1, 0, true)
		proj := b.conv(x, 8, 1, 2, 0, false)
		var sum *graph.Value
		if swap {
			sum = b.add(proj, branch)
		} else {
			sum = b.add(branch, proj)
		}
		b.g.Outputs = []*graph.Value{sum}
		lowered(t, b)
		if err := b.g.Sort(); err != nil {
			t.Fatal(err)
		}
		want := b.run()
		if err := FuseResidual(b.g, nil); err != nil {
			t.Fatal(err)
		}
		check(t, b.g)
		wantOps(t, b.g, graph.OpConv, graph.OpConv, "Relu", graph.OpConv)
		last := b.g.Nodes[3]
		if last.Input(3) != proj || last.Outputs[0] != sum {
			t.Fatalf("swap %v: fused into %v with residual %s", swap, last, last.Input(3))
		}
		b.same(want)
	}
}

// No fusion: broadcasting Add, conv output read twice, conv with an
// activation already, a constant operand, a graph-output operand, Add(x, x).
func TestFuseResidualNot(t *testing.T) {
	for name, build := range map[string]func(b *builder, x, c *graph.Value) *graph.Value{
		"broadcast": func(b *builder, x, c *graph.Value) *graph.Value {
			g := b.node("GlobalAveragePool", []*graph.Value{x}, nil, 1, 4, 1, 1)
			return b.node("Add", []*graph.Value{c, g}, nil, c.Shape...)
		},
		"two-users": func(b *builder, x, c *graph.Value) *graph.Value {
			return b.add(b.add(x, c), b.relu(c))
		},
		"activation": func(b *builder, x, c *graph.Value) *graph.Value {
			c.Producer.SetAttr("activation", graph.S("relu"))
			return b.add(x, c)
		},
		"constant": func(b *builder, x, c *graph.Value) *graph.Value {
			return b.add(c, b.constF(b.floats(100, -1, 1), 1, 4, 5, 5))
		},
		"self": func(b *builder, x, c *graph.Value) *graph.Value { return b.add(c, c) },
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 4, 5, 5)
			c := b.conv(x, 4, 3, 1, 1, true)
			lowered(t, b)
			b.g.Outputs = []*graph.Value{build(b, x, c)}
			before := ops(b.g)
			if err := FuseResidual(b.g, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.g)
			wantOps(t, b.g, before...)
		})
	}
	t.Run("graph-output", func(t *testing.T) {
		b := newBuilder(t)
		x := b.input(1, 4, 5, 5)
		c := b.conv(x, 4, 3, 1, 1, true)
		lowered(t, b)
		b.g.Outputs = []*graph.Value{b.add(x, c), c}
		if err := FuseResidual(b.g, nil); err != nil {
			t.Fatal(err)
		}
		wantOps(t, b.g, graph.OpConv, "Add")
	})
}
