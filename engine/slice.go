package engine

import (
	"github.com/gorn-ml/gorn/graph"
)

// slice plans Slice (steps included, not on the batch axis) as a strided
// copy, or a view when it keeps everything.
func (b *builder) slice(n *graph.Node) error {
	if err := n.CheckAttrs(); err != nil {
		return err
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	ranges, err := graph.Slices(n, x.shape)
	if err != nil {
		return err
	}
	xs := x.strides()
	op := operand{st: append([]int(nil), xs...)}
	want := append([]int(nil), x.shape...)
	for _, r := range ranges {
		a := r.Axis
		if a == 0 && (r.Start != 0 || r.Count != 1) {
			return n.Unsupportedf("slices the batch axis")
		}
		want[a] = r.Count
		op.off += r.Start * xs[a]
		op.st[a] = xs[a] * r.Step
	}
	if err := checkOut(n, want); err != nil {
		return err
	}
	for _, d := range want {
		if d == 0 {
			return n.Unsupportedf("an empty slice")
		}
	}
	return b.copyOf(n, x, op)
}

// concat plans Concat on any axis but the batch.
func (b *builder) concat(n *graph.Node) error {
	if err := n.CheckAttrs("axis"); err != nil {
		return err
	}
	a64, err := n.Int("axis", 1)
	if err != nil {
		return err
	}
	shape := n.Outputs[0].Shape
	a, err := axis(n, a64, len(shape))
	if err != nil {
		return err
	}
	if a == 0 {
		return n.Unsupportedf("concatenation on the batch axis")
	}
	var parts []*tensor
	for i := range n.Inputs {
		t, err := b.value(n, n.Input(i))
		if err != nil {
			return err
		}
		parts = append(parts, t)
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	o := &copyOp{out: y}
	ys, pos := y.strides(), 0
	for i, t := range parts {
		if len(t.shape) != len(shape) {
			return n.Errorf("input %d of shape %v", i, t.shape)
		}
		for k := 1; k < len(shape); k++ {
			if k != a && t.shape[k] != shape[k] {
				return n.Errorf("input %d of shape %v into %v", i, t.shape, shape)
			}
		}
		ts, err := t.broadcastTo(t.shape) // a constant's batch axis stays put
		if err != nil {
			return n.Errorf("input %d: %v", i, err)
		}
		it, err := newIter(t.shape, y.order(), operand{st: ys, off: pos * ys[a]}, operand{st: ts})
		if err != nil {
			return n.Unsupportedf("%v", err)
		}
		o.parts = append(o.parts, copyPart{in: t, it: it})
		pos += t.shape[a]
	}
	if pos != shape[a] {
		return n.Errorf("inputs give %d along axis %d, output %v", pos, a, shape)
	}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(parts...), writes: bufs(y),
		shape: fmtShape(y.shape), note: "strided copies"})
	return nil
}

// pad plans Pad in constant mode (negative pads crop).
func (b *builder) pad(n *graph.Node) error {
	if err := n.CheckAttrs("mode"); err != nil {
		return err
	}
	if mode, _ := n.Str("mode", "constant"); mode != "constant" {
		return n.Unsupportedf("mode %q (supported: constant)", mode)
	}
	x, err := b.act(n, 0)
	if err != nil {
		return err
	}
	begin, end, value, err := padAmounts(n, len(x.shape))
	if err != nil {
		return err
	}
	r := len(x.shape)
	want := make([]int, r)
	for a := range want {
		want[a] = x.shape[a] + begin[a] + end[a]
		if want[a] < 1 {
			return n.Unsupportedf("pads leave nothing of %v", x.shape)
		}
	}
	if err := checkOut(n, want); err != nil {
		return err
	}
	y, err := b.output(n, 0, nil)
	if err != nil {
		return err
	}
	o := &copyOp{out: y, fill: true, value: value}
	ys, xs := y.strides(), x.strides()
	in, out := operand{st: xs}, operand{st: ys}
	dims := make([]int, r)
	empty := false
	for a := range dims {
		skip, keep := max(-begin[a], 0), max(begin[a], 0)
		dims[a] = x.shape[a] - skip - max(-end[a], 0)
		in.off += skip * xs[a]
		out.off += keep * ys[a]
		empty = empty || dims[a] < 1
	}
	if !empty {
		it, err := newIter(dims, y.order(), out, in)
		if err != nil {
			return n.Unsupportedf("%v", err)
		}
		o.parts = []copyPart{{in: x, it: it}}
	}
	b.add(step{op: o, name: n.Label(), kind: n.Op, reads: bufs(x), writes: bufs(y),
		shape: fmtShape(x.shape) + " -> " + fmtShape(y.shape), note: "fill, strided copy"})
	return nil
}

// padAmounts reads Pad's pads (before and after each of r axes) and
// constant value.
func padAmounts(n *graph.Node, r int) (begin, end []int, value float32, err error) {
	if begin, end, err = graph.Pads(n, r); err != nil {
		return nil, nil, 0, err
	}
	if begin[0] != 0 || end[0] != 0 {
		return nil, nil, 0, n.Unsupportedf("pads the batch axis")
	}
	for a := range begin {
		if begin[a] < -1<<30 || begin[a] > 1<<30 || end[a] < -1<<30 || end[a] > 1<<30 {
			return nil, nil, 0, n.Unsupportedf("pads %v, %v", begin, end)
		}
	}
	if n.Input(2) != nil {
		t, err := n.ConstInput(2)
		if err != nil {
			return nil, nil, 0, err
		}
		v, err := t.Float32s()
		if err != nil || len(v) != 1 {
			return nil, nil, 0, n.Unsupportedf("constant_value must be a float scalar")
		}
		value = v[0]
	}
	return begin, end, value, nil
}
