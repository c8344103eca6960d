package opt

import (
	"errors"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestFuseBN(t *testing.T) {
	for _, bias := range []bool{false, true} {
		b := newBuilder(t)
		x := b.input(1, 3, 7, 6)
		y := b.bn(b.conv(x, 5, 3, 2, 1, bias))
		b.g.Outputs = []*graph.Value{y}
		want := b.run()
		loads := b.loads
		bnName := y.Producer.Name
		if err := FuseBN(b.g, nil); err != nil {
			t.Fatal(err)
		}
		check(t, b.g)
		wantOps(t, b.g, graph.OpConv)
		if b.loads != loads {
			t.Errorf("FuseBN loaded the weights %d times", b.loads-loads)
		}
		c := b.g.Nodes[0]
		if c.Outputs[0] != y || c.Input(2) == nil || len(c.Source) != 2 || !slices.Contains(c.Source, bnName) {
			t.Errorf("fused conv writes %s, bias %v, source %v", c.Outputs[0], c.Input(2), c.Source)
		}
		b.same(want)
		if b.loads == loads {
			t.Error("the folded weights were not loaded through the original's loader")
		}
	}
}

// TestFuseBNScaleShift: BatchNorms that must not fold into a conv become
// gorn.ScaleShift: the conv's output has another reader, the BN follows an
// Add, the BN reads a graph input.
func TestFuseBNScaleShift(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4, 5, 5)
	pre := b.bn(x) // on the graph input
	c := b.conv(pre, 4, 3, 1, 1, true)
	twice := b.bn(c) // c is also read by the Add below
	sum := b.add(c, twice)
	post := b.bn(sum) // after an Add
	b.g.Outputs = []*graph.Value{post}
	want := b.run()
	if err := FuseBN(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, graph.OpScaleShift, "Conv", graph.OpScaleShift, "Add", graph.OpScaleShift)
	b.same(want)
}

func TestFuseBNConvWithActivation(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 2, 4, 4)
	c := b.conv(x, 3, 1, 1, 0, false)
	if err := LowerConv(b.g, nil); err != nil {
		t.Fatal(err)
	}
	c.Producer.SetAttr("activation", graph.S("relu"))
	b.g.Outputs = []*graph.Value{b.bn(c)}
	want := b.run()
	if err := FuseBN(b.g, nil); err != nil {
		t.Fatal(err)
	}
	wantOps(t, b.g, graph.OpConv, graph.OpScaleShift)
	b.same(want)
}

func TestFuseBNRefuses(t *testing.T) {
	for name, mod := range map[string]func(n *graph.Node){
		"training":  func(n *graph.Node) { n.SetAttr("training_mode", graph.I(1)) },
		"spatial0":  func(n *graph.Node) { n.SetAttr("spatial", graph.I(0)) },
		"unknown":   func(n *graph.Node) { n.SetAttr("frobnicate", graph.I(1)) },
		"negVar":    func(n *graph.Node) { n.Inputs[4].Const.F32[0] = -5 },
		"shortStat": func(n *graph.Node) { n.Inputs[1].Const.Shape = []int{1, 3} },
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 3, 4, 4)
			y := b.bn(b.conv(x, 3, 1, 1, 0, false))
			b.g.Outputs = []*graph.Value{y}
			mod(y.Producer)
			err := FuseBN(b.g, nil)
			if !errors.Is(err, graph.ErrInvalid) && !errors.Is(err, graph.ErrUnsupported) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
