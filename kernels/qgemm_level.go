package kernels

import (
	"fmt"
	"unsafe"
)

// qKernel computes one MR x NR tile of int32 sums from a packed A tile and a
// packed B panel, both cut into kg groups of G k steps (the level's group):
//
//	for i < MR, j < NR: c[i*NR+j] = sum_{g<kg, q<G} A(a, g, i, q) * B(b, g, j, q)
//
// where A(a, g, i, q) = a[g*MR*G + i*G + q], read as uint8 or int8 (the
// level's aSigned), and B(b, g, j, q) = b[g*NR*G + j*G + q] as int8. kg >= 1;
// sums are exact (see QMaxK). Every element is the same exact integer
// whatever the level, so the levels agree bit for bit.
type qKernel func(a *byte, b *int8, kg int, c *int32)

// qDirectKernel is a qKernel that reads A in place: row i of the tile at
// a[i*lda:], group g at a[i*lda+g*G:], kg*G bytes per row (k a multiple of
// the group, A in the level's signedness, all MR rows present).
type qDirectKernel func(a *byte, lda int, b *int8, kg int, c *int32)

// qRequant stores rows x 8 sums as uint8 or int8: see
// amd64.QRequantAVX2 for the contract (flags bit 0 ReLU, bit 1 int8 C,
// bit 2 residual, bit 3 int8 residual).
type qRequant func(acc *int32, accStride int, corr *int32, scale *float32, rows int, dst *byte, ldc int, zero int, flags int,
	res *byte, resLd int, resZero int, resScale float32)

// QImpl is one implementation level of the 8-bit GEMM: a kernel, its tile,
// the k group its packed layouts use and the signedness of A it multiplies
// natively (the other one is converted while A is packed, with the zero
// point moved by 128). Each level belongs to an fp32 level (see [QFor]).
type QImpl struct {
	name      string
	fp32      string // the fp32 level this one pairs with
	requires  string
	available bool
	mr, nr    int
	group     int  // k steps per packed group: 4 (dot products) or 8 (SMMLA)
	aSigned   bool // A is multiplied as int8 (else uint8)
	kernel    qKernel
	direct    qDirectKernel // optional: kernel reading A in place
	// directFlip, optional, is direct with every A byte XORed with 0x80
	// as it is read: A of the other signedness (zero point moved by 128).
	directFlip qDirectKernel
	requant    qRequant // optional: vector requantization for 8-bit C
	// pairs and pairsDirect, when set, replace kernel and direct for a B
	// whose k pairs cannot saturate 16-bit pair sums (QPackedB.pairSafe).
	pairs           qKernel
	pairsDirect     qDirectKernel
	pairsDirectFlip qDirectKernel
	broken          bool // the CPU has the features but the self-test failed
}

// Name is the level's short name, e.g. "avx2" or "neon-sdot".
func (q *QImpl) Name() string { return q.name }

// FP32 is the name of the fp32 level ([Impl.Name]) this level belongs to.
func (q *QImpl) FP32() string { return q.fp32 }

// Available reports whether this CPU runs the level (and, for assembly
// levels, whether it passed its start-up self-test).
func (q *QImpl) Available() bool { return q.available }

// Requires names the CPU features the level needs.
func (q *QImpl) Requires() string { return q.requires }

// MR is the number of rows of C one kernel call computes.
func (q *QImpl) MR() int { return q.mr }

// NR is the number of columns of C one kernel call computes.
func (q *QImpl) NR() int { return q.nr }

// Group is the number of k steps packed together (4 or 8).
func (q *QImpl) Group() int { return q.group }

// String returns the name and tile shape, e.g. "avx2 (4x16, k4)".
func (q *QImpl) String() string {
	return fmt.Sprintf("%s (%dx%d, k%d)", q.name, q.mr, q.nr, q.group)
}

// qGeneric is the portable level: exact integer loops in Go.
var qGeneric = &QImpl{
	name: "generic", fp32: "generic", requires: "none", available: true,
	mr: 4, nr: 8, group: 4, kernel: qGenericKernel,
}

// qRegistry lists the 8-bit levels compiled in, best first, generic last;
// qTable groups them by fp32 level name, best first.
var (
	qRegistry = []*QImpl{qGeneric}
	qTable    = map[string][]*QImpl{"generic": {qGeneric}}
)

// qRegister adds an architecture level ahead of those already listed; the
// dispatch files call it from init, best level last. An available level
// must pass its self-test against the generic level first.
func qRegister(q *QImpl) {
	if q.available && !qSelfTest(q) {
		q.available, q.broken = false, true
		q.requires += " (failed its self-test on this CPU)"
	}
	qRegistry = append([]*QImpl{q}, qRegistry...)
	qTable[q.fp32] = append([]*QImpl{q}, qTable[q.fp32]...)
}

// QImpls returns every 8-bit level compiled in, best first, including those
// this CPU cannot run.
func QImpls() []*QImpl { return append([]*QImpl(nil), qRegistry...) }

// QActive returns the best 8-bit level this CPU runs.
func QActive() *QImpl {
	for _, q := range qRegistry {
		if q.available {
			return q
		}
	}
	return qGeneric
}

// QGeneric returns the portable 8-bit level.
func QGeneric() *QImpl { return qGeneric }

// QFor returns the best available 8-bit level that belongs to the fp32
// level im (say avx2 for avx2, neon-i8mm for neon), or the generic one.
func QFor(im *Impl) *QImpl {
	if im != nil {
		for _, q := range qTable[im.Name()] {
			if q.available {
				return q
			}
		}
	}
	return qGeneric
}

// QLookup returns the 8-bit level with the given name, or an error if it is
// not compiled in or this CPU cannot run it.
func QLookup(name string) (*QImpl, error) {
	for _, q := range qRegistry {
		if q.name == name {
			if !q.available {
				return nil, fmt.Errorf("kernels: int8 level %q needs %s, which this CPU lacks", name, q.requires)
			}
			return q, nil
		}
	}
	return nil, fmt.Errorf("kernels: no int8 level %q in this build", name)
}

// qGenericKernel is the reference kernel: A as uint8.
func qGenericKernel(a *byte, b *int8, kg int, c *int32) {
	const mr, nr, g = 4, 8, 4
	as := unsafeBytes(a, kg*mr*g)
	bs := unsafeInt8s(b, kg*nr*g)
	cs := unsafeInt32s(c, mr*nr)
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			var s int32
			for p := 0; p < kg; p++ {
				ap := as[p*mr*g+i*g:][:g]
				bp := bs[p*nr*g+j*g:][:g]
				s += int32(ap[0])*int32(bp[0]) + int32(ap[1])*int32(bp[1]) +
					int32(ap[2])*int32(bp[2]) + int32(ap[3])*int32(bp[3])
			}
			cs[i*nr+j] = s
		}
	}
}

// qSelfTest runs GEMMs with edge shapes on q and on the generic level and
// reports whether they agree: k not a multiple of the group (A packed) and
// a multiple (A read in place where the level can), uint8 and int8 A,
// full-range and pair-safe weights (the levels' second kernels).
func qSelfTest(q *QImpl) bool {
	for _, k := range []int{3*q.group + 1, 4 * q.group} {
		for _, signed := range []bool{false, true} {
			for _, small := range []bool{false, true} {
				if !qSelfTestCase(q, 2*q.mr+1, 2*q.nr+3, k, signed, small) {
					return false
				}
			}
		}
	}
	return true
}

func qSelfTestCase(q *QImpl, m, n, k int, signed, small bool) bool {
	a := make([]uint8, m*k)
	bt := make([]int8, n*k)
	for i := range a {
		a[i] = uint8(i*37 + 11)
	}
	for i := range bt {
		bt[i] = int8(i*53 - 7)
		if small {
			bt[i] >>= 1
		}
	}
	a[0], a[1], bt[0] = 255, 255, -128
	if !small {
		bt[1] = -128
	}
	got, want := make([]int32, m*n), make([]int32, m*n)
	for _, im := range []*QImpl{q, qGeneric} {
		pb, err := im.PackQBTransposed(k, n, bt, k)
		if err != nil {
			return false
		}
		c := got
		if im == qGeneric {
			c = want
		}
		if signed {
			as := unsafeInt8s((*int8)(unsafe.Pointer(&a[0])), len(a))
			err = QGemm(m, as, k, pb, c, n, QEpilogue{AZero: -3}, nil)
		} else {
			err = QGemm(m, a, k, pb, c, n, QEpilogue{AZero: 3}, nil)
		}
		if err != nil {
			return false
		}
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
