package opt

import (
	"errors"
	"testing"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/internal/graphtest"
)

func TestCleanup(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 3, 4, 4)
	v := b.node("Identity", []*graph.Value{x}, nil, 1, 3, 4, 4)
	v = b.relu(v)
	dn := graphtest.Node(t, b.g, "Dropout", "drop", []*graph.Value{v, b.constF([]float32{0.5}), b.constI([]int64{0})},
		[]string{"dropped", "mask"}, nil)
	dn.Outputs[0].Shape = v.Shape
	v = dn.Outputs[0]
	v = b.node("Cast", []*graph.Value{v}, graph.Attrs{"to": graph.I(1)}, 1, 3, 4, 4)
	v = b.node("Reshape", []*graph.Value{v, b.constI([]int64{1, 3, 4, 4}, 4)}, nil, 1, 3, 4, 4)
	v = b.node("Flatten", []*graph.Value{v}, graph.Attrs{"axis": graph.I(1)}, 1, 48)
	v = b.node("Unsqueeze", []*graph.Value{v, b.constI([]int64{2}, 1)}, nil, 1, 48, 1)
	v = b.node("Squeeze", []*graph.Value{v, b.constI([]int64{2}, 1)}, nil, 1, 48)
	v = b.node("Transpose", []*graph.Value{v}, graph.Attrs{"perm": graph.Is(0, 1)}, 1, 48)
	v = b.node("Pad", []*graph.Value{v, b.constI([]int64{0, 0, 0, 0}, 4)}, nil, 1, 48)
	out := b.node("Identity", []*graph.Value{v}, nil, 1, 48)
	// Dead code: a Relu nobody reads.
	b.relu(x)
	b.g.Outputs = []*graph.Value{out}
	want := b.run()
	if err := Cleanup(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	// The Flatten changes the shape; the Unsqueeze and Squeeze each do.
	wantOps(t, b.g, "Relu", "Flatten", "Unsqueeze", "Squeeze")
	if b.g.Outputs[0] != out || out.Producer != b.g.Nodes[3] {
		t.Fatalf("graph output %s written by %v", b.g.Outputs[0], b.g.Outputs[0].Producer)
	}
	if b.g.Value("mask") != nil || b.g.Value("dropped") != nil {
		t.Error("the Dropout's values are still in the graph")
	}
	b.same(want)
}

// A no-op between a graph input (or a constant, or another graph output)
// and a graph output stays: the output's name is the API.
func TestCleanupKeepsOutputNames(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 2)
	r := b.relu(x)
	o1 := b.node("Identity", []*graph.Value{x}, nil, 1, 2)
	o2 := b.node("Identity", []*graph.Value{r}, nil, 1, 2)
	o3 := b.node("Identity", []*graph.Value{o2}, nil, 1, 2)
	b.g.Outputs = []*graph.Value{o1, o2, o3}
	if err := Cleanup(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	// o1 reads a graph input: kept. o2 takes r's place. o3 reads o2, a
	// graph output: kept.
	wantOps(t, b.g, "Relu", "Identity", "Identity")
	if o2.Producer.Op != "Relu" || b.g.Value(r.Name) != nil {
		t.Errorf("o2 produced by %v", o2.Producer)
	}
}

func TestCleanupNotNoOps(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4)
	v := b.node("Cast", []*graph.Value{x}, graph.Attrs{"to": graph.I(7)}, 1, 4)
	v.DType = graph.Int64
	w := b.node("Cast", []*graph.Value{v}, graph.Attrs{"to": graph.I(10)}, 1, 4) // FLOAT16: not the IR's float32
	u := b.node("Transpose", []*graph.Value{w}, graph.Attrs{"perm": graph.Is(1, 0)}, 4, 1)
	p := b.node("Pad", []*graph.Value{u, b.constI([]int64{0, 1, 0, 0}, 4)}, nil, 4, 2)
	unknown := b.node("Reshape", []*graph.Value{p, b.constI([]int64{4, 2}, 2)}, nil)
	b.g.Outputs = []*graph.Value{unknown}
	if err := Cleanup(b.g, nil); err != nil {
		t.Fatal(err)
	}
	wantOps(t, b.g, "Cast", "Cast", "Transpose", "Pad", "Reshape")
}

func TestCleanupDropoutTraining(t *testing.T) {
	for name, mod := range map[string]func(b *builder, n *graph.Node){
		"training": func(b *builder, n *graph.Node) { b.g.SetInput(n, 2, b.constI([]int64{1})) },
		"dynamic":  func(b *builder, n *graph.Node) { b.g.SetInput(n, 2, b.input()) },
		"mask":     func(b *builder, n *graph.Node) { b.g.Outputs = append(b.g.Outputs, n.Outputs[1]) },
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder(t)
			x := b.input(1, 4)
			n := graphtest.Node(t, b.g, "Dropout", "d", []*graph.Value{x, nil, b.constI([]int64{0})}, []string{"y", "m"}, nil)
			b.g.Outputs = []*graph.Value{b.relu(n.Outputs[0])}
			mod(b, n)
			if err := Cleanup(b.g, nil); !errors.Is(err, graph.ErrUnsupported) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestDCE(t *testing.T) {
	b := newBuilder(t)
	x := b.input(1, 4)
	keep := b.relu(x)
	dead := b.relu(b.relu(keep))
	n := graphtest.Node(t, b.g, "Split", "split", []*graph.Value{keep}, []string{"s1", "s2"}, nil)
	b.g.Outputs = []*graph.Value{n.Outputs[1]}
	if err := DCE(b.g, nil); err != nil {
		t.Fatal(err)
	}
	check(t, b.g)
	wantOps(t, b.g, "Relu", "Split")
	if b.g.Value(dead.Name) != nil {
		t.Error("dead value still in the graph")
	}
}
