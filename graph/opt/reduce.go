package opt

import (
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// reduceThroughTranspose rewrites ReduceMean or ReduceMax with keepdims=0
// that reads a Transpose's output to reduce the Transpose's input instead,
// over the permuted axes, where that gives the same tensor: the axes the
// reduction keeps must appear in the transposed order in increasing
// order of the input's axes. tf2onnx's head (Transpose to NHWC, then
// ReduceMean over axes 1 and 2 with keepdims=0) becomes a ReduceMean over
// the spatial axes 2 and 3. A Transpose nobody else reads is then dead
// code. It returns how many reductions it rewrote.
func reduceThroughTranspose(g *graph.Graph) (int, error) {
	done := 0
	for _, n := range slices.Clone(g.Nodes) {
		if n.Op != "ReduceMean" && n.Op != "ReduceMax" {
			continue
		}
		t := n.Input(0)
		p := t.Producer
		if p == nil || p.Op != "Transpose" || len(p.Outputs) != 1 || p.Input(0) == nil || p.Input(0).Shape == nil {
			continue
		}
		x := p.Input(0)
		rank := len(x.Shape)
		keep, err := n.Int("keepdims", 1)
		if err != nil || keep != 0 {
			continue
		}
		perm, err := transposePerm(p, rank)
		if err != nil || perm == nil {
			continue
		}
		axes, err := graph.ReduceAxes(n, rank)
		if err != nil || len(axes) == 0 {
			continue // an error is Check's to report
		}
		mapped, ok := permutedAxes(perm, axes)
		if !ok {
			continue
		}
		c, err := g.AddConst(newName(g, n.Name+".axes"), graph.Ints([]int{len(mapped)}, mapped))
		if err != nil {
			return done, err
		}
		g.SetInput(n, 0, x)
		g.SetInput(n, 1, c)
		n.Source = append(n.Source, p.Source...)
		done++
	}
	return done, nil
}

// transposePerm returns the Transpose's permutation (default: the axes
// reversed), nil when it does not fit the input's rank.
func transposePerm(p *graph.Node, rank int) ([]int, error) {
	raw, err := p.Ints("perm", nil)
	if err != nil {
		return nil, err
	}
	perm := make([]int, rank)
	if raw == nil {
		for i := range perm {
			perm[i] = rank - 1 - i
		}
		return perm, nil
	}
	if len(raw) != rank {
		return nil, nil
	}
	seen := make([]bool, rank)
	for i, a := range raw {
		if a < 0 || a >= int64(rank) || seen[a] {
			return nil, nil
		}
		seen[a] = true
		perm[i] = int(a)
	}
	return perm, nil
}

// permutedAxes maps reduced axes of the transposed tensor to the input's
// axes (perm[a]) and reports whether the kept axes stay in increasing
// order, so that a keepdims=0 reduction of the input has the same layout.
func permutedAxes(perm, axes []int) ([]int64, bool) {
	reduced := make([]bool, len(perm))
	out := make([]int64, 0, len(axes))
	for _, a := range axes {
		if a < 0 || a >= len(perm) || reduced[perm[a]] {
			return nil, false
		}
		reduced[perm[a]] = true
		out = append(out, int64(perm[a]))
	}
	last := -1
	for _, q := range perm {
		if reduced[q] {
			continue
		}
		if q < last {
			return nil, false
		}
		last = q
	}
	slices.Sort(out)
	return out, true
}

// newName returns base, or base with a numeric suffix, that no value of g
// is called.
func newName(g *graph.Graph, base string) string {
	return (&edit{g: g}).name(base)
}
