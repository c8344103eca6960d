package opt

import (
	"math"
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// pad adds a Pad of x with ONNX pads p (8 entries) and value v (nil: none).
func (b *builder) pad(x *graph.Value, p []int64, v *float32) *graph.Value {
	in := []*graph.Value{x, b.constI(p, 8)}
	if v != nil {
		in = append(in, b.constF([]float32{*v}))
	}
	s := slices.Clone(x.Shape)
	for i := range s {
		s[i] += int(p[i] + p[4+i])
	}
	return b.node("Pad", in, nil, s...)
}

func TestFusePadConv(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 6, 5)
	zero := float32(0)
	p := b.pad(x, []int64{0, 0, 1, 2, 0, 0, 2, 0}, &zero)
	c := b.conv(p, 4, 3, 1, 1, true)
	b.g.Outputs = []*graph.Value{c}
	want := b.run()
	if err := FusePad(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, graph.OpConv)
	n := b.g.Nodes[0]
	if got, _ := n.Ints("pads", nil); !slices.Equal(got, []int64{2, 3, 3, 1}) {
		t.Errorf("pads %v, want [2 3 3 1]", got)
	}
	if n.Inputs[0] != x {
		t.Errorf("conv reads %s", n.Inputs[0])
	}
	b.same(want)
}

func TestFusePadPools(t *testing.T) {
	zero, one, ninf := float32(0), float32(1), float32(math.Inf(-1))
	for _, tc := range []struct {
		name  string
		op    string
		value *float32
		attrs graph.Attrs
		fuse  bool
	}{
		{"avg-cip0-nopads", "AveragePool", nil, graph.Attrs{}, true},
		{"avg-cip1", "AveragePool", &zero, graph.Attrs{"count_include_pad": graph.I(1), "pads": graph.Is(1, 0, 0, 1)}, true},
		{"avg-cip0-pads", "AveragePool", &zero, graph.Attrs{"pads": graph.Is(1, 1, 1, 1)}, false},
		{"avg-ceil", "AveragePool", nil, graph.Attrs{"ceil_mode": graph.I(1)}, false},
		{"avg-value1", "AveragePool", &one, graph.Attrs{}, false},
		{"max-ninf", "MaxPool", &ninf, graph.Attrs{"pads": graph.Is(0, 1, 1, 0)}, true},
		{"max-zero", "MaxPool", &zero, graph.Attrs{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 2, 6, 6)
			p := b.pad(x, []int64{0, 0, 1, 0, 0, 0, 0, 2}, tc.value)
			attrs := tc.attrs.Clone()
			attrs["kernel_shape"] = graph.Is(3, 3)
			attrs["strides"] = graph.Is(2, 2)
			own, _ := (&graph.Node{Attrs: attrs}).Ints("pads", []int64{0, 0, 0, 0})
			oh := (p.Shape[2]+int(own[0]+own[2])-3)/2 + 1
			ow := (p.Shape[3]+int(own[1]+own[3])-3)/2 + 1
			y := b.node(tc.op, []*graph.Value{p}, attrs, 1, 2, oh, ow)
			b.g.Outputs = []*graph.Value{y}
			var want []rt
			if tc.value == nil || *tc.value != 1 {
				want = b.run()
			}
			if err := FusePad(b.g, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.g)
			if tc.fuse {
				wantOps(t, b.g, tc.op)
				b.same(want)
			} else {
				wantOps(t, b.g, "Pad", tc.op)
			}
		})
	}
}

// Channel pads, non-zero values, negative pads, other modes and a Pad
// output read twice are not fused.
func TestFusePadNot(t *testing.T) {
	one := float32(1)
	for name, tc := range map[string]struct {
		pads  []int64
		value *float32
		mod   func(b *builder, p *graph.Value)
	}{
		"channels": {pads: []int64{0, 1, 0, 0, 0, 0, 0, 0}},
		"value":    {pads: []int64{0, 0, 1, 1, 0, 0, 1, 1}, value: &one},
		"crop":     {pads: []int64{0, 0, -1, 0, 0, 0, 0, 0}},
		"reflect": {pads: []int64{0, 0, 1, 1, 0, 0, 1, 1}, mod: func(b *builder, p *graph.Value) {
			p.Producer.SetAttr("mode", graph.S("reflect"))
		}},
		"twice": {pads: []int64{0, 0, 1, 1, 0, 0, 1, 1}, mod: func(b *builder, p *graph.Value) {
			b.g.Outputs = append(b.g.Outputs, b.relu(p))
		}},
		"weights": {pads: []int64{0, 0, 1, 1, 0, 0, 1, 1}, mod: func(b *builder, p *graph.Value) {
			c := b.g.Outputs[0].Producer
			c.Inputs[0], c.Inputs[1] = c.Inputs[1], c.Inputs[0]
		}},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 2, 5, 5)
			p := b.pad(x, tc.pads, tc.value)
			b.g.Outputs = []*graph.Value{b.conv(p, 2, 3, 1, 0, false)}
			if tc.mod != nil {
				tc.mod(b, p)
			}
			if err := FusePad(b.g, nil); err != nil {
				t.Fatal(err)
			}
			if n := b.g.Nodes[0]; n.Op != "Pad" {
				t.Fatalf("Pad fused: %v", ops(b.g))
			}
		})
	}
}
