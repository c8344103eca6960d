package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// windowCase is a row of pooling windows: n windows of kh x kw pixels of c
// floats, s pixels apart, with gapW floats between pixels and gapH between
// rows that no window covers (they hold NaN and must never be read).
type windowCase struct {
	c, n, kh, kw, s, gapW, gapH int
}

func (wc windowCase) geom() Windows {
	ldw := wc.c + wc.gapW
	return Windows{C: wc.c, N: wc.n, Step: wc.s * ldw, KH: wc.kh, KW: wc.kw,
		LDW: ldw, LDH: ((wc.n-1)*wc.s+wc.kw)*ldw + wc.gapH}
}

func (wc windowCase) String() string {
	return fmt.Sprintf("c=%d/n=%d/k=%dx%d/s=%d/gap=%d,%d", wc.c, wc.n, wc.kh, wc.kw, wc.s, wc.gapW, wc.gapH)
}

// windowCases cover the channel blocks (32, 8 and masked or scalar tails of
// every length), ResNet's pools (3x3/2 on 64 channels, 2x2/2, the 7x7 global
// pool on 2048 channels, which the caller cuts into channel chunks) and
// enough windows to be cut into several calls.
func windowCases(short bool) []windowCase {
	var cs []windowCase
	for _, c := range []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65, 100} {
		cs = append(cs,
			windowCase{c: c, n: 3, kh: 3, kw: 3, s: 2},
			windowCase{c: c, n: 2, kh: 2, kw: 3, s: 1, gapW: 3, gapH: 5},
			windowCase{c: c, n: 1, kh: 1, kw: 1, s: 1},
		)
	}
	cs = append(cs,
		windowCase{c: 64, n: 56, kh: 3, kw: 3, s: 2},
		windowCase{c: 256, n: 5, kh: 2, kw: 2, s: 2, gapW: 1},
		windowCase{c: 2048, n: 1, kh: 7, kw: 7, s: 1},
		windowCase{c: 2051, n: 1, kh: 5, kw: 7, s: 1, gapH: 3},
		windowCase{c: 64, n: 130, kh: 3, kw: 3, s: 1},
		windowCase{c: 3, n: 4, kh: 1, kw: 49, s: 49},
		windowCase{c: 9, n: 0, kh: 3, kw: 3, s: 2},
	)
	if short {
		return cs
	}
	return append(cs, windowCase{c: 1024, n: 7, kh: 2, kw: 2, s: 2}, windowCase{c: 37, n: 200, kh: 3, kw: 4, s: 3, gapW: 2})
}

// fillWindows returns src (inside NaN guards) with every float the windows
// read set by val(index), the rest NaN.
func fillWindows(g Windows, val func(int) float32) (src, whole []float32) {
	src, whole = guarded(windowSpan(g.C, max(g.N, 1), g.Step, g.KH, g.KW, g.LDH, g.LDW))
	forWindow(g, func(o, ch, p int) { src[p] = val(p) })
	return src, whole
}

// forWindow calls f for every input of every window, in (o, ch, i, j)
// order, with its index in src.
func forWindow(g Windows, f func(o, ch, p int)) {
	for o := 0; o < g.N; o++ {
		for ch := 0; ch < g.C; ch++ {
			for i := 0; i < g.KH; i++ {
				for j := 0; j < g.KW; j++ {
					f(o, ch, o*g.Step+i*g.LDH+j*g.LDW+ch)
				}
			}
		}
	}
}

// refMax is PyTorch's max pool rule in float64: a NaN, once seen, stays.
func refMax(g Windows, src []float32) []float64 {
	out := make([]float64, g.N*g.C)
	for i := range out {
		out[i] = math.Inf(-1)
	}
	forWindow(g, func(o, ch, p int) {
		v := float64(src[p])
		if v > out[o*g.C+ch] || math.IsNaN(v) {
			out[o*g.C+ch] = v
		}
	})
	return out
}

// refAvg is the window sums in float64, divided by div, and the sums of
// magnitudes that bound the float32 rounding error.
func refAvg(g Windows, src []float32, div float32) (out, mag []float64) {
	out = make([]float64, g.N*g.C)
	mag = make([]float64, g.N*g.C)
	forWindow(g, func(o, ch, p int) {
		out[o*g.C+ch] += float64(src[p])
		mag[o*g.C+ch] += math.Abs(float64(src[p]))
	})
	for i := range out {
		out[i] /= float64(div)
		mag[i] /= math.Abs(float64(div))
	}
	return out, mag
}

// sameFloat reports whether got equals want, or both are NaN.
func sameFloat(got float32, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	return float64(got) == want
}

func TestMaxWindows(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(1, 7))
		for _, wc := range windowCases(testing.Short()) {
			for _, signFree := range []bool{false, true} {
				g := wc.geom()
				src, sw := fillWindows(g, func(int) float32 {
					if v := r.Float32()*2 - 1; !signFree || v > 0 {
						return v
					}
					return 0
				})
				dst, dw := guarded(g.N * g.C)
				if err := im.MaxWindows(dst, src, g); err != nil {
					t.Fatalf("%v: %v", wc, err)
				}
				want := refMax(g, src)
				for i, w := range want {
					if !sameFloat(dst[i], w) {
						t.Fatalf("%v signFree=%v: dst[%d] = %v, want %v", wc, signFree, i, dst[i], w)
					}
				}
				checkGuards(t, "src", sw)
				checkGuards(t, "dst", dw)
			}
		}
	})
}

// TestMaxWindowsSpecial puts one special value at every position of a
// window, in channels of the vector blocks and of the tail: a NaN (either
// sign, quiet or signalling) must come out as NaN, and infinities as the
// maximum, whatever the other values and their signs.
func TestMaxWindowsSpecial(t *testing.T) {
	specials := []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0x7f800000, 0xff800000}
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(2, 7))
		for _, c := range []int{1, 3, 8, 13, 40, 45} {
			for _, signFree := range []bool{false, true} {
				wc := windowCase{c: c, n: 3, kh: 3, kw: 3, s: 2}
				g := wc.geom()
				base, _ := fillWindows(g, func(int) float32 {
					if signFree {
						return r.Float32()
					}
					return r.Float32()*2 - 1
				})
				for _, sp := range specials {
					for pos := 0; pos < 9; pos++ {
						ch := r.IntN(c)
						if pos%2 == 0 {
							ch = c - 1 - r.IntN(min(c, 7))
						}
						src, sw := guarded(len(base))
						copy(src, base)
						src[g.Step+(pos/3)*g.LDH+(pos%3)*g.LDW+ch] = math.Float32frombits(sp)
						dst, dw := guarded(g.N * g.C)
						if err := im.MaxWindows(dst, src, g); err != nil {
							t.Fatal(err)
						}
						want := refMax(g, src)
						for i, w := range want {
							if !sameFloat(dst[i], w) {
								t.Fatalf("c=%d special %#x at pixel %d channel %d: dst[%d] = %v, want %v", c, sp, pos, ch, i, dst[i], w)
							}
						}
						checkGuards(t, "src", sw)
						checkGuards(t, "dst", dw)
					}
				}
			}
		}
	})
}

func TestAvgWindows(t *testing.T) {
	gen := Generic()
	forEachImpl(t, func(t *testing.T, im *Impl) {
		r := rand.New(rand.NewPCG(3, 7))
		for _, wc := range windowCases(testing.Short()) {
			g := wc.geom()
			src, sw := fillWindows(g, func(int) float32 { return r.Float32()*2 - 1 })
			div := float32(g.KH*g.KW) + float32(r.IntN(3))
			dst, dw := guarded(g.N * g.C)
			if err := im.AvgWindows(dst, src, g, div); err != nil {
				t.Fatalf("%v: %v", wc, err)
			}
			want, mag := refAvg(g, src, div)
			tol := float64(g.KH*g.KW+2) * 0x1p-24
			for i, w := range want {
				if !(math.Abs(float64(dst[i])-w) <= tol*mag[i]) {
					t.Fatalf("%v: dst[%d] = %v, want %v", wc, i, dst[i], w)
				}
			}
			// Every level sums in the same order: the same bits.
			ref := make([]float32, g.N*g.C)
			if err := gen.AvgWindows(ref, src, g, div); err != nil {
				t.Fatal(err)
			}
			for i := range ref {
				if math.Float32bits(dst[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%v: dst[%d] = %v, generic level %v", wc, i, dst[i], ref[i])
				}
			}
			checkGuards(t, "src", sw)
			checkGuards(t, "dst", dw)
		}
	})
}

// TestAvgWindowsSpecial: NaN and infinities propagate through the sums, in
// every channel block.
func TestAvgWindowsSpecial(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im *Impl) {
		for _, c := range []int{1, 5, 8, 11, 32, 43} {
			g := windowCase{c: c, n: 2, kh: 2, kw: 2, s: 2}.geom()
			src, _ := fillWindows(g, func(p int) float32 { return float32(p%7) - 3 })
			last := c - 1
			src[last] = float32(math.NaN())
			src[g.Step+g.LDW] = float32(math.Inf(1))
			dst := make([]float32, g.N*g.C)
			if err := im.AvgWindows(dst, src, g, 4); err != nil {
				t.Fatal(err)
			}
			want, _ := refAvg(g, src, 4)
			for i, w := range want {
				if !sameFloat(dst[i], w) {
					t.Fatalf("c=%d: dst[%d] = %v, want %v", c, i, dst[i], w)
				}
			}
		}
	})
}

func TestWindowsBadArguments(t *testing.T) {
	ok := Windows{C: 4, N: 2, Step: 8, KH: 2, KW: 2, LDH: 16, LDW: 4}
	src := make([]float32, 8+16+4+4)
	dst := make([]float32, 8)
	bad := map[string]func(g *Windows) ([]float32, []float32){
		"c=0":         func(g *Windows) ([]float32, []float32) { g.C = 0; return dst, src },
		"n<0":         func(g *Windows) ([]float32, []float32) { g.N = -1; return dst, src },
		"kh=0":        func(g *Windows) ([]float32, []float32) { g.KH = 0; return dst, src },
		"kw=0":        func(g *Windows) ([]float32, []float32) { g.KW = 0; return dst, src },
		"step<0":      func(g *Windows) ([]float32, []float32) { g.Step = -1; return dst, src },
		"ldh<0":       func(g *Windows) ([]float32, []float32) { g.LDH = -4; return dst, src },
		"short src":   func(g *Windows) ([]float32, []float32) { return dst, src[:len(src)-1] },
		"short dst":   func(g *Windows) ([]float32, []float32) { return dst[:7], src },
		"huge stride": func(g *Windows) ([]float32, []float32) { g.LDH = math.MaxInt / 2; return dst, src },
		"huge n":      func(g *Windows) ([]float32, []float32) { g.N = math.MaxInt / 3; return dst, src },
	}
	for _, im := range []*Impl{Active(), Generic()} {
		for name, f := range bad {
			g := ok
			for i := range dst {
				dst[i] = 7
			}
			d, s := f(&g)
			for _, err := range []error{im.MaxWindows(d, s, g), im.AvgWindows(d, s, g, 1)} {
				if !errors.Is(err, ErrShape) {
					t.Errorf("%s %s: got %v, want ErrShape", im.Name(), name, err)
				}
			}
			for i := range dst {
				if dst[i] != 7 {
					t.Fatalf("%s: dst was written", name)
				}
			}
		}
		if err := im.MaxWindows(dst, src, ok); err != nil {
			t.Fatalf("valid windows: %v", err)
		}
	}
}
