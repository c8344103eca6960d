package opt

import (
	"errors"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func TestLowerConv(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4, 9, 8)
	c := b.conv(x, 6, 3, 2, 0, true)
	n := c.Producer
	delete(n.Attrs, "pads")
	delete(n.Attrs, "kernel_shape")
	n.SetAttr("auto_pad", graph.S("SAME_UPPER"))
	n.SetAttr("group", graph.I(2))
	n.Inputs[1].Const.Shape[1] = 2 // grouped: 6 x 2 x 3 x 3 (never loaded here)
	c.Shape = []int{1, 6, 5, 4}
	b.g.Outputs = []*graph.Value{c}
	if err := LowerConv(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, graph.OpConv)
	for k, want := range map[string][]int64{
		"kernel_shape": {3, 3}, "strides": {2, 2}, "dilations": {1, 1},
		// SAME_UPPER: H 9 -> 5 needs 2 (1, 1); W 8 -> 4 needs 1 (0 top-left, 1 after)
		"pads": {1, 0, 1, 1},
	} {
		if got, _ := n.Ints(k, nil); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if g, _ := n.Int("group", 0); g != 2 {
		t.Errorf("group %d", g)
	}
	if _, ok := n.Attrs["auto_pad"]; ok {
		t.Error("auto_pad kept")
	}
}

func TestLowerConvNumeric(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 6, 7)
	c := b.conv(x, 4, 3, 1, 1, true)
	c.Producer.SetAttr("dilations", graph.Is(2, 1))
	c.Shape = []int{1, 4, 4, 7}
	b.g.Outputs = []*graph.Value{c}
	want := b.run()
	if err := LowerConv(b.g, nil); err != nil {
		t.Fatal(err)
	}
	wantOps(t, b.g, graph.OpConv)
	b.same(want)
}

func TestLowerConvRefuses(t *testing.T) {
	for name, mod := range map[string]func(n *graph.Node){
		"kernel":   func(n *graph.Node) { n.SetAttr("kernel_shape", graph.Is(5, 5)) },
		"group":    func(n *graph.Node) { n.SetAttr("group", graph.I(4)) },
		"stride0":  func(n *graph.Node) { n.SetAttr("strides", graph.Is(0, 1)) },
		"negPad":   func(n *graph.Node) { n.SetAttr("pads", graph.Is(-1, 0, 0, 0)) },
		"pads3":    func(n *graph.Node) { n.SetAttr("pads", graph.Is(0, 0, 0)) },
		"autopad":  func(n *graph.Node) { n.SetAttr("auto_pad", graph.S("MIRROR")) },
		"unknown":  func(n *graph.Node) { n.SetAttr("frobnicate", graph.I(1)) },
		"channels": func(n *graph.Node) { n.Inputs[1].Const.Shape[1] = 2 },
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			c := b.conv(b.input(1, 3, 5, 5), 6, 3, 1, 1, false)
			mod(c.Producer)
			err := LowerConv(b.g, nil)
			if !errors.Is(err, graph.ErrInvalid) && !errors.Is(err, graph.ErrUnsupported) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// A Conv whose weights are computed at run time is left alone.
func TestLowerConvDynamicWeights(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 2, 4, 4)
	w := b.input(3, 2, 1, 1)
	b.g.Outputs = []*graph.Value{b.node("Conv", []*graph.Value{x, w}, nil, 1, 3, 4, 4)}
	if err := LowerConv(b.g, nil); err != nil {
		t.Fatal(err)
	}
	wantOps(t, b.g, "Conv")
}
