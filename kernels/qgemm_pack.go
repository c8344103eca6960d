package kernels

import (
	"encoding/binary"
	"unsafe"
)

// QPackedB is a k x n int8 matrix (per-output-channel weights: column j is
// output channel j) packed for one 8-bit level: zero-padded panels NR
// columns wide, each cut into groups of G k steps (G = the level's group),
// element (p, j) of panel jp at jp*kpad*NR + (p/G)*NR*G + (j%NR)*G + p%G,
// with the column sums that the zero-point correction needs. It is
// read-only after packing: use it from any number of goroutines at once.
type QPackedB struct {
	impl   *QImpl
	k, n   int
	kpad   int // k rounded up to the group
	npad   int // n rounded up to NR
	data   []int8
	colSum []int32 // sum_p B[p][j], npad entries
	// pairSafe: every pair of neighbouring k steps (2i, 2i+1) of every
	// column has positive parts summing to at most 128 and negative parts
	// summing to at most 128, so u8*s8 pair sums fit int16 exactly.
	pairSafe bool
}

// K is the number of rows of the packed matrix (the GEMM's k).
func (p *QPackedB) K() int { return p.k }

// N is the number of columns (output channels).
func (p *QPackedB) N() int { return p.n }

// Impl is the level the matrix was packed for.
func (p *QPackedB) Impl() *QImpl { return p.impl }

// Bytes is the memory the packed matrix holds.
func (p *QPackedB) Bytes() int { return cap(p.data) + 4*cap(p.colSum) }

// ColSum returns sum_p B[p][j] for column j < N.
func (p *QPackedB) ColSum(j int) int32 { return p.colSum[j] }

// PackQB packs the k x n row-major int8 matrix b (row stride ldb) for the
// active 8-bit level.
func PackQB(k, n int, b []int8, ldb int) (*QPackedB, error) {
	return QActive().PackQB(k, n, b, ldb)
}

// PackQBTransposed packs B given as its transpose (n x k row-major, stride
// ldbt: one output channel's weights per row, as ONNX stores a convolution's
// filters once laid out in (kh, kw, Cin) order) for the active 8-bit level.
func PackQBTransposed(k, n int, bt []int8, ldbt int) (*QPackedB, error) {
	return QActive().PackQBTransposed(k, n, bt, ldbt)
}

// PackQB packs the k x n row-major int8 matrix b (row stride ldb) for this
// level. k must be at most [QMaxK].
func (q *QImpl) PackQB(k, n int, b []int8, ldb int) (*QPackedB, error) {
	if err := q.checkPack(k, k, n, len(b), ldb); err != nil {
		return nil, err
	}
	p := q.newQPacked(k, n)
	p.pack(func(pp, j int) int8 { return b[pp*ldb+j] })
	return p, nil
}

// PackQBTransposed packs B given as its transpose bt (n x k row-major, row
// stride ldbt) for this level. k must be at most [QMaxK].
func (q *QImpl) PackQBTransposed(k, n int, bt []int8, ldbt int) (*QPackedB, error) {
	if err := q.checkPack(k, n, k, len(bt), ldbt); err != nil {
		return nil, err
	}
	p := q.newQPacked(k, n)
	p.pack(func(pp, j int) int8 { return bt[j*ldbt+pp] })
	return p, nil
}

func (q *QImpl) checkPack(k, rows, cols, l, ld int) error {
	if k > QMaxK {
		return shapeErr("k = %d is more than %d", k, QMaxK)
	}
	if err := checkLen("B", l, rows, cols, ld, true); err != nil {
		return err
	}
	if rows > 0 && cols > 0 && (rows+q.group)*(cols+q.nr)/(cols+q.nr) != rows+q.group { // overflow
		return shapeErr("B is too large")
	}
	return nil
}

func (q *QImpl) newQPacked(k, n int) *QPackedB {
	p := &QPackedB{impl: q, k: k, n: n}
	p.kpad = (k + q.group - 1) / q.group * q.group
	p.npad = (n + q.nr - 1) / q.nr * q.nr
	p.data = make([]int8, p.kpad*p.npad)
	p.colSum = make([]int32, p.npad)
	return p
}

// pack fills the panels and column sums from at(p, j) = B[p][j].
func (p *QPackedB) pack(at func(pp, j int) int8) {
	nr, g := p.impl.nr, p.impl.group
	for j := 0; j < p.n; j++ {
		panel := p.data[j/nr*p.kpad*nr:]
		var s int32
		for pp := 0; pp < p.k; pp++ {
			v := at(pp, j)
			panel[pp/g*nr*g+j%nr*g+pp%g] = v
			s += int32(v)
		}
		p.colSum[j] = s
	}
	if p.impl.pairs != nil {
		p.pairSafe = pairSafe(p.data)
	}
}

// pairSafe reports whether every pair of neighbouring bytes of data (a
// packed B in groups of an even number of k steps per column) has positive
// parts summing to at most 128 and negative parts summing to at most 128.
func pairSafe(data []int8) bool {
	for i := 0; i+1 < len(data); i += 2 {
		b0, b1 := int(data[i]), int(data[i+1])
		if max(b0, 0)+max(b1, 0) > 128 || max(-b0, 0)+max(-b1, 0) > 128 {
			return false
		}
	}
	return true
}

// PairSafe reports whether the packed weights' neighbouring k pairs are
// small enough for the levels' faster 16-bit pair kernels (AVX2
// VPMADDUBSW) to be exact, and so used: 7-bit weights always are.
func (p *QPackedB) PairSafe() bool { return p.pairSafe }

// panel returns packed panel jp.
func (p *QPackedB) panel(jp int) []int8 {
	nr := p.impl.nr
	return p.data[jp*p.kpad*nr : (jp+1)*p.kpad*nr]
}

// packQA copies rows [i0, i0+rows) of A (row stride lda, k columns) into dst
// as consecutive MR-row tiles in the level's group layout: tile t, group g,
// row i, step q at t*MR*kpad + g*MR*G + i*G + q. Rows past the tile's end
// and steps past k are zero. flip (0 or 0x80) is XORed into every byte:
// 0x80 turns uint8 into int8 (a-128) or int8 into uint8 (a+128).
func packQA(q *QImpl, dst, a []byte, lda, i0, rows, k, kpad int, flip byte) {
	mr, g := q.mr, q.group
	tiles := (rows + mr - 1) / mr
	for t := 0; t < tiles; t++ {
		tile := dst[t*mr*kpad : (t+1)*mr*kpad]
		for i := 0; i < mr; i++ {
			r := t*mr + i
			if r >= rows {
				for gg := 0; gg < kpad/g; gg++ {
					clear(tile[gg*mr*g+i*g:][:g])
				}
				continue
			}
			src := a[(i0+r)*lda:][:k]
			packQARow(tile[i*g:], src, mr*g, g, k, kpad, flip)
		}
	}
}

// packQARow spreads one row over the groups of a tile (groups stride
// apart), a group (4 or 8 bytes) per load and store.
func packQARow(dst, src []byte, stride, g, k, kpad int, flip byte) {
	full := k / g
	f4 := uint32(flip) * 0x01010101
	switch g {
	case 4:
		for gg := 0; gg < full; gg++ {
			binary.LittleEndian.PutUint32(dst[gg*stride:], binary.LittleEndian.Uint32(src[gg*4:])^f4)
		}
	case 8:
		f8 := uint64(f4)<<32 | uint64(f4)
		for gg := 0; gg < full; gg++ {
			binary.LittleEndian.PutUint64(dst[gg*stride:], binary.LittleEndian.Uint64(src[gg*8:])^f8)
		}
	}
	if full*g < kpad {
		d := dst[full*stride:][:g]
		for q := range d {
			d[q] = 0
			if full*g+q < k {
				d[q] = src[full*g+q] ^ flip
			}
		}
	}
}

func unsafeBytes(p *byte, n int) []byte    { return unsafe.Slice(p, n) }
func unsafeInt8s(p *int8, n int) []int8    { return unsafe.Slice(p, n) }
func unsafeInt32s(p *int32, n int) []int32 { return unsafe.Slice(p, n) }
