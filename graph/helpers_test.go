package graph

import (
	"fmt"
	"testing"
)

// one builds a graph of one node op reading ins: a []int is a float32 graph
// input of that shape, a *Tensor a constant, nil an omitted input. The
// node is called "n" and its outputs "y0", "y1" ... (nout of them).
func one(t *testing.T, op string, attrs Attrs, nout int, ins ...any) (*Graph, *Node) {
	t.Helper()
	g := New()
	var vals []*Value
	for i, in := range ins {
		var v *Value
		var err error
		switch x := in.(type) {
		case nil:
		case []int:
			v, err = g.AddInput(fmt.Sprintf("x%d", i), Float32, x)
		case *Tensor:
			v, err = g.AddConst(fmt.Sprintf("c%d", i), x)
		default:
			t.Fatalf("input %d: %T", i, in)
		}
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, v)
	}
	outs := make([]string, nout)
	for i := range outs {
		outs[i] = fmt.Sprintf("y%d", i)
	}
	n, err := g.AddNode(op, "n", vals, outs, attrs)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = n.Outputs[:1]
	return g, n
}

// iv is a 1-D int64 constant.
func iv(v ...int64) *Tensor { return Ints([]int{len(v)}, v) }

// is0 is an int64 scalar constant.
func is0(v int64) *Tensor { return Ints([]int{}, []int64{v}) }

// fz is a float32 constant of shape s filled with zeros.
func fz(s ...int) *Tensor { return Floats(s, make([]float32, NumElements(s))) }

// fv is a 1-D float32 constant.
func fv(v ...float32) *Tensor { return Floats([]int{len(v)}, v) }
