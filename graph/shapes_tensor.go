package graph

import (
	"slices"
)

// inferReduce: ReduceMean and ReduceMax with the axes input (opset 18).
func inferReduce(n *Node) error {
	if err := arity(n, 1, 2, 1); err != nil {
		return err
	}
	if err := numeric(n, 0); err != nil {
		return err
	}
	x := n.Inputs[0]
	if n.Op == "ReduceMean" {
		if err := wantType(n, 0, Float32); err != nil {
			return err
		}
	}
	axes, err := ReduceAxes(n, len(x.Shape))
	if err != nil {
		return err
	}
	keep, err := n.Int("keepdims", 1)
	if err != nil {
		return err
	}
	var out []int
	for i, d := range x.Shape {
		switch {
		case !slices.Contains(axes, i):
			out = append(out, d)
		case d == 0 && n.Op == "ReduceMax":
			return n.Errorf("ReduceMax over an empty axis %d", i)
		case keep != 0:
			out = append(out, 1)
		}
	}
	return setOut(n, 0, x.DType, out)
}

// ReduceAxes returns the normalised axes a ReduceMean or ReduceMax node of
// input rank reduces: its constant axes input, or every axis when that is
// absent or empty and noop_with_empty_axes is 0 (none when it is 1).
func ReduceAxes(n *Node, rank int) ([]int, error) {
	raw, err := constInts(n, 1, MaxRank)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		noop, err := n.Int("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		if noop != 0 {
			return []int{}, nil
		}
		all := make([]int, rank)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	return normAxes(n, raw, rank)
}

// inferGemm: Y = alpha * A' * B' + beta * C, A' and B' transposed as
// transA/transB say, C broadcast to [M, N].
func inferGemm(n *Node) error {
	if err := arity(n, 2, 3, 1); err != nil {
		return err
	}
	for i := range n.Inputs {
		if err := wantType(n, i, Float32); err != nil {
			return err
		}
	}
	a, b := n.Inputs[0].Shape, n.Inputs[1].Shape
	if len(a) != 2 || len(b) != 2 {
		return n.Errorf("A %v and B %v must be matrices", a, b)
	}
	ta, err := n.Int("transA", 0)
	if err != nil {
		return err
	}
	tb, err := n.Int("transB", 0)
	if err != nil {
		return err
	}
	m, k := a[0], a[1]
	if ta != 0 {
		m, k = k, m
	}
	k2, nn := b[0], b[1]
	if tb != 0 {
		k2, nn = nn, k2
	}
	if k != k2 {
		return n.Errorf("A %v (transA %d) and B %v (transB %d) do not multiply", a, ta, b, tb)
	}
	out := []int{m, nn}
	if c := n.Input(2); c != nil {
		if s, ok := Broadcast(c.Shape, out); !ok || !slices.Equal(s, out) {
			return n.Errorf("C %v does not broadcast to %v", c.Shape, out)
		}
	}
	return setOut(n, 0, Float32, out)
}

// inferMatMul: NumPy matmul, batch dimensions broadcast.
func inferMatMul(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	for i := range n.Inputs {
		if err := wantType(n, i, Float32); err != nil {
			return err
		}
	}
	a, b := n.Inputs[0].Shape, n.Inputs[1].Shape
	if len(a) == 0 || len(b) == 0 {
		return n.Errorf("MatMul of a scalar")
	}
	a1, b1 := len(a) == 1, len(b) == 1
	if a1 {
		a = []int{1, a[0]}
	}
	if b1 {
		b = []int{b[0], 1}
	}
	if a[len(a)-1] != b[len(b)-2] {
		return n.Errorf("shapes %v and %v do not multiply", n.Inputs[0].Shape, n.Inputs[1].Shape)
	}
	batch, ok := Broadcast(a[:len(a)-2], b[:len(b)-2])
	if !ok {
		return n.Errorf("batch dimensions of %v and %v do not broadcast", a, b)
	}
	out := batch
	if !a1 {
		out = append(out, a[len(a)-2])
	}
	if !b1 {
		out = append(out, b[len(b)-1])
	}
	return setOut(n, 0, Float32, out)
}

func inferFlatten(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	r := len(x.Shape)
	axis, err := n.Int("axis", 1)
	if err != nil {
		return err
	}
	if axis < -int64(r) || axis > int64(r) {
		return n.Errorf("axis %d out of range for rank %d", axis, r)
	}
	if axis < 0 {
		axis += int64(r)
	}
	out := []int{NumElements(x.Shape[:axis]), NumElements(x.Shape[axis:])}
	return setOut(n, 0, x.DType, out)
}

// inferReshape: shape input constant; 0 copies the input's dimension
// (unless allowzero), one -1 is inferred.
func inferReshape(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	spec, err := constInts(n, 1, MaxRank)
	if err != nil {
		return err
	}
	if spec == nil {
		return n.Errorf("shape input is missing")
	}
	allowZero, err := n.Int("allowzero", 0)
	if err != nil {
		return err
	}
	out := make([]int, len(spec))
	infer := -1
	for i, d := range spec {
		switch {
		case d == 0 && allowZero == 0:
			if i >= len(x.Shape) {
				return n.Errorf("shape %v copies dimension %d of %v", spec, i, x.Shape)
			}
			out[i] = x.Shape[i]
		case d == -1 && infer < 0:
			infer = i
		case d < 0 || d > MaxElements:
			return n.Errorf("shape %v has an invalid entry %d", spec, d)
		default:
			out[i] = int(d)
		}
	}
	total := NumElements(x.Shape)
	if infer >= 0 {
		out[infer] = 1
		known := NumElements(out)
		if known == 0 || total%known != 0 {
			return n.Errorf("cannot reshape %v to %v", x.Shape, spec)
		}
		out[infer] = total / known
	}
	if NumElements(out) != total {
		return n.Errorf("cannot reshape %v (%d elements) to %v", x.Shape, total, spec)
	}
	return setOut(n, 0, x.DType, out)
}

func inferSqueeze(n *Node) error {
	if err := arity(n, 1, 2, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	raw, err := constInts(n, 1, MaxRank)
	if err != nil {
		return err
	}
	axes, err := normAxes(n, raw, len(x.Shape))
	if err != nil {
		return err
	}
	var out []int
	for i, d := range x.Shape {
		drop := slices.Contains(axes, i)
		if raw == nil {
			drop = d == 1
		} else if drop && d != 1 {
			return n.Errorf("squeezes axis %d of %v, which is not 1", i, x.Shape)
		}
		if !drop {
			out = append(out, d)
		}
	}
	return setOut(n, 0, x.DType, out)
}

func inferUnsqueeze(n *Node) error {
	if err := arity(n, 2, 2, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	raw, err := constInts(n, 1, MaxRank)
	if err != nil {
		return err
	}
	r := len(x.Shape) + len(raw)
	if r > MaxRank {
		return n.Unsupportedf("output rank %d exceeds %d", r, MaxRank)
	}
	axes, err := normAxes(n, raw, r)
	if err != nil {
		return err
	}
	out := make([]int, 0, r)
	j := 0
	for i := range r {
		if slices.Contains(axes, i) {
			out = append(out, 1)
		} else {
			out = append(out, x.Shape[j])
			j++
		}
	}
	return setOut(n, 0, x.DType, out)
}

// Perm returns the permutation of a Transpose node on an input of rank r
// (its perm attribute, or reversed axes), checked.
func Perm(n *Node, r int) ([]int, error) {
	raw, err := n.Ints("perm", nil)
	if err != nil {
		return nil, err
	}
	perm := make([]int, r)
	if raw == nil {
		for i := range perm {
			perm[i] = r - 1 - i
		}
		return perm, nil
	}
	if len(raw) != r {
		return nil, n.Errorf("perm %v for rank %d", raw, r)
	}
	seen := make([]bool, r)
	for i, p := range raw {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, n.Errorf("perm %v is not a permutation of %d axes", raw, r)
		}
		seen[p] = true
		perm[i] = int(p)
	}
	return perm, nil
}

func inferTranspose(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	perm, err := Perm(n, len(x.Shape))
	if err != nil {
		return err
	}
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = x.Shape[p]
	}
	return setOut(n, 0, x.DType, out)
}

func inferConcat(n *Node) error {
	if err := arity(n, 1, len(n.Inputs), 1); err != nil {
		return err
	}
	if _, ok := n.Attrs["axis"]; !ok {
		return n.Errorf("attribute axis is missing")
	}
	first := n.Inputs[0]
	axis64, err := n.Int("axis", 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(n, axis64, len(first.Shape))
	if err != nil {
		return err
	}
	out := slices.Clone(first.Shape)
	out[axis] = 0
	for i, v := range n.Inputs {
		if v == nil || v.DType != first.DType || len(v.Shape) != len(out) {
			return n.Errorf("input %d (%s) does not match input 0's type %v and rank %d", i, v, first.DType, len(out))
		}
		for j, d := range v.Shape {
			if j != axis && d != out[j] {
				return n.Errorf("input %d (%s) has shape %v, input 0 %v (axis %d)", i, v, v.Shape, first.Shape, axis)
			}
		}
		out[axis] += v.Shape[axis]
		if out[axis] > MaxElements {
			return n.Unsupportedf("concatenation longer than %d", MaxElements)
		}
	}
	return setOut(n, 0, first.DType, out)
}
