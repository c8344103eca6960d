package nn

import (
	"sync"

	"github.com/gorn-ml/gorn/im2col"
	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/kernels"
)

// stackedBelow: convolutions whose rows of taps (KW*Cin values) are
// shorter than this use im2col.StackedRows, which moves one long run per A
// row instead of KH short ones (5x faster on the Cin = 3 stem).
const stackedBelow = 64

// minStackedRun is the fewest output pixels per row for which a stacked
// convolution multiplies its stack in place (modeStacked) rather than
// copying A rows out of it: shorter rows would make too many small GEMMs.
var minStackedRun = 16

// Tuning of the im2col blocks (see blockRows).
var (
	blockFloats   = 64 << 10 // target size of one block of A, in floats
	minBlockRows  = 96       // fewest rows of a block, so B is reused enough
	minSharedRows = 48       // fewest rows of a block when threads share the blocks
)

// blockRows is the number of rows of A one im2col block holds: about
// blockFloats floats (the block stays in L2 between its extraction and its
// product), but at least minBlockRows rows, a multiple of the micro-kernel's
// MR.
func blockRows(im *kernels.Impl, k int) int {
	mr := im.MR()
	rows := max(blockFloats/max(k, 1), minBlockRows)
	return (rows + mr - 1) / mr * mr
}

// Execution modes of one Forward call.
const (
	modeDirect  = iota // A is the input itself
	modeWhole          // im2col of all rows, then one (threaded) GEMM per group
	modeBlocks         // tasks of one block each: im2col, then its GEMMs
	modeStacked        // tasks of one output row each: its stack, multiplied in place
)

// convPlan is how one Forward call runs.
type convPlan struct {
	mode    int
	m       int // rows of A: output pixels
	rows    int // rows per block (modeBlocks)
	tasks   int // blocks (modeBlocks) or output rows (modeStacked)
	stack   int // floats of stacking space per worker (stacked layout)
	scratch int // floats of scratch space needed
}

// plan chooses the mode for m output pixels, ow per output row, on threads
// threads. A stacked convolution with rows of at least minStackedRun pixels
// multiplies each output row's stack in place, one task per row. Otherwise
// blocks keep A in cache; when there are too few blocks to keep every
// thread busy, the whole of A is extracted first and the threaded GEMM
// splits the work. Each worker's scratch is its block of A followed, for
// the stacked layout, by its stacking space.
func (c *Conv) plan(m, ow, threads int) convPlan {
	if c.pointwise {
		return convPlan{mode: modeDirect, m: m}
	}
	k := c.p.Groups * c.kg
	stack := 0
	if c.stacked {
		stack = ((ow-1)*c.p.StrideW + c.p.KW) * c.p.KH * c.p.Cin
		if ow >= minStackedRun {
			rows := m / ow
			return convPlan{mode: modeStacked, m: m, tasks: rows, stack: stack, scratch: min(threads, rows) * stack}
		}
	}
	mr := c.im.MR()
	rows := c.blockRows
	if threads > 1 {
		// At least about six blocks per thread, so that the threads, which
		// take blocks as they come free, finish at nearly the same time.
		shared := max((m+6*threads-1)/(6*threads), minSharedRows)
		rows = min(rows, (shared+mr-1)/mr*mr)
	}
	blocks := (m + rows - 1) / rows
	// Even blocks: no short last block that streams all of B for a few rows.
	rows = ((m+blocks-1)/blocks + mr - 1) / mr * mr
	blocks = (m + rows - 1) / rows
	if blocks <= 1 || (threads > 1 && blocks < 2*threads) {
		return convPlan{mode: modeWhole, m: m, stack: stack, scratch: m*k + threads*stack}
	}
	workers := min(threads, blocks)
	return convPlan{mode: modeBlocks, m: m, rows: rows, tasks: blocks, stack: stack, scratch: workers * (rows*k + stack)}
}

// convCall is one Forward call after its checks.
type convCall struct {
	c        *Conv
	dst, src []float32
	scratch  []float32
	ep       Epilogue
	opt      *kernels.Options
	pl       convPlan
	phase    int // what Do does: a phase* constant
	chunk    int // rows per extraction task (phaseExtract)
	g        im2col.Geometry
	firstErr
}

// firstErr keeps the first error the tasks of one call report, from
// whichever threads run them.
type firstErr struct {
	mu  sync.Mutex
	err error
}

// set records err if it is the first.
func (f *firstErr) set(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

var calls idle.List[convCall]

func (x *convCall) geom(n, h, w, oh, ow int) {
	p := &x.c.p
	x.g = im2col.Geometry{
		N: n, H: h, W: w, C: p.Cin, KH: p.KH, KW: p.KW,
		StrideH: p.StrideH, StrideW: p.StrideW, PadT: p.PadT, PadL: p.PadL,
		DilH: p.DilH, DilW: p.DilW, OH: oh, OW: ow,
	}
}

// What convCall.Do runs for a task.
const (
	phaseBlocks  = iota // im2col of one block, then its GEMMs
	phaseExtract        // im2col of one chunk of rows of the whole A
	phaseGroups         // one group's GEMM on the whole A
	phaseStacked        // one output row's stack, then its GEMM on the stack
)

// run executes the plan. x comes from the calls pool, so handing it to the
// thread pool as a Job allocates nothing.
func (x *convCall) run() error {
	threads := threadsOf(x.opt)
	switch x.pl.mode {
	case modeDirect:
		return x.gemms(x.src, x.c.p.Cin, 0, x.pl.m, -1, x.opt)
	case modeWhole:
		return x.whole(threads)
	case modeStacked:
		x.phase = phaseStacked
	default:
		x.phase = phaseBlocks
	}
	x.each(x.pl.tasks, threads)
	return x.err
}

// whole extracts all of A, in row chunks spread over the threads, then
// runs the GEMMs: threaded, or one task per group when there are several
// (the GEMMs of a grouped convolution are small).
func (x *convCall) whole(threads int) error {
	mr := x.c.im.MR()
	x.chunk = ((x.pl.m+threads-1)/threads + mr - 1) / mr * mr
	x.phase = phaseExtract
	x.each((x.pl.m+x.chunk-1)/x.chunk, threads)
	if x.err != nil {
		return x.err
	}
	k := x.c.p.Groups * x.c.kg
	if threads == 1 || x.c.p.Groups == 1 {
		return x.gemms(x.scratch, k, 0, x.pl.m, -1, x.opt)
	}
	x.phase = phaseGroups
	x.each(x.c.p.Groups, threads)
	return x.err
}

// each runs tasks tasks of the current phase, on the pool if threads > 1.
func (x *convCall) each(tasks, threads int) {
	if threads == 1 || tasks == 1 {
		for t := 0; t < tasks; t++ {
			x.Do(t, 0)
		}
		return
	}
	x.opt.Pool.Run(tasks, threads, x)
}

// Do runs one task of the current phase; worker indexes its scratch.
func (x *convCall) Do(task, worker int) {
	k := x.c.p.Groups * x.c.kg
	var err error
	switch x.phase {
	case phaseBlocks:
		r0 := task * x.pl.rows
		rows := min(x.pl.rows, x.pl.m-r0)
		ws := x.scratch[worker*(x.pl.rows*k+x.pl.stack):]
		a := ws[:rows*k]
		err = x.extract(a, ws[x.pl.rows*k:][:x.pl.stack], r0, rows)
		if err == nil {
			err = x.gemms(a, k, r0, rows, -1, nil)
		}
	case phaseExtract:
		r0 := task * x.chunk
		rows := min(x.chunk, x.pl.m-r0)
		stack := x.scratch[x.pl.m*k+worker*x.pl.stack:][:x.pl.stack]
		err = x.extract(x.scratch[r0*k:(r0+rows)*k], stack, r0, rows)
	case phaseGroups:
		err = x.gemms(x.scratch, k, 0, x.pl.m, task, nil)
	case phaseStacked:
		// task is output row oy of image n; its A rows overlap in the stack
		ow := x.g.OW
		var lda int
		stack := x.scratch[worker*x.pl.stack:][:x.pl.stack]
		lda, err = im2col.StackedRow(stack, x.src, &x.g, task/x.g.OH, task%x.g.OH)
		if err == nil {
			err = x.gemms(stack, lda, task*ow, ow, -1, nil)
		}
	}
	x.set(err)
}

// extract writes rows [r0, r0+rows) of A to a, group by group; stack is
// the stacking space of the stacked layout.
func (x *convCall) extract(a, stack []float32, r0, rows int) error {
	c := x.c
	k := c.p.Groups * c.kg
	if c.stacked {
		return im2col.StackedRows(a, k, x.src, &x.g, r0, rows, stack)
	}
	if c.p.Groups == 1 {
		return im2col.Rows(a, k, x.src, &x.g, r0, rows)
	}
	for g := 0; g < c.p.Groups; g++ {
		if err := im2col.GroupRows(a[g*c.kg:], k, x.src, &x.g, g*c.cing, c.cing, r0, rows); err != nil {
			return err
		}
	}
	return nil
}

// gemms multiplies rows [r0, r0+rows) of the output, whose A (lda apart)
// starts at a, by the weights of group only, or of every group if only < 0.
func (x *convCall) gemms(a []float32, lda, r0, rows, only int, opt *kernels.Options) error {
	c := x.c
	cout := c.p.Cout
	g0, g1 := 0, c.p.Groups
	if only >= 0 {
		g0, g1 = only, only+1
	}
	for g := g0; g < g1; g++ {
		ep := kernels.Epilogue{Accumulate: x.ep.Residual, ReLU: x.ep.ReLU}
		if c.bias != nil {
			ep.Bias = c.bias[g*c.coutg : (g+1)*c.coutg]
		}
		ag := a[g*(lda/c.p.Groups):] // group g's columns: cing channels, or kg taps
		if err := kernels.SgemmPacked(rows, ag, lda, c.packed[g], x.dst[r0*cout+g*c.coutg:], cout, ep, opt); err != nil {
			return err
		}
	}
	return nil
}
