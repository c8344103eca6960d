//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fence is an mmap'd region whose first and last pages are PROT_NONE: any
// access outside the usable pages between them faults and crashes the test.
type fence struct {
	mem    []byte
	usable []float32
}

func newFence(t *testing.T, floats int) *fence {
	t.Helper()
	page := unix.Getpagesize()
	data := (floats*4 + page - 1) / page * page
	mem, err := unix.Mmap(-1, 0, data+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range [][]byte{mem[:page], mem[page+data:]} {
		if err := unix.Mprotect(g, unix.PROT_NONE); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = unix.Munmap(mem) })
	u := mem[page : page+data]
	return &fence{mem: mem, usable: unsafe.Slice((*float32)(unsafe.Pointer(&u[0])), data/4)}
}

// place returns n floats that touch the leading guard page (atEnd false) or
// the trailing one (atEnd true).
func (f *fence) place(n int, atEnd bool) []float32 {
	if atEnd {
		return f.usable[len(f.usable)-n:]
	}
	return f.usable[:n:n]
}

// TestGuardPages runs GEMMs whose every buffer ends (or starts) exactly at
// an inaccessible page, so an out-of-bounds read or write by any level's
// kernel, packing or edge handling crashes the process instead of passing.
func TestGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(5, 5))
		shapes := [][3]int{
			{1, 1, 1}, {im.mr - 1, im.nr - 1, 3}, {im.mr + 1, im.nr + 1, kcFor(im) + 1},
			{2*im.mr + 1, 3*im.nr - 1, 2*kcFor(im) + 3}, {7, 33, 129}, {49, 40, 65},
		}
		for _, s := range shapes {
			m, n, k := max(s[0], 1), max(s[1], 1), max(s[2], 1)
			for _, atEnd := range []bool{false, true} {
				for _, bias := range []bool{false, true} {
					guardPageCase(t, im, r, m, n, k, atEnd, bias)
				}
			}
		}
	})
}

func guardPageCase(t *testing.T, im *Impl, r *rand.Rand, m, n, k int, atEnd, withBias bool) {
	lda, ldb, ldc := k+1, n+2, n+3
	sizeA, sizeB, sizeC := (m-1)*lda+k, (k-1)*ldb+n, (m-1)*ldc+n
	a := newFence(t, sizeA).place(sizeA, atEnd)
	b := newFence(t, sizeB).place(sizeB, atEnd)
	c := newFence(t, sizeC).place(sizeC, atEnd)
	for i := range a {
		a[i] = r.Float32() - 0.5
	}
	for i := range b {
		b[i] = r.Float32() - 0.5
	}
	for i := range c {
		c[i] = r.Float32() - 0.5
	}
	ep := Epilogue{Accumulate: true, ReLU: true}
	if withBias {
		ep.Bias = newFence(t, n).place(n, atEnd)
		for i := range ep.Bias {
			ep.Bias[i] = r.Float32()
		}
	}
	before := append([]float32(nil), c...)
	want, mag := refGemm(m, n, k, a, lda, b, ldb, before, ldc, ep)
	pb, err := im.PackB(k, n, b, ldb)
	if err != nil {
		t.Fatal(err)
	}
	if err := SgemmPacked(m, a, lda, pb, c, ldc, ep, nil); err != nil {
		t.Fatal(err)
	}
	checkResult(t, m, n, k, c, ldc, want, mag, before)
}
