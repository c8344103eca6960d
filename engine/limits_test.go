package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/graph"
)

// MaxWorkspaceBytes and MaxWork refuse a graph at Compile, counting the
// workspace of MaxBatch images and every conv's multiply-accumulates and
// every pool window read of one image; at the exact figure it compiles.
func TestCompileLimits(t *testing.T) {
	b, x := newTG(t, []int{1, 3, 10, 10})
	y := b.conv(x, 8, 3, 1, 1, "relu", nil)                                   // 10*10*8 x 3*3*3 MACs
	p := b.node("MaxPool", []*graph.Value{y}, []int{1, 8, 5, 5}, graph.Attrs{ // 5*5*8 x 2*2 reads
		"kernel_shape": graph.Is(2, 2), "strides": graph.Is(2, 2)})
	b.out(p)
	const work = 10*10*8*27 + 5*5*8*4
	m, err := Compile(b.g, &Options{Threads: 1, MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	ws := int64(m.WorkspaceBytes())
	m.Close()
	for _, c := range []struct {
		o    Options
		fail string
	}{
		{Options{MaxWorkspaceBytes: ws}, ""},
		{Options{MaxWorkspaceBytes: ws - 4}, "workspace"},
		{Options{MaxWork: work}, ""},
		{Options{MaxWork: work - 1}, "multiply-accumulates"},
		{Options{MaxWork: -1}, "negative"},
	} {
		c.o.Threads, c.o.MaxBatch = 1, 2
		m, err := Compile(b.g, &c.o)
		switch {
		case c.fail == "" && err != nil:
			t.Errorf("%+v: %v", c.o, err)
		case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
			t.Errorf("%+v: error %v, want one about %s", c.o, err, c.fail)
		case c.fail != "" && c.fail != "negative" && !errors.Is(err, graph.ErrUnsupported):
			t.Errorf("%+v: %v does not wrap graph.ErrUnsupported", c.o, err)
		}
		if err == nil {
			m.Close()
		}
	}
}
