package kernels

import "github.com/gorn-ml/gorn/internal/idle"

// gemmJob is one GEMM split into tasks: each task is a block of rows times
// a block of panels (NR columns each) of C, and runs every K block for them
// in order. No two tasks share an element of C, and every element is the
// same chain of operations whatever the split, so results do not depend on
// the thread count.
type gemmJob struct {
	im                 *Impl
	m                  int
	a                  []float32
	lda                int
	b                  *PackedB
	c                  []float32
	ldc                int
	ep                 Epilogue
	panels             int  // NR-wide panels of C
	rowTasks, colTasks int  // the task grid
	mc                 int  // rows a task works on at a time, a multiple of MR
	packA              bool // copy A's blocks to scratch (see packAFor)
}

var jobs idle.List[gemmJob]

// stripScratchRows is how many rows of a partial panel a strip kernel
// writes to scratch per call.
const stripScratchRows = 48

// scratch is room for partial panels (n not a multiple of NR).
type scratch struct {
	c    []float32 // stripScratchRows x NR: a strip of a partial panel
	bias []float32 // NR
	a    []float32 // a copy of A's block, see aBlock
}

var scratches idle.List[scratch]

// lazyScratch takes a scratch from the pool the first time a task needs
// one, so a GEMM without partial panels touches no scratch at all.
type lazyScratch struct {
	nr int
	s  *scratch
}

func (l *lazyScratch) get() *scratch {
	if l.s != nil {
		return l.s
	}
	s := scratches.Get()
	if nc := stripScratchRows * l.nr; cap(s.c) < nc {
		s.c = make([]float32, nc)
	}
	if cap(s.bias) < l.nr {
		s.bias = make([]float32, l.nr)
	}
	s.c, s.bias = s.c[:stripScratchRows*l.nr], s.bias[:l.nr]
	l.s = s
	return s
}

func (l *lazyScratch) release() {
	if l.s != nil {
		scratches.Put(l.s)
		l.s = nil
	}
}

// gemm runs a checked call (m, n >= 1).
func gemm(m int, a []float32, lda int, b *PackedB, c []float32, ldc int, ep *Epilogue, opt *Options) {
	if b.k == 0 {
		epilogueOnly(m, b.n, c, ldc, ep)
		return
	}
	var pool *Pool
	threads := 1
	if opt != nil && opt.Pool != nil {
		pool = opt.Pool
		threads = opt.Threads
		if threads <= 0 || threads > pool.Threads() {
			threads = pool.Threads()
		}
	}
	g := jobs.Get()
	*g = gemmJob{im: b.impl, m: m, a: a, lda: lda, b: b, c: c, ldc: ldc, ep: *ep}
	tasks := g.split(threads)
	pool.Run(tasks, threads, g)
	*g = gemmJob{}
	jobs.Put(g)
}

// split chooses the task grid and returns the number of tasks.
func (g *gemmJob) split(threads int) int {
	mr := g.im.mr
	g.panels = (g.b.n + g.im.nr - 1) / g.im.nr
	g.mc = mcFor(g.im, g.b.kc)
	g.packA = packAFor(g.lda, g.b.n)
	g.rowTasks, g.colTasks = taskGrid(threads, (g.m+mr-1)/mr, g.panels, g.m, g.b.n, g.b.k)
	return g.rowTasks * g.colTasks
}

// Do runs one task: its rows in blocks of at most mc, each block through
// every K block and every panel of the task.
func (g *gemmJob) Do(task, _ int) {
	mr := g.im.mr
	rt, ct := task/g.colTasks, task%g.colTasks
	tiles := (g.m + mr - 1) / mr
	i0 := min(g.m, rt*tiles/g.rowTasks*mr)
	i1 := min(g.m, (rt+1)*tiles/g.rowTasks*mr)
	jp0 := ct * g.panels / g.colTasks
	jp1 := (ct + 1) * g.panels / g.colTasks
	sc := &lazyScratch{nr: g.im.nr}
	blocks := (i1 - i0 + g.mc - 1) / g.mc
	step := ((i1-i0+blocks-1)/blocks + mr - 1) / mr * mr
	for i := i0; i < i1; i += step {
		g.rowBlock(sc, i, min(i+step, i1), jp0, jp1)
	}
	sc.release()
}

// rowBlock runs rows [i0, i1) and panels [jp0, jp1) through every K block.
func (g *gemmJob) rowBlock(sc *lazyScratch, i0, i1, jp0, jp1 int) {
	k := g.b.k
	av := aBlock{a: g.a, lda: g.lda}
	for p0 := 0; p0 < k; p0 += g.b.kc {
		kcb := min(g.b.kc, k-p0)
		if g.packA {
			av = sc.get().copyA(g.a, g.lda, i0, i1, p0, kcb)
		}
		flags := 0
		if p0 > 0 || g.ep.Accumulate {
			flags |= flagAccumulate
		}
		last := p0+kcb == k
		if last && g.ep.ReLU {
			flags |= flagReLU
		}
		for jp := jp0; jp < jp1; jp++ {
			g.stripPanel(sc, &av, jp, p0, kcb, i0, i1, last, flags)
		}
	}
}

// panelBias returns the bias pointer for the panel at column j0 (nil
// before the last K block), through scratch for a partial panel.
func (g *gemmJob) panelBias(sc *lazyScratch, j0, cols int, last bool) *float32 {
	if !last || g.ep.Bias == nil {
		return nil
	}
	if cols == g.im.nr {
		return &g.ep.Bias[j0]
	}
	b := sc.get().bias
	copy(b, g.ep.Bias[j0:j0+cols])
	clear(b[cols:])
	return &b[0]
}

// epilogueOnly is the k = 0 case: the product is empty.
func epilogueOnly(m, n int, c []float32, ldc int, ep *Epilogue) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			var v float32
			if ep.Accumulate {
				v = row[j]
			}
			if ep.Bias != nil {
				v += ep.Bias[j]
			}
			if ep.ReLU && !(v > 0) {
				v = 0
			}
			row[j] = v
		}
	}
}

// packAOverride, when not 0, forces A's copy on (1) or off (-1), for tests
// and tuning benchmarks.
var packAOverride int

// packAFor reports whether a GEMM copies its A blocks to scratch before the
// strip kernels read them. The kernels read the rows of a tile in place, lda
// apart; when lda is a multiple of 512 floats (2 KiB) the rows of a tile
// and of the tile prefetched after it fall in one or two sets of L1 and
// evict each other (ResNet's 1x1 convolutions over 1024 and 2048 channels
// ran at 45 GFLOP/s where their neighbours ran at 63). A copy with a padded
// stride costs one read and write of A per K block, repaid when the block
// meets more than one B panel.
func packAFor(lda, n int) bool {
	if packAOverride != 0 {
		return packAOverride > 0
	}
	return lda%512 == 0 && n > 16
}

// aBlock is where the kernels read A for one K block: A itself (row0 and
// col0 zero) or a copy of rows [row0, ...) and columns [col0, col0+kc) with
// a padded stride.
type aBlock struct {
	a          []float32
	lda        int
	row0, col0 int
}

// at returns A from row i, column p on.
func (v *aBlock) at(i, p int) []float32 { return v.a[(i-v.row0)*v.lda+p-v.col0:] }

// copyA copies rows [i0, i1) and columns [p0, p0+kc) of a to the scratch
// with a stride of kc rounded up to 16 floats plus 16, which puts the rows
// of a tile in different L1 sets.
func (s *scratch) copyA(a []float32, lda, i0, i1, p0, kc int) aBlock {
	ld := (kc+15)&^15 + 16
	n := (i1 - i0) * ld
	if cap(s.a) < n {
		s.a = make([]float32, n)
	}
	s.a = s.a[:n]
	for i := i0; i < i1; i++ {
		copy(s.a[(i-i0)*ld:][:kc], a[i*lda+p0:][:kc])
	}
	return aBlock{a: s.a, lda: ld, row0: i0, col0: p0}
}
