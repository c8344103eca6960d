package engine

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/internal/memplan"
	"github.com/gorn-ml/gorn/kernels"
)

// maxSlab bounds a workspace, in floats: 16 GiB (Options.MaxWorkspaceBytes
// lowers it).
const maxSlab = 1 << 32

// builder lowers a graph into a Model's steps and slots.
type builder struct {
	m       *Model
	g       *graph.Graph
	im      *kernels.Impl
	tensors map[*graph.Value]*tensor
	lastUse map[*graph.Value]int // index of the last node reading the value; maxNode for outputs
	fused   map[*graph.Node]bool // nodes an earlier node absorbed
	node    int                  // index of the node being lowered
	garbage int                  // bytes of temporaries made since the last collection
}

// garbageLimit is how many bytes of temporaries (loaded weights, the
// copies the packers make) a compile lets pile up before it collects them,
// so that the peak stays near the packed weights plus one layer (see
// resnet's builder, where 8 MiB measured best).
const garbageLimit = 8 << 20

// temporary records n bytes of temporaries and collects them when enough
// have piled up.
func (b *builder) temporary(n int) {
	b.garbage += n
	if b.garbage > garbageLimit {
		runtime.GC()
		b.garbage = 0
	}
}

// Compile lowers g into a Model. g must have one float32 input, static
// shapes on every value (graph.InferShapes) with dimension 0 the batch
// (1), and nodes in topological order; the passes of graph/opt should
// have run (the fused gorn.Conv and gorn.ScaleShift are what run fastest).
// A node outside the supported operators and attributes is refused with an
// error naming it. Compile does not modify g and keeps no reference to it
// (it shares, read-only, the data of small constants); lazy constants are
// loaded one at a time and dropped once packed.
func Compile(g *graph.Graph, o *Options) (*Model, error) {
	opt, im, err := o.resolve()
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("%w: the graph has %d inputs, want 1", graph.ErrUnsupported, len(g.Inputs))
	}
	if len(g.Outputs) == 0 {
		return nil, fmt.Errorf("%w: the graph has no outputs", graph.ErrInvalid)
	}
	m := &Model{im: im, threads: opt.Threads, maxBatch: opt.MaxBatch, log: g.Log()}
	if opt.Pool != nil {
		m.pool = opt.Pool
	} else if opt.Threads > 1 {
		m.pool, m.ownPool = kernels.NewPool(opt.Threads), true
	}
	m.kopt = kernels.Options{Pool: m.pool, Threads: m.threads}
	m.idle.Max, m.idle.New = runtime.GOMAXPROCS(0), m.NewWorkspace
	b := &builder{m: m, g: g, im: im, tensors: map[*graph.Value]*tensor{},
		lastUse: map[*graph.Value]int{}, fused: map[*graph.Node]bool{}}
	if err := b.build(); err != nil {
		m.Close()
		return nil, err
	}
	b.lifetimes()
	m.slab = memplan.Layout(m.slots)
	if int64(m.slab) > opt.MaxWorkspaceBytes/4 {
		m.Close()
		return nil, fmt.Errorf("%w: the workspace would take %d MiB (limit %d MiB)",
			graph.ErrUnsupported, m.slab>>18, opt.MaxWorkspaceBytes>>20)
	}
	if opt.MaxWork > 0 {
		var work int64
		for _, st := range m.steps {
			work += st.macs + st.work
		}
		if work > opt.MaxWork {
			m.Close()
			return nil, fmt.Errorf("%w: one image takes %d multiply-accumulates and window reads (limit %d)",
				graph.ErrUnsupported, work, opt.MaxWork)
		}
	}
	return m, nil
}

// build lowers the input, every node and the outputs.
func (b *builder) build() error {
	for i, n := range b.g.Nodes {
		for _, v := range n.Inputs {
			if v != nil {
				b.lastUse[v] = i
			}
		}
	}
	for _, v := range b.g.Outputs {
		if v == nil {
			return fmt.Errorf("%w: a graph output is nil", graph.ErrInvalid)
		}
		b.lastUse[v] = maxNode
	}
	if len(b.g.Nodes) > maxNodes {
		return fmt.Errorf("%w: %d nodes (at most %d run)", graph.ErrUnsupported, len(b.g.Nodes), maxNodes)
	}
	if err := b.input(b.g.Inputs[0]); err != nil {
		return err
	}
	for i, n := range b.g.Nodes {
		b.node = i
		if b.fused[n] {
			continue
		}
		if err := b.lower(n); err != nil {
			return err
		}
	}
	for _, v := range b.g.Outputs {
		t, ok := b.tensors[v]
		if !ok || t.konst != nil {
			return fmt.Errorf("%w: graph output %s is not computed by the graph (a constant?)", graph.ErrUnsupported, v)
		}
		if t.q != graph.Undefined {
			return fmt.Errorf("%w: graph output %s is %v (supported: float32)", graph.ErrUnsupported, v, t.q)
		}
		t = &tensor{name: v.Name, shape: t.shape, size: t.size, buf: t.buf}
		b.m.outputs = append(b.m.outputs, t)
	}
	return nil
}

// input plans the conversion of the caller's NCHW input.
func (b *builder) input(v *graph.Value) error {
	if v.DType != graph.Float32 {
		return fmt.Errorf("%w: input %s is %v, want float32", graph.ErrUnsupported, v, v.DType)
	}
	t, err := b.activation(v, nil)
	if err != nil {
		return err
	}
	b.m.input = t
	b.add(step{op: &inputOp{t: t}, name: v.Name, kind: "input", shape: fmtShape(t.shape),
		writes: []*buffer{t.buf}, note: map[bool]string{true: "copy", false: "NCHW -> NHWC"}[t.plain()]})
	return nil
}

// activation makes the tensor of activation v, in buf (a view) or, when
// buf is nil, in a new buffer.
func (b *builder) activation(v *graph.Value, buf *buffer) (*tensor, error) {
	if _, dup := b.tensors[v]; dup {
		return nil, fmt.Errorf("%w: %s is computed twice", graph.ErrInvalid, v)
	}
	s := v.Shape
	if len(s) == 0 || len(s) > maxRank || s[0] != 1 {
		return nil, fmt.Errorf("%w: %s has shape %v: want rank 1 to %d with batch dimension 1 (shapes inferred?)",
			graph.ErrUnsupported, v, s, maxRank)
	}
	size := 1
	for _, d := range s {
		if d < 1 || d > graph.MaxElements || size > graph.MaxElements/d {
			return nil, fmt.Errorf("%w: %s has shape %v", graph.ErrUnsupported, v, s)
		}
		size *= d
	}
	elems := size
	if graph.IsQuantType(v.DType) {
		size = (size + 3) / 4 // packed bytes, in whole floats
	} else if v.DType != graph.Float32 {
		return nil, fmt.Errorf("%w: %s is %v (supported activations: float32, uint8, int8)", graph.ErrUnsupported, v, v.DType)
	}
	if int64(size) > (1<<34)/int64(b.m.maxBatch) {
		return nil, fmt.Errorf("%w: %s of shape %v is too large for MaxBatch %d", graph.ErrUnsupported, v, s, b.m.maxBatch)
	}
	if buf == nil {
		buf = b.newBuffer(size)
	} else if buf.size != size {
		return nil, fmt.Errorf("%w: view %s of %d floats on a buffer of %d", graph.ErrInvalid, v, size, buf.size)
	}
	t := &tensor{name: v.Name, shape: slices.Clone(s), size: size, buf: buf}
	if graph.IsQuantType(v.DType) {
		t.q, t.elems = v.DType, elems
	}
	if u, ok := b.lastUse[v]; ok {
		buf.lastUse = max(buf.lastUse, u)
	}
	b.tensors[v] = t
	return t, nil
}

// newBuffer adds a buffer of size floats per image.
func (b *builder) newBuffer(size int) *buffer {
	buf := &buffer{slot: b.newSlot(b.m.maxBatch * size), size: size, lastUse: -1}
	return buf
}

// newSlot adds a slot of size floats; lifetimes sets its steps.
func (b *builder) newSlot(size int) int {
	b.m.slots = append(b.m.slots, &memplan.Slot{Size: size, First: maxNode, Last: -1})
	return len(b.m.slots) - 1
}

// maxNodes bounds the graph's size: the memory plan's layout is quadratic
// in the number of buffers (a few per node), and the largest ResNets have
// well under a thousand nodes.
const maxNodes = 1 << 16

// isOutput reports whether v is a graph output.
func (b *builder) isOutput(v *graph.Value) bool { return b.lastUse[v] == maxNode }

// dies reports whether buf is read by no node after the current one (and
// is no graph output): the node may overwrite it.
func (b *builder) dies(buf *buffer) bool { return buf != nil && buf.lastUse <= b.node }

// value returns the tensor of v: an activation computed before, or a
// constant (loaded now).
func (b *builder) value(n *graph.Node, v *graph.Value) (*tensor, error) {
	if v == nil {
		return nil, n.Unsupportedf("an input is missing")
	}
	if t, ok := b.tensors[v]; ok {
		return t, nil
	}
	if v.Const == nil {
		return nil, n.Errorf("reads %s before it is computed (nodes not in topological order?)", v)
	}
	if len(v.Const.Shape) > maxRank {
		return nil, n.Unsupportedf("constant %s of rank %d", v, len(v.Const.Shape))
	}
	d, err := v.Const.Float32s()
	if err != nil {
		return nil, fmt.Errorf("%v: %w", n, err)
	}
	b.temporary(4 * len(d))
	t := &tensor{name: v.Name, shape: slices.Clone(v.Const.Shape), size: len(d), konst: d}
	b.tensors[v] = t
	b.m.weights += 4 * len(d)
	return t, nil
}

// act returns input i of n, which must be an activation.
func (b *builder) act(n *graph.Node, i int) (*tensor, error) {
	t, err := b.value(n, n.Input(i))
	if err != nil {
		return nil, err
	}
	if t.konst != nil {
		return nil, n.Unsupportedf("input %d is a constant, want an activation (fold constants first)", i)
	}
	if t.q != graph.Undefined {
		return nil, n.Unsupportedf("input %d is a %v activation (supported: float32; 8-bit values are read by gorn.QConv and DequantizeLinear)", i, t.q)
	}
	return t, nil
}

// output makes the tensor of n's output i in a new buffer, or in buf when
// buf is not nil (in place, or a view).
func (b *builder) output(n *graph.Node, i int, buf *buffer) (*tensor, error) {
	if i >= len(n.Outputs) || n.Outputs[i] == nil {
		return nil, n.Errorf("has no output %d", i)
	}
	t, err := b.activation(n.Outputs[i], buf)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", n, err)
	}
	return t, nil
}

// outputLike makes the tensor of n's output 0, which must have x's shape,
// in x's buffer when this is x's last use (note "in place"), else in a new
// buffer.
func (b *builder) outputLike(n *graph.Node, x *tensor) (y *tensor, note string, err error) {
	var into *buffer
	if b.dies(x.buf) {
		into, note = x.buf, "in place"
	}
	if y, err = b.output(n, 0, into); err != nil {
		return nil, "", err
	}
	if !slices.Equal(y.shape, x.shape) {
		return nil, "", n.Errorf("output %v for input %v", y.shape, x.shape)
	}
	return y, note, nil
}

// add appends st.
func (b *builder) add(st step) {
	b.m.steps = append(b.m.steps, st)
}

// lifetimes sets each slot's first and last step from the steps' reads and
// writes; graph outputs live to the end.
func (b *builder) lifetimes() {
	touch := func(slot, i int) {
		s := b.m.slots[slot]
		s.First, s.Last = min(s.First, i), max(s.Last, i)
	}
	for i, st := range b.m.steps {
		for _, buf := range st.reads {
			touch(buf.slot, i)
		}
		for _, buf := range st.writes {
			touch(buf.slot, i)
		}
		if st.scratch > 0 {
			touch(st.scratch-1, i)
		}
	}
	for _, t := range b.m.outputs {
		touch(t.buf.slot, len(b.m.steps))
	}
	for _, s := range b.m.slots {
		if s.Last < 0 { // never used
			s.First, s.Last, s.Size = 0, 0, 0
		}
	}
}

// bufs lists the buffers of activations among ts.
func bufs(ts ...*tensor) []*buffer {
	var out []*buffer
	for _, t := range ts {
		if t != nil && t.buf != nil {
			out = append(out, t.buf)
		}
	}
	return out
}

func fmtShape(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	out := fmt.Sprint(s[1:])
	return out
}
