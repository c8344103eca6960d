//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// placeBytes returns n bytes of a fresh fence that touch its leading guard
// page (atEnd false) or its trailing one (atEnd true).
func placeBytes(t *testing.T, n int, atEnd bool) []byte {
	t.Helper()
	f := newFence(t, (n+3)/4)
	u := unsafe.Slice((*byte)(unsafe.Pointer(&f.usable[0])), 4*len(f.usable))
	if atEnd {
		return u[len(u)-n:]
	}
	return u[:n:n]
}

// TestQGemmGuardPages runs 8-bit GEMMs whose A, Bᵀ, C, bias, scale and
// residual each start or end at an inaccessible page, with k not a multiple
// of the group and odd strides: any read or write outside them crashes.
func TestQGemmGuardPages(t *testing.T) {
	forEachQImpl(t, func(t *testing.T, q *QImpl) {
		r := rand.New(rand.NewPCG(14, 7))
		g := q.Group()
		shapes := [][3]int{{1, 1, 1}, {q.MR() - 1, q.NR() - 1, g - 1}, {q.MR() + 1, q.NR() + 1, g + 1},
			{2*q.MR() + 1, 3*q.NR() - 1, 7*g + 3}, {49, 40, 65}, {2 * q.MR(), 2 * q.NR(), 4 * g}, {3*q.MR() + 1, q.NR(), 16 * g}}
		for _, s := range shapes {
			m, n, k := max(s[0], 1), max(s[1], 1), max(s[2], 1)
			for _, atEnd := range []bool{false, true} {
				qGuardCase(t, q, r, m, n, k, atEnd)
			}
		}
	})
}

func qGuardCase(t *testing.T, q *QImpl, r *rand.Rand, m, n, k int, atEnd bool) {
	c := newQCase(r, m, n, k, m%2 == 1)
	c.ldc = n + 1
	c.ep.ReLU = true
	pa := placeBytes(t, len(c.a), atEnd)
	for i, v := range c.a {
		pa[i] = byte(v)
	}
	pbt := placeBytes(t, len(c.bt), atEnd)
	for i, v := range c.bt {
		pbt[i] = byte(v)
	}
	bt := unsafe.Slice((*int8)(unsafe.Pointer(&pbt[0])), len(pbt))
	pb, err := q.PackQBTransposed(k, n, bt, k)
	if err != nil {
		t.Fatal(err)
	}
	size := (m-1)*c.ldc + n
	res := &QResidual{U8: placeBytes(t, size, atEnd), Ld: c.ldc, Zero: 3, Scale: 0.25}
	c.res = make([]int64, size)
	for i := range res.U8 {
		res.U8[i] = uint8(r.IntN(256))
		c.res[i] = int64(res.U8[i])
	}
	c.ep.Residual = res
	scale := unsafe.Slice((*float32)(unsafe.Pointer(&placeBytes(t, 4*n, atEnd)[0])), n)
	copy(scale, c.ep.Scale)
	c.ep.Scale = scale
	bias := unsafe.Slice((*int32)(unsafe.Pointer(&placeBytes(t, 4*n, atEnd)[0])), n)
	copy(bias, c.ep.Bias)
	c.ep.Bias = bias
	out := placeBytes(t, size, atEnd)
	var err2 error
	if c.aSigned {
		a := unsafe.Slice((*int8)(unsafe.Pointer(&pa[0])), len(pa))
		err2 = QGemm(m, a, c.lda, pb, out, c.ldc, c.ep, nil)
	} else {
		err2 = QGemm(m, pa, c.lda, pb, out, c.ldc, c.ep, nil)
	}
	if err2 != nil {
		t.Fatal(err2)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if w := refQuant(c.refReal(i, j), c.ep.OutZero, 0, 255); int64(out[i*c.ldc+j]) != w {
				t.Fatalf("%v: C[%d][%d] = %d, want %d", c, i, j, out[i*c.ldc+j], w)
			}
		}
	}
}
