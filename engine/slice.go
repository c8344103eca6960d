package engine

import (
	"math"

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
	r := len(x.shape)
	var in [4][]int64
	for i := range in {
		if in[i], err = constInts(n, 1+i); err != nil {
			return err
		}
	}
	starts, ends, axes, steps := in[0], in[1], in[2], in[3]
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		steps = make([]int64, len(starts))
		for i := range steps {
			steps[i] = 1
		}
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return n.Errorf("starts, ends, axes and steps of lengths %d, %d, %d, %d", len(starts), len(ends), len(axes), len(steps))
	}
	xs := x.strides()
	op := operand{st: append([]int(nil), xs...)}
	want := append([]int(nil), x.shape...)
	seen := 0
	for i, a64 := range axes {
		a, err := axis(n, a64, r)
		if err != nil {
			return err
		}
		if seen&(1<<a) != 0 || steps[i] == 0 {
			return n.Errorf("axes %v, steps %v", axes, steps)
		}
		seen |= 1 << a
		start, count := sliceRange(starts[i], ends[i], steps[i], x.shape[a])
		if a == 0 && (start != 0 || count != 1) {
			return n.Unsupportedf("slices the batch axis")
		}
		want[a] = count
		op.off += start * xs[a]
		op.st[a] = xs[a] * int(steps[i])
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

// sliceRange is ONNX's clamping of one axis of Slice: the first index and
// the number of elements taken.
func sliceRange(start, end, step int64, dim int) (first, count int) {
	d := int64(dim)
	norm := func(v int64, lo, hi int64) int64 {
		if v < 0 {
			if v < math.MinInt64+d {
				v = math.MinInt64
			} else {
				v += d
			}
		}
		return min(max(v, lo), hi)
	}
	if step > 0 {
		s, e := norm(start, 0, d), norm(end, 0, d)
		if e <= s {
			return int(s), 0
		}
		return int(s), int((e - s + step - 1) / step)
	}
	s, e := norm(start, 0, d-1), norm(end, -1, d-1)
	if s <= e {
		return int(s), 0
	}
	return int(s), int((s - e - step - 1) / -step)
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
	b.add(step{op: o, name: nodeName(n), kind: n.Op, reads: bufs(parts...), writes: bufs(y),
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
	b.add(step{op: o, name: nodeName(n), kind: n.Op, reads: bufs(x), writes: bufs(y),
		shape: fmtShape(x.shape) + " -> " + fmtShape(y.shape), note: "fill, strided copy"})
	return nil
}

// padAmounts reads Pad's pads (before and after each of r axes, from the
// pads and axes inputs) and constant value.
func padAmounts(n *graph.Node, r int) (begin, end []int, value float32, err error) {
	pads, err := constInts(n, 1)
	if err != nil {
		return nil, nil, 0, err
	}
	axes, err := constInts(n, 3)
	if err != nil {
		return nil, nil, 0, err
	}
	if axes == nil {
		for i := 0; i < r; i++ {
			axes = append(axes, int64(i))
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, nil, 0, n.Errorf("%d pads for %d axes", len(pads), len(axes))
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
	begin, end = make([]int, r), make([]int, r)
	for i, a64 := range axes {
		a, err := axis(n, a64, r)
		if err != nil {
			return nil, nil, 0, err
		}
		p, q := pads[i], pads[len(axes)+i]
		if p < -1<<30 || p > 1<<30 || q < -1<<30 || q > 1<<30 || (a == 0 && (p != 0 || q != 0)) {
			return nil, nil, 0, n.Unsupportedf("pads %v", pads)
		}
		begin[a], end[a] = int(p), int(q)
	}
	return begin, end, value, nil
}
