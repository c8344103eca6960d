package kernels

import (
	"math"
	"unsafe"

	"github.com/gorn-ml/gorn/internal/idle"
)

// qJob is one 8-bit GEMM split into tasks: each task is a block of row
// tiles times a block of panels of C. Every element of C is one exact
// integer sum followed by the same epilogue whatever the split, so results
// do not depend on the thread count.
type qJob struct {
	q                  *QImpl
	kernel             qKernel       // q.kernel, or q.pairs for a pair-safe B
	direct             qDirectKernel // likewise, flipping A if need be; nil: pack all of A
	m                  int
	a                  []byte
	lda                int
	flip               byte  // XORed into A while packing (0 or 0x80)
	za                 int64 // A's zero point in the kernel's signedness
	b                  *QPackedB
	c                  unsafe.Pointer
	ldc                int
	kind               outKind
	ep                 QEpilogue
	tiles, panels      int
	rowTasks, colTasks int
	mc                 int // rows packed at a time, a multiple of MR
}

var qJobs idle.List[qJob]

// qScratch is a task's room: a packed block of A, one tile of sums and one
// row of real values.
type qScratch struct {
	a    []byte
	acc  []int32
	f    []float32
	corr []int32 // bias - za*colsum per column of a panel, for q.requant
}

var qScratches idle.List[qScratch]

// qgemm runs a checked call (m, n >= 1).
func qgemm(m int, a []byte, lda int, aSigned bool, b *QPackedB, c unsafe.Pointer, ldc int, kind outKind, ep *QEpilogue, opt *Options) {
	var pool *Pool
	threads := 1
	if opt != nil && opt.Pool != nil {
		pool = opt.Pool
		threads = opt.Threads
		if threads <= 0 || threads > pool.Threads() {
			threads = pool.Threads()
		}
	}
	q := b.impl
	g := qJobs.Get()
	*g = qJob{q: q, m: m, a: a, lda: lda, b: b, c: c, ldc: ldc, kind: kind, ep: *ep, za: int64(ep.AZero)}
	if aSigned != q.aSigned {
		g.flip = 0x80
		if aSigned {
			g.za += 128 // int8 a is uint8 a+128
		} else {
			g.za -= 128 // uint8 a is int8 a-128
		}
	}
	g.kernel, g.direct = q.kernel, q.direct
	if g.flip != 0 {
		g.direct = q.directFlip
	}
	if b.pairSafe && q.pairs != nil {
		g.kernel, g.direct = q.pairs, q.pairsDirect
		if g.flip != 0 {
			g.direct = q.pairsDirectFlip
		}
	}
	g.tiles = (m + q.mr - 1) / q.mr
	g.panels = (b.n + q.nr - 1) / q.nr
	// a block of A takes about half of L2, reused there by every panel
	g.mc = max(caches().l2/2/max(b.kpad, 1)/q.mr, 1) * q.mr
	// taskGrid counts float work; an int8 MAC costs about a quarter
	g.rowTasks, g.colTasks = taskGrid(threads, g.tiles, g.panels, m, b.n, b.k/4+1)
	pool.Run(g.rowTasks*g.colTasks, threads, g)
	*g = qJob{}
	qJobs.Put(g)
}

// Do runs one task: its row tiles in blocks of at most mc rows, each block
// packed once and run against every panel of the task.
func (g *qJob) Do(task, _ int) {
	q := g.q
	rt, ct := task/g.colTasks, task%g.colTasks
	i0 := min(g.m, rt*g.tiles/g.rowTasks*q.mr)
	i1 := min(g.m, (rt+1)*g.tiles/g.rowTasks*q.mr)
	jp0 := ct * g.panels / g.colTasks
	jp1 := (ct + 1) * g.panels / g.colTasks
	if i0 >= i1 || jp0 >= jp1 {
		return
	}
	s := qScratches.Get()
	kpad := g.b.kpad
	if need := min(g.mc, (i1-i0+q.mr-1)/q.mr*q.mr) * kpad; cap(s.a) < need {
		s.a = make([]byte, need)
	}
	if cap(s.acc) < q.mr*q.nr {
		s.acc = make([]int32, q.mr*q.nr)
	}
	if cap(s.f) < q.nr {
		s.f = make([]float32, q.nr)
		s.corr = make([]int32, q.nr)
	}
	// read A in place where the level can: whole groups
	direct := g.direct != nil && kpad > 0 && kpad == g.b.k
	acc := s.acc[:q.mr*q.nr]
	for ib := i0; ib < i1; ib += g.mc {
		rows := min(g.mc, i1-ib)
		inPlace := 0 // leading rows of the block read in place
		if direct {
			inPlace = rows / q.mr * q.mr
		}
		ablk := s.a[:(rows-inPlace+q.mr-1)/q.mr*q.mr*kpad]
		if kpad > 0 {
			packQA(q, ablk, g.a, g.lda, ib+inPlace, rows-inPlace, g.b.k, kpad, g.flip)
		}
		for jp := jp0; jp < jp1; jp++ {
			bp := g.b.panel(jp)
			j0 := jp * q.nr
			cols := min(q.nr, g.b.n-j0)
			vector := g.panelCorr(s, j0, cols)
			for t := 0; t*q.mr < rows; t++ {
				i := t * q.mr
				switch {
				case kpad == 0:
					clear(acc)
				case i < inPlace:
					g.direct(&g.a[(ib+i)*g.lda], g.lda, &bp[0], kpad/q.group, &acc[0])
				default:
					g.kernel(&ablk[(i-inPlace)*kpad], &bp[0], kpad/q.group, &acc[0])
				}
				if vector {
					g.storeVector(s, acc, ib+i, min(q.mr, rows-i), j0, cols)
				} else {
					g.store(s, acc, ib+i, min(q.mr, rows-i), j0, cols)
				}
			}
		}
	}
	qScratches.Put(s)
}

// panelCorr prepares the vector store of the panel at column j0 (cols
// wide): it fills s.corr with bias - za*colsum and reports whether the
// level's requant kernel applies (8-bit C, whole groups of 8 columns,
// int32-safe sums).
func (g *qJob) panelCorr(s *qScratch, j0, cols int) bool {
	q, ep := g.q, &g.ep
	if q.requant == nil || cols%8 != 0 || (g.kind != outU8 && g.kind != outS8) {
		return false
	}
	bound := int64(g.b.k) * 255 * 128 // the largest |sum| of k products
	corr := s.corr[:cols]
	for c := range corr {
		v := -g.za * int64(g.b.colSum[j0+c])
		if ep.Bias != nil {
			v += int64(ep.Bias[j0+c])
		}
		if bound+max(v, -v) > math.MaxInt32 {
			return false
		}
		corr[c] = int32(v)
	}
	return true
}

// storeVector stores a tile through the level's requant kernel, with
// s.corr from panelCorr.
func (g *qJob) storeVector(s *qScratch, acc []int32, i0, rows, j0, cols int) {
	q, ep := g.q, &g.ep
	flags := 0
	if ep.ReLU {
		flags |= 1
	}
	if g.kind == outS8 {
		flags |= 2
	}
	var res []byte
	var resLd, resZero int
	var resScale float32
	if r := ep.Residual; r != nil {
		flags |= 4
		res, resLd, resZero, resScale = r.U8, r.Ld, int(r.Zero), r.Scale
		if r.S8 != nil {
			flags |= 8
			res = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(r.S8))), len(r.S8))
		}
	}
	for c := 0; c < cols; c += 8 {
		dst := (*byte)(unsafe.Add(g.c, i0*g.ldc+j0+c))
		var rp *byte
		if res != nil {
			rp = &res[i0*resLd+j0+c]
		}
		q.requant(&acc[c], q.nr, &s.corr[c], &ep.Scale[j0+c], rows, dst, g.ldc, int(ep.OutZero), flags,
			rp, resLd, resZero, resScale)
	}
}

// store applies the epilogue to rows x cols of a tile of sums (row stride
// NR) and writes them to C from (i0, j0).
func (g *qJob) store(s *qScratch, acc []int32, i0, rows, j0, cols int) {
	nr := g.q.nr
	ep := &g.ep
	cs := g.b.colSum[j0 : j0+cols]
	f := s.f[:cols]
	for r := 0; r < rows; r++ {
		i := i0 + r
		ar := acc[r*nr : r*nr+cols]
		off := i*g.ldc + j0
		if g.kind == outI32 {
			g.storeInt32(ar, cs, unsafe.Slice((*int32)(unsafe.Add(g.c, 4*off)), cols), j0)
			continue
		}
		for c, a := range ar {
			j := j0 + c
			v := int64(a) - g.za*int64(cs[c])
			if ep.Bias != nil {
				v += int64(ep.Bias[j])
			}
			f[c] = float32(float32(v) * ep.Scale[j]) // rounded: never fused with the residual add
		}
		if res := ep.Residual; res != nil {
			addResidual(f, res, i, j0)
		}
		if ep.ReLU {
			for c, x := range f {
				if !(x > 0) {
					f[c] = 0
				}
			}
		}
		switch g.kind {
		case outF32:
			copy(unsafe.Slice((*float32)(unsafe.Add(g.c, 4*off)), cols), f)
		case outU8:
			quantizeRow(unsafe.Slice((*uint8)(unsafe.Add(g.c, off)), cols), f, float64(ep.OutZero), 0, 255)
		case outS8:
			quantizeRow(unsafe.Slice((*int8)(unsafe.Add(g.c, off)), cols), f, float64(ep.OutZero), -128, 127)
		}
	}
}

// storeInt32 writes the corrected sums v = acc - za*colsum + bias,
// saturated to int32 (and clamped at 0 with ReLU).
func (g *qJob) storeInt32(ar []int32, cs []int32, dst []int32, j0 int) {
	for c, a := range ar {
		v := int64(a) - g.za*int64(cs[c])
		if g.ep.Bias != nil {
			v += int64(g.ep.Bias[j0+c])
		}
		if g.ep.ReLU && v < 0 {
			v = 0
		}
		dst[c] = int32(max(min(v, math.MaxInt32), math.MinInt32))
	}
}

// addResidual adds (R[i][j0+c] - Zero) * Scale to f[c], each product
// rounded to float32 on its own.
func addResidual(f []float32, res *QResidual, i, j0 int) {
	off := i*res.Ld + j0
	z := res.Zero
	if res.U8 != nil {
		for c, r := range res.U8[off : off+len(f)] {
			f[c] += float32(float32(int32(r)-z) * res.Scale)
		}
		return
	}
	for c, r := range res.S8[off : off+len(f)] {
		f[c] += float32(float32(int32(r)-z) * res.Scale)
	}
}

// quantizeRow stores saturate(roundHalfToEven(f) + zero) into dst; NaN
// (which finite scales cannot produce) would store lo.
func quantizeRow[T uint8 | int8](dst []T, f []float32, zero, lo, hi float64) {
	for c, x := range f {
		v := math.RoundToEven(float64(x)) + zero
		if !(v >= lo) {
			v = lo
		} else if v > hi {
			v = hi
		}
		dst[c] = T(int32(v))
	}
}
