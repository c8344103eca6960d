package im2col

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// StackedRows equals the direct gather with its columns in (kw, kh, c)
// order, exactly, and writes nothing outside its rows.
func TestStackedRowsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := 2000
	if testing.Short() {
		cases = 400
	}
	for range cases {
		g, _, _ := randomGeometry(r)
		if r.IntN(4) == 0 {
			g.C = 16 + r.IntN(10) // groups moved with copy
		}
		if r.IntN(3) > 0 && !undilatedWidth(r, &g) {
			continue
		}
		src := countingInput(&g)
		k := g.K()
		row0 := r.IntN(g.M())
		rows := 1 + r.IntN(g.M()-row0)
		ldd := k + r.IntN(3)
		dst := nans((rows-1)*ldd + k)
		scratch := make([]float32, g.StackedScratch())
		err := StackedRows(dst, ldd, src, &g, row0, rows, scratch)
		if g.DilW != 1 {
			if !errors.Is(err, ErrGeometry) {
				t.Fatalf("%+v: dilated width: error %v, want ErrGeometry", g, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", g, err)
		}
		for i, v := range dst {
			row, col := i/ldd, i%ldd
			if col >= k {
				if v == v {
					t.Fatalf("%+v: gap element %d written", g, i)
				}
				continue
			}
			kw, rest := col/(g.KH*g.C), col%(g.KH*g.C)
			kh, c := rest/g.C, rest%g.C
			want := direct(src, &g, 0, g.C, row0+row, (kh*g.KW+kw)*g.C+c)
			if v != want {
				t.Fatalf("%+v: A[%d][kw %d kh %d c %d] = %v, want %v", g, row0+row, kw, kh, c, v, want)
			}
		}
	}
}

func TestStackedRowsErrors(t *testing.T) {
	g := Geometry{N: 1, H: 8, W: 8, C: 3, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadT: 1, PadL: 1, DilH: 1, DilW: 1}
	if err := g.Init(1, 1); err != nil {
		t.Fatal(err)
	}
	src := make([]float32, 8*8*3)
	dst := make([]float32, 64*27)
	sc := make([]float32, g.StackedScratch())
	if err := StackedRows(dst, 27, src, &g, 0, 64, sc[:len(sc)-1]); !errors.Is(err, ErrGeometry) {
		t.Errorf("short scratch: %v", err)
	}
	if err := StackedRows(dst[:len(dst)-1], 27, src, &g, 0, 64, sc); !errors.Is(err, ErrGeometry) {
		t.Errorf("short dst: %v", err)
	}
	if err := StackedRows(dst, 27, src[:5], &g, 0, 64, sc); !errors.Is(err, ErrGeometry) {
		t.Errorf("short src: %v", err)
	}
	if err := StackedRows(dst, 26, src, &g, 0, 64, sc); !errors.Is(err, ErrGeometry) {
		t.Errorf("small ldd: %v", err)
	}
	if err := StackedRows(dst, 27, src, &g, 60, 5, sc); !errors.Is(err, ErrGeometry) {
		t.Errorf("rows past the end: %v", err)
	}
}

// StackedRow's overlapping rows, read with the stride it returns, equal the
// direct gather exactly for every output pixel of the row, and it writes
// nothing past its scratch.
func TestStackedRowExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cases := 1000
	if testing.Short() {
		cases = 200
	}
	for range cases {
		g, _, _ := randomGeometry(r)
		if !undilatedWidth(r, &g) {
			continue
		}
		src := countingInput(&g)
		k := g.K()
		whole := nans(g.StackedScratch() + 16)
		scratch := whole[:g.StackedScratch()]
		n, oy := r.IntN(g.N), r.IntN(g.OH)
		lda, err := StackedRow(scratch, src, &g, n, oy)
		if err != nil {
			t.Fatalf("%+v: %v", g, err)
		}
		if lda != g.StrideW*g.KH*g.C {
			t.Fatalf("%+v: lda = %d, want %d", g, lda, g.StrideW*g.KH*g.C)
		}
		for i, v := range whole[len(scratch):] {
			if v == v {
				t.Fatalf("%+v: element %d past the scratch written", g, i)
			}
		}
		for ox := 0; ox < g.OW; ox++ {
			row := (n*g.OH+oy)*g.OW + ox
			for col := 0; col < k; col++ {
				kw, rest := col/(g.KH*g.C), col%(g.KH*g.C)
				kh, c := rest/g.C, rest%g.C
				want := direct(src, &g, 0, g.C, row, (kh*g.KW+kw)*g.C+c)
				if got := scratch[ox*lda+col]; got != want {
					t.Fatalf("%+v: pixel (%d, %d, %d) kw %d kh %d c %d = %v, want %v", g, n, oy, ox, kw, kh, c, got, want)
				}
			}
		}
	}
}

func TestStackedRowErrors(t *testing.T) {
	g := Geometry{N: 2, H: 8, W: 8, C: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, DilH: 1, DilW: 1}
	if err := g.Init(1, 1); err != nil {
		t.Fatal(err)
	}
	src := make([]float32, 2*8*8*3)
	sc := make([]float32, g.StackedScratch())
	for name, f := range map[string]func() (int, error){
		"short scratch":  func() (int, error) { return StackedRow(sc[:len(sc)-1], src, &g, 0, 0) },
		"short src":      func() (int, error) { return StackedRow(sc, src[:len(src)-1], &g, 0, 0) },
		"image past end": func() (int, error) { return StackedRow(sc, src, &g, 2, 0) },
		"negative image": func() (int, error) { return StackedRow(sc, src, &g, -1, 0) },
		"row past end":   func() (int, error) { return StackedRow(sc, src, &g, 0, g.OH) },
		"negative row":   func() (int, error) { return StackedRow(sc, src, &g, 1, -1) },
		"dilated width": func() (int, error) {
			d := g
			d.DilW = 2
			return StackedRow(sc, src, &d, 0, 0)
		},
	} {
		if _, err := f(); !errors.Is(err, ErrGeometry) {
			t.Errorf("%s: %v, want ErrGeometry", name, err)
		}
	}
}
