package kernels

import "sync"

// PackedB is a k x n matrix packed for one implementation level: split into
// blocks of KC rows, each block into zero-padded panels NR columns wide,
// panel element (p, j) at p*NR+j. Pack once, use from any number of
// goroutines at once: it is read-only after packing.
type PackedB struct {
	impl *Impl
	k, n int
	npad int // n rounded up to NR
	kc   int // rows per K block (the last one may be shorter)
	data []float32
}

// K is the number of rows of the packed matrix (the GEMM's k).
func (p *PackedB) K() int { return p.k }

// N is the number of columns of the packed matrix (the GEMM's n).
func (p *PackedB) N() int { return p.n }

// Impl is the level the matrix was packed for.
func (p *PackedB) Impl() *Impl { return p.impl }

// Bytes is the memory the packed matrix holds.
func (p *PackedB) Bytes() int { return 4 * cap(p.data) }

// PackB packs the k x n row-major matrix b (row stride ldb) for the active
// level.
func PackB(k, n int, b []float32, ldb int) (*PackedB, error) {
	return Active().PackB(k, n, b, ldb)
}

// PackB packs the k x n row-major matrix b (row stride ldb) for this level.
func (im *Impl) PackB(k, n int, b []float32, ldb int) (*PackedB, error) {
	if err := checkMatrix("B", b, k, n, ldb); err != nil {
		return nil, err
	}
	p := newPacked(im, k, n)
	p.pack(b, ldb, false)
	return p, nil
}

// PackBTransposed packs B given as its transpose: bt is n x k row-major (row
// stride ldbt), so B[p][j] = bt[j*ldbt+p]. Convolution weights stored
// output-channel first (PyTorch's OIHW, once each filter is laid out in
// (kh, kw, Cin) order) are in this form.
func (im *Impl) PackBTransposed(k, n int, bt []float32, ldbt int) (*PackedB, error) {
	if err := checkMatrix("Bᵀ", bt, n, k, ldbt); err != nil {
		return nil, err
	}
	p := newPacked(im, k, n)
	p.pack(bt, ldbt, true)
	return p, nil
}

// PackBTransposed packs B given as its transpose for the active level; see
// [Impl.PackBTransposed].
func PackBTransposed(k, n int, bt []float32, ldbt int) (*PackedB, error) {
	return Active().PackBTransposed(k, n, bt, ldbt)
}

func newPacked(im *Impl, k, n int) *PackedB {
	p := &PackedB{impl: im}
	p.shape(k, n)
	p.data = make([]float32, p.size())
	return p
}

// shape sets the dimensions and the K block size.
func (p *PackedB) shape(k, n int) {
	nr := p.impl.nr
	p.k, p.n = k, n
	p.npad = (n + nr - 1) / nr * nr
	p.kc = blockK(k, kcFor(p.impl))
}

func (p *PackedB) size() int { return p.k * p.npad }

// blockK splits k into equal blocks of at most kcMax rows (a multiple of 4
// where it can be), so no block is much shorter than the rest.
func blockK(k, kcMax int) int {
	if k <= kcMax {
		return max(k, 1)
	}
	nb := (k + kcMax - 1) / kcMax
	kc := (k + nb - 1) / nb
	if r := (kc + 3) &^ 3; r <= kcMax {
		kc = r
	}
	return kc
}

// panel returns the packed panel of K block starting at row p0 and of
// columns [jp*NR, jp*NR+NR), with the block's row count.
func (p *PackedB) panel(p0, jp int) ([]float32, int) {
	kcb := min(p.kc, p.k-p0)
	nr := p.impl.nr
	off := p0*p.npad + jp*kcb*nr
	return p.data[off : off+kcb*nr], kcb
}

// pack fills p.data from b (row-major k x n) or, if trans, from its
// transpose (row-major n x k).
func (p *PackedB) pack(b []float32, ldb int, trans bool) {
	nr := p.impl.nr
	for p0 := 0; p0 < p.k; p0 += p.kc {
		for jp := 0; jp*nr < p.n; jp++ {
			dst, kcb := p.panel(p0, jp)
			j0 := jp * nr
			cols := min(nr, p.n-j0)
			if trans {
				packPanelT(dst, b, ldb, p0, kcb, j0, cols, nr)
			} else {
				packPanel(dst, b, ldb, p0, kcb, j0, cols, nr)
			}
		}
	}
}

func packPanel(dst, b []float32, ldb, p0, kcb, j0, cols, nr int) {
	for p := 0; p < kcb; p++ {
		row := b[(p0+p)*ldb+j0:][:cols]
		d := dst[p*nr : p*nr+nr]
		copy(d, row)
		clear(d[cols:])
	}
}

func packPanelT(dst, bt []float32, ldbt, p0, kcb, j0, cols, nr int) {
	clear(dst)
	for j := 0; j < cols; j++ {
		col := bt[(j0+j)*ldbt+p0:][:kcb]
		for p, v := range col {
			dst[p*nr+j] = v
		}
	}
}

// Per-call packing for Sgemm reuses buffers so steady state allocates nothing.
var packedPool sync.Pool

func getPacked(im *Impl, k, n int) *PackedB {
	p, _ := packedPool.Get().(*PackedB)
	if p == nil {
		p = &PackedB{}
	}
	p.impl = im
	p.shape(k, n)
	if cap(p.data) < p.size() {
		p.data = make([]float32, p.size())
	}
	p.data = p.data[:p.size()]
	return p
}

func putPacked(p *PackedB) { packedPool.Put(p) }
