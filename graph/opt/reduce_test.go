package opt

import (
	"slices"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// tf2onnx's head, Transpose to NHWC then ReduceMean over axes 1 and 2 with
// keepdims=0, becomes a ReduceMean over the spatial axes (what the
// executor runs) with the same values; where the kept axes would come out
// in another order, or keepdims=1, the Transpose stays.
func TestCleanupReduceThroughTranspose(t *testing.T) {
	for _, tc := range []struct {
		name     string
		perm     []int64
		axes     []int64
		keepdims int64
		out      []int
		wantOps  []string
		wantAxes []int64
	}{
		{"nhwc-mean", []int64{0, 2, 3, 1}, []int64{1, 2}, 0, []int{1, 6}, []string{"ReduceMean"}, []int64{2, 3}},
		{"nhwc-max", []int64{0, 2, 3, 1}, []int64{-3, -2}, 0, []int{1, 6}, []string{"ReduceMax"}, []int64{2, 3}},
		{"kept-swapped", []int64{0, 3, 2, 1}, []int64{2}, 0, []int{1, 4, 6}, []string{"Transpose", "ReduceMean"}, nil},
		{"keepdims", []int64{0, 2, 3, 1}, []int64{1, 2}, 1, []int{1, 1, 1, 6}, []string{"Transpose", "ReduceMean"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := tc.wantOps[len(tc.wantOps)-1]
			b := newBuilder(t)
			b.evalOnly = true // the reference has no reductions: graph/eval is the oracle
			x := b.input(1, 6, 5, 4)
			shape := make([]int, 4)
			for i, p := range tc.perm {
				shape[i] = x.Shape[p]
			}
			v := b.node("Transpose", []*graph.Value{x}, graph.Attrs{"perm": graph.Is(tc.perm...)}, shape...)
			y := b.node(op, []*graph.Value{v, b.constI(tc.axes, len(tc.axes))}, graph.Attrs{"keepdims": graph.I(tc.keepdims)}, tc.out...)
			b.g.Outputs = []*graph.Value{y}
			want := b.run()
			if err := Cleanup(b.g, nil); err != nil {
				t.Fatal(err)
			}
			check(t, b.g)
			wantOps(t, b.g, tc.wantOps...)
			b.same(want)
			if tc.wantAxes != nil {
				n := node(t, b.g, op)
				got, err := n.Input(1).Const.Int64s()
				if err != nil || n.Input(0) != x || !slices.Equal(got, tc.wantAxes) {
					t.Errorf("%s reads %s with axes %v (%v), want the input with %v", op, n.Input(0), got, err, tc.wantAxes)
				}
			}
		})
	}
}
