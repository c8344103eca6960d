package opt

import (
	"math"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

func (b *builder) clip(x *graph.Value, lo, hi *float32) *graph.Value {
	in := []*graph.Value{x, nil, nil}
	if lo != nil {
		in[1] = b.constF([]float32{*lo})
	}
	if hi != nil {
		in[2] = b.constF([]float32{*hi})
	}
	return b.node("Clip", in, nil, x.Shape...)
}

func TestFuseActivation(t *testing.T) {
	// hi clips some of the outputs (they are O(1)).
	zero, hi, neg, inf := float32(0), float32(0.3), float32(-1), float32(math.Inf(1))
	for _, tc := range []struct {
		name   string
		act    func(b *builder, x *graph.Value) *graph.Value
		want   string
		scaled bool // ScaleShift producer instead of conv
	}{
		{"relu", func(b *builder, x *graph.Value) *graph.Value { return b.relu(x) }, "relu", false},
		{"relu-scaleshift", func(b *builder, x *graph.Value) *graph.Value { return b.relu(x) }, "relu", true},
		{"relu6", func(b *builder, x *graph.Value) *graph.Value { return b.clip(x, &zero, &hi) }, "clip", false},
		{"clip-nomax", func(b *builder, x *graph.Value) *graph.Value { return b.clip(x, &zero, nil) }, "relu", false},
		{"clip-inf", func(b *builder, x *graph.Value) *graph.Value { return b.clip(x, &zero, &inf) }, "relu", false},
		{"clip-neg", func(b *builder, x *graph.Value) *graph.Value { return b.clip(x, &neg, &hi) }, "", false},
		{"clip-nomin", func(b *builder, x *graph.Value) *graph.Value { return b.clip(x, nil, &hi) }, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 3, 5, 5)
			var y *graph.Value
			if tc.scaled {
				y = b.bn(x)
			} else {
				y = b.conv(x, 4, 3, 1, 1, true)
			}
			if err := LowerConv(b.g, nil); err != nil {
				t.Fatal(err)
			}
			if err := FuseBN(b.g, nil); err != nil {
				t.Fatal(err)
			}
			out := tc.act(b, y)
			b.g.Outputs = []*graph.Value{out}
			want := b.run()
			if err := FuseActivation(b.g, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.g)
			p := b.g.Nodes[0]
			if tc.want == "" {
				if len(b.g.Nodes) != 2 || activation(p) != "" {
					t.Fatalf("fused: %v", ops(b.g))
				}
				return
			}
			if len(b.g.Nodes) != 1 || activation(p) != tc.want || p.Outputs[0] != out {
				t.Fatalf("ops %v, activation %q", ops(b.g), activation(p))
			}
			if tc.want == "clip" {
				if lo, _ := p.Float("min", -1); lo != 0 {
					t.Errorf("min %v", lo)
				}
				if m, _ := p.Float("max", -1); m != hi {
					t.Errorf("max %v", m)
				}
			}
			b.same(want)
		})
	}
}

// A Relu does not fuse when the producer's output is also a graph output
// or has another reader, or when the producer already has an activation
// or is a plain op.
func TestFuseActivationNot(t *testing.T) {
	for name, mod := range map[string]func(b *builder, c, r *graph.Value){
		"graph-output": func(b *builder, c, r *graph.Value) { b.g.Outputs = append(b.g.Outputs, c) },
		"two-users":    func(b *builder, c, r *graph.Value) { b.g.Outputs = append(b.g.Outputs, b.add(c, r)) },
		"has-act": func(b *builder, c, r *graph.Value) {
			c.Producer.SetAttr("activation", graph.S("relu"))
		},
		"plain-conv": func(b *builder, c, r *graph.Value) { c.Producer.Op = "Conv" },
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			c := b.conv(b.input(1, 2, 4, 4), 2, 1, 1, 0, false)
			if err := LowerConv(b.g, nil); err != nil {
				t.Fatal(err)
			}
			r := b.relu(c)
			b.g.Outputs = []*graph.Value{r}
			mod(b, c, r)
			if err := FuseActivation(b.g, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.g)
			if ops(b.g)[1] != "Relu" {
				t.Fatalf("fused: %v", ops(b.g))
			}
		})
	}
}
