package engine

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// tensor is a value of the graph as the plan stores it. Activations live in
// a buffer of the workspace (several tensors may share one: views);
// constants hold their data in ONNX order. 4-D activations are stored
// channels-last (NHWC), every other rank in ONNX's row-major order.
type tensor struct {
	name  string
	shape []int     // ONNX shape, dimension 0 the batch (1)
	size  int       // floats per image
	buf   *buffer   // nil for constants
	konst []float32 // constant data, nil for activations
	// q is graph.Uint8 or graph.Int8 for an 8-bit activation: its images
	// are stored packed as bytes (elems each) in a buffer of size floats per
	// image (ceil(elems/4)); graph.Undefined for float32 tensors.
	q     graph.DType
	elems int // elements per image of an 8-bit activation
}

// buffer is a workspace area that one or more tensors (views) occupy.
type buffer struct {
	slot    int // index in Model.slots
	size    int // floats per image
	lastUse int // index of the last node that reads a tensor in it; maxNode for graph outputs
}

// maxNode marks a buffer that must live to the end of the pass.
const maxNode = int(^uint(0) >> 1)

// maxRank bounds the rank of the tensors the plan handles.
const maxRank = 6

func (t *tensor) info() TensorInfo { return TensorInfo{Name: t.name, Shape: slices.Clone(t.shape)} }

// nhwc reports whether t is stored channels-last: a 4-D activation
// (constants keep ONNX order).
func (t *tensor) nhwc() bool { return len(t.shape) == 4 && t.konst == nil }

// plain reports whether t's storage order is ONNX's row-major order: not
// 4-D, or 4-D with one channel or one pixel, whose two orders agree.
func (t *tensor) plain() bool {
	return !t.nhwc() || t.shape[1] == 1 || t.shape[2]*t.shape[3] == 1
}

// order returns the storage order of t's axes, outermost first.
func (t *tensor) order() []int {
	if t.nhwc() {
		return []int{0, 2, 3, 1}
	}
	o := make([]int, len(t.shape))
	for i := range o {
		o[i] = i
	}
	return o
}

// strides returns the distance in floats between neighbours along each of
// t's axes in its storage; an activation's axis 0 (the batch) steps by one
// image.
func (t *tensor) strides() []int {
	st := make([]int, len(t.shape))
	o := t.order()
	s := 1
	for i := len(o) - 1; i >= 0; i-- {
		st[o[i]] = s
		s *= t.shape[o[i]]
	}
	if t.konst == nil {
		st[0] = t.size
	}
	return st
}

// broadcastTo returns the strides of t read as a tensor of shape out under
// ONNX's (NumPy's) broadcasting: axes aligned from the right, size-1 axes
// repeated (stride 0), missing leading axes repeated. An activation must
// have out's rank (its axis 0 is the batch); a constant's batch axis must
// be 1.
func (t *tensor) broadcastTo(out []int) ([]int, error) {
	r, tr := len(out), len(t.shape)
	if tr > r || (t.konst == nil && tr != r) {
		return nil, fmt.Errorf("shape %v does not broadcast to %v", t.shape, out)
	}
	ts := t.strides()
	st := make([]int, r)
	for i := 0; i < tr; i++ {
		a, d := r-tr+i, t.shape[i]
		switch {
		case d == out[a]:
			st[a] = ts[i]
		case d == 1:
			st[a] = 0
		default:
			return nil, fmt.Errorf("shape %v does not broadcast to %v", t.shape, out)
		}
	}
	if t.konst == nil {
		st[0] = t.size
	} else {
		st[0] = 0
	}
	return st, nil
}

// iter walks a tensor's elements in its storage order together with up to
// two other operands, row by row. Axis 0 (the batch) is separate, its
// count given at run time; the other axes are coalesced where every operand
// steps evenly across them.
type iter struct {
	rank  int // axes after coalescing, >= 1; the last is the row
	dims  [maxRank]int
	st    [3][maxRank]int
	batch [3]int
	off   [3]int
}

// operand is a strided view for iter: strides per logical axis of the
// output (axis 0 the batch) and a start offset.
type operand struct {
	st  []int
	off int
}

// newIter returns an iter over a tensor of shape dims whose axes are stored
// in order (outermost first, axis 0 first), reading up to three operands.
func newIter(dims, order []int, ops ...operand) (*iter, error) {
	if len(dims) > maxRank || len(ops) > 3 {
		return nil, fmt.Errorf("rank %d is above %d", len(dims), maxRank)
	}
	it := &iter{}
	for k, op := range ops {
		it.batch[k], it.off[k] = op.st[0], op.off
	}
	for _, a := range order[1:] {
		if dims[a] == 1 {
			continue
		}
		i := it.rank
		it.dims[i] = dims[a]
		for k, op := range ops {
			it.st[k][i] = op.st[a]
		}
		it.rank++
	}
	it.coalesce(len(ops))
	if it.rank == 0 {
		it.rank, it.dims[0] = 1, 1
	}
	return it, nil
}

// coalesce merges neighbouring axes that every operand steps across evenly.
func (it *iter) coalesce(nops int) {
	for i := it.rank - 2; i >= 0; i-- {
		ok := true
		for k := 0; k < nops; k++ {
			if it.st[k][i] != it.st[k][i+1]*it.dims[i+1] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		it.dims[i] *= it.dims[i+1]
		for k := 0; k < nops; k++ {
			it.st[k][i] = it.st[k][i+1]
		}
		copy(it.dims[i+1:it.rank], it.dims[i+2:it.rank])
		for k := 0; k < nops; k++ {
			copy(it.st[k][i+1:it.rank], it.st[k][i+2:it.rank])
		}
		it.rank--
	}
}

// row is the length of a row and each operand's stride along it.
func (it *iter) row() (n, s0, s1, s2 int) {
	i := it.rank - 1
	return it.dims[i], it.st[0][i], it.st[1][i], it.st[2][i]
}

// rows calls fn with the start offset of each operand's row, for the rows
// of n images in storage order.
func (it *iter) rows(n int, fn func(o0, o1, o2 int)) {
	outer := it.rank - 1
	for b := 0; b < n; b++ {
		var idx [maxRank]int
		o0, o1, o2 := it.off[0]+b*it.batch[0], it.off[1]+b*it.batch[1], it.off[2]+b*it.batch[2]
		for {
			fn(o0, o1, o2)
			i := outer - 1
			for ; i >= 0; i-- {
				idx[i]++
				o0 += it.st[0][i]
				o1 += it.st[1][i]
				o2 += it.st[2][i]
				if idx[i] < it.dims[i] {
					break
				}
				o0 -= idx[i] * it.st[0][i]
				o1 -= idx[i] * it.st[1][i]
				o2 -= idx[i] * it.st[2][i]
				idx[i] = 0
			}
			if i < 0 {
				break
			}
		}
	}
}

// contiguous reports whether operand k reads its elements in order from
// its offset: a single row of stride 1 (or of one element).
func (it *iter) contiguous(k int) bool {
	return it.rank == 1 && (it.st[k][0] == 1 || it.dims[0] == 1)
}
