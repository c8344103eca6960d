package im2col

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// direct is the definition: the value of A at (row, col) for channels
// [c0, c0+cn), or 0 in the padding.
func direct(src []float32, g *Geometry, c0, cn, row, col int) float32 {
	n := row / (g.OH * g.OW)
	oy := row % (g.OH * g.OW) / g.OW
	ox := row % g.OW
	tap, c := col/cn, col%cn
	kh, kw := tap/g.KW, tap%g.KW
	iy := oy*g.StrideH - g.PadT + kh*g.DilH
	ix := ox*g.StrideW - g.PadL + kw*g.DilW
	if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
		return 0
	}
	return src[((n*g.H+iy)*g.W+ix)*g.C+c0+c]
}

func randomGeometry(r *rand.Rand) (Geometry, int, int) {
	for {
		g := Geometry{
			N: 1 + r.IntN(3), H: 1 + r.IntN(9), W: 1 + r.IntN(9), C: 1 + r.IntN(9),
			KH: 1 + r.IntN(7), KW: 1 + r.IntN(7), StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3),
			PadT: r.IntN(4), PadL: r.IntN(4), DilH: 1 + r.IntN(2), DilW: 1 + r.IntN(2),
		}
		if g.Init(r.IntN(4), r.IntN(4)) != nil {
			continue
		}
		c0 := r.IntN(g.C)
		cn := 1 + r.IntN(g.C-c0)
		if r.IntN(2) == 0 {
			c0, cn = 0, g.C
		}
		return g, c0, cn
	}
}

// countingInput returns an input tensor for g holding 1, 2, 3, ...:
// distinct and nonzero, so a misplaced or missed element shows.
func countingInput(g *Geometry) []float32 {
	src := make([]float32, g.N*g.H*g.W*g.C)
	for i := range src {
		src[i] = float32(i + 1)
	}
	return src
}

// nans returns n NaNs: a buffer whose untouched elements stay recognisable.
func nans(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

// undilatedWidth sets g's width dilation to 1 and its output size afresh
// (random bottom and right padding), reporting whether the kernel fits.
func undilatedWidth(r *rand.Rand, g *Geometry) bool {
	g.DilW = 1
	g.OH, g.OW = 0, 0
	return g.Init(r.IntN(4), r.IntN(4)) == nil
}

// Every row range of random geometries equals the direct gather exactly,
// and nothing outside the rows (the row stride's gap, the guard bands) is
// touched.
func TestGroupRowsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := 3000
	if testing.Short() {
		cases = 500
	}
	for range cases {
		g, c0, cn := randomGeometry(r)
		src := countingInput(&g)
		k := g.KH * g.KW * cn
		row0 := r.IntN(g.M())
		rows := 1 + r.IntN(g.M()-row0)
		ldd := k + r.IntN(3)
		const guard = 8
		buf := nans(guard + (rows-1)*ldd + k + guard)
		dst := buf[guard : len(buf)-guard]
		if err := GroupRows(dst, ldd, src, &g, c0, cn, row0, rows); err != nil {
			t.Fatalf("%+v c0=%d cn=%d: %v", g, c0, cn, err)
		}
		for i, v := range buf {
			inRow := i >= guard && i < len(buf)-guard && (i-guard)%ldd < k
			if !inRow {
				if v == v {
					t.Fatalf("%+v: element %d outside the rows was written", g, i-guard)
				}
				continue
			}
			row, col := (i-guard)/ldd, (i-guard)%ldd
			if want := direct(src, &g, c0, cn, row0+row, col); v != want {
				t.Fatalf("%+v c0=%d cn=%d: A[%d][%d] = %v, want %v", g, c0, cn, row0+row, col, v, want)
			}
		}
	}
}

// Rows is GroupRows with all channels.
func TestRowsAllChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		g, _, _ := randomGeometry(r)
		src := make([]float32, g.N*g.H*g.W*g.C)
		for i := range src {
			src[i] = r.Float32()
		}
		a := make([]float32, g.M()*g.K())
		b := make([]float32, g.M()*g.K())
		if err := Rows(a, g.K(), src, &g, 0, g.M()); err != nil {
			t.Fatal(err)
		}
		if err := GroupRows(b, g.K(), src, &g, 0, g.C, 0, g.M()); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("%+v: Rows and GroupRows differ", g)
		}
	}
}

func TestInitOutputSize(t *testing.T) {
	cases := []struct {
		h, k, s, pt, pb, d, want int
	}{
		{224, 7, 2, 3, 3, 1, 112},
		{56, 3, 1, 1, 1, 1, 56},
		{56, 3, 2, 1, 1, 1, 28},
		{56, 1, 2, 0, 0, 1, 28},
		{7, 3, 2, 1, 1, 1, 4},
		{10, 3, 1, 0, 0, 2, 6},
		{5, 5, 1, 0, 0, 1, 1},
	}
	for _, c := range cases {
		g := Geometry{N: 1, H: c.h, W: c.h, C: 1, KH: c.k, KW: c.k, StrideH: c.s, StrideW: c.s, PadT: c.pt, PadL: c.pt, DilH: c.d, DilW: c.d}
		if err := g.Init(c.pb, c.pb); err != nil || g.OH != c.want || g.OW != c.want {
			t.Errorf("%+v: OH, OW = %d, %d (%v), want %d", c, g.OH, g.OW, err, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	ok := Geometry{N: 1, H: 4, W: 4, C: 2, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadT: 1, PadL: 1, DilH: 1, DilW: 1}
	if err := ok.Init(1, 1); err != nil {
		t.Fatal(err)
	}
	bad := func(name string, mod func(g *Geometry), padB int) {
		g := ok
		mod(&g)
		if err := g.Init(padB, 1); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: Init error = %v, want ErrGeometry", name, err)
		}
	}
	bad("zero stride", func(g *Geometry) { g.StrideH = 0 }, 1)
	bad("negative stride", func(g *Geometry) { g.StrideW = -2 }, 1)
	bad("zero dilation", func(g *Geometry) { g.DilW = 0 }, 1)
	bad("negative padding", func(g *Geometry) { g.PadT = -1 }, 1)
	bad("negative bottom padding", func(g *Geometry) {}, -1)
	bad("kernel larger than padded input", func(g *Geometry) { g.KH = 7 }, 1)
	bad("empty input", func(g *Geometry) { g.H = 0 }, 1)
	bad("zero kernel", func(g *Geometry) { g.KW = 0 }, 1)

	src := make([]float32, 4*4*2)
	dst := make([]float32, 16*18)
	calls := []struct {
		name       string
		dst, src   []float32
		ldd        int
		c0, cn     int
		row0, rows int
	}{
		{"short dst", dst[:len(dst)-1], src, 18, 0, 2, 0, 16},
		{"short src", dst, src[:31], 18, 0, 2, 0, 16},
		{"small ldd", dst, src, 17, 0, 2, 0, 16},
		{"rows past the end", dst, src, 18, 0, 2, 1, 16},
		{"negative row", dst, src, 18, 0, 2, -1, 2},
		{"channels past C", dst, src, 18, 1, 2, 0, 16},
		{"no channels", dst, src, 18, 0, 0, 0, 16},
	}
	for _, c := range calls {
		before := slices.Clone(c.dst)
		if err := GroupRows(c.dst, c.ldd, c.src, &ok, c.c0, c.cn, c.row0, c.rows); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: error = %v, want ErrGeometry", c.name, err)
		}
		if !slices.Equal(before, c.dst) {
			t.Errorf("%s: dst modified by a failing call", c.name)
		}
	}
	g := ok
	g.OH = 0
	if err := Rows(dst, 18, src, &g, 0, 1); !errors.Is(err, ErrGeometry) {
		t.Errorf("zero output: %v", err)
	}
	if err := Rows(dst, 18, src, &ok, 3, 0); err != nil {
		t.Errorf("empty range: %v", err)
	}
}

func FuzzGroupRows(f *testing.F) {
	f.Add(uint8(1), uint8(5), uint8(5), uint8(3), uint8(3), uint8(3), uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(0), uint8(3), uint8(0), uint8(25))
	f.Fuzz(func(t *testing.T, n, h, w, c, kh, kw, sh, sw, pt, pl, dh, dw, c0, cn, row0, rows uint8) {
		g := Geometry{N: int(n % 3), H: int(h % 12), W: int(w % 12), C: int(c % 6), KH: int(kh % 6), KW: int(kw % 6),
			StrideH: int(sh % 4), StrideW: int(sw % 4), PadT: int(pt % 5), PadL: int(pl % 5), DilH: int(dh % 3), DilW: int(dw % 3)}
		if g.Init(int(pt%3), int(pl%3)) != nil {
			return
		}
		src := countingInput(&g)
		k := g.KH * g.KW * max(int(cn), 1)
		dst := make([]float32, max(int(rows), 1)*k)
		if GroupRows(dst, k, src, &g, int(c0), int(cn), int(row0), int(rows)) != nil {
			return
		}
		for i, v := range dst[:int(rows)*k] {
			if want := direct(src, &g, int(c0), int(cn), int(row0)+i/k, i%k); v != want {
				t.Fatalf("A[%d][%d] = %v, want %v", int(row0)+i/k, i%k, v, want)
			}
		}
	})
}
