package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The transform matrices, written out as in the package comment.
var (
	refBT4 = [][]float64{
		{4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
		{0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1},
	}
	refAT4 = [][]float64{{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}
	refBT2 = [][]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	refAT2 = [][]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
	refBT3 = [][]float64{{2, -1, -2, 1, 0}, {0, -2, -1, 1, 0}, {0, 2, -3, 1, 0}, {0, -1, 0, 1, 0}, {0, 2, -1, -2, 1}}
	refAT3 = [][]float64{{1, 1, 1, 1, 0}, {0, 1, -1, 2, 0}, {0, 1, 1, 4, 1}}
	// F(2x2, 3x3) at stride 2.
	refBTS2 = [][]float64{{1, 0, -1, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, -1, 0, 1}, {0, 1, 0, 0, 0}, {0, 0, 0, 1, 0}}
	refATS2 = [][]float64{{1, 1, 0, 1, 0}, {0, 1, 1, 0, 1}}
	// The index of position (i, j) at stride 2, as the package comment
	// lists them.
	refPosS2 = [5][5]int{
		{0, 1, 2, 9, 10}, {3, 4, 5, 11, 12}, {6, 7, 8, 13, 14},
		{15, 17, 19, 21, 22}, {16, 18, 20, 23, 24},
	}
)

// The variants under test.
var testVariants = []winoVariant{winoF2, winoF4, winoF2S2, winoF3}

func (v winoVariant) String() string { return [...]string{"F2", "F4", "F2S2", "F3"}[v] }

// refBT returns Bᵀ (t x t) and refAT Aᵀ (m x t) for variant v.
func refBT(v winoVariant) [][]float64 {
	return [...][][]float64{refBT2, refBT4, refBTS2, refBT3}[v]
}

func refAT(v winoVariant) [][]float64 {
	return [...][][]float64{refAT2, refAT4, refATS2, refAT3}[v]
}

// refPos returns the index of position (i, j) of variant v's tile.
func refPos(v winoVariant, i, j int) int {
	if v == winoF2S2 {
		return refPosS2[i][j]
	}
	_, t := v.sizes()
	return i*t + j
}

// input and output call the exported transform of variant v.
func (v winoVariant) input(im *Impl, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) error {
	if v == winoF2S2 {
		return im.WinogradInputStride2(dst, dstStride, src, rowStride, colStride, n)
	}
	m, _ := v.sizes()
	return im.WinogradInput(m, dst, dstStride, src, rowStride, colStride, n)
}

func (v winoVariant) output(im *Impl, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, ep Epilogue) error {
	if v == winoF2S2 {
		return im.WinogradOutputStride2(dst, rowStride, colStride, src, srcStride, n, ep)
	}
	m, _ := v.sizes()
	return im.WinogradOutput(m, dst, rowStride, colStride, src, srcStride, n, ep)
}

func TestWinogradStride2Position(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			q := WinogradStride2Position(i, j)
			if q != refPosS2[i][j] {
				t.Errorf("WinogradStride2Position(%d, %d) = %d, want %d", i, j, q, refPosS2[i][j])
			}
			seen[q] = true
		}
	}
	if len(seen) != 25 {
		t.Errorf("%d distinct positions, want 25", len(seen))
	}
}

// winoStrides is one layout of a tile in memory.
type winoStrides struct{ n, row, col, vec int }

func (s winoStrides) String() string {
	return fmt.Sprintf("n=%d/row=%d/col=%d/vec=%d", s.n, s.row, s.col, s.vec)
}

// winoLayouts are lane counts around the vector width and the assembly
// call size, with packed and padded strides (the gaps hold NaN).
func winoLayouts(t int) []winoStrides {
	var ls []winoStrides
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64, 65, 100} {
		ls = append(ls, winoStrides{n, t * n, n, n}, winoStrides{n, t*(n+3) + 5, n + 3, n + 2})
	}
	return ls
}

// filled returns a guarded buffer of size floats, NaN except the n-float
// vectors at i*s1 + j*s2 (i < n1, j < n2), which hold random values.
func filled(r *rand.Rand, size, n, n1, s1, n2, s2 int) (buf, whole []float32) {
	buf, whole = guarded(size)
	for i := 0; i < n1; i++ {
		for j := 0; j < n2; j++ {
			for c := 0; c < n; c++ {
				buf[i*s1+j*s2+c] = r.Float32()*2 - 1
			}
		}
	}
	return buf, whole
}

func TestWinogradInput(t *testing.T) {
	others := map[string][][]float32{} // the other levels' results, by case
	forEachImpl(t, func(t *testing.T, im *Impl) {
		for _, v := range testVariants {
			_, tt := v.sizes()
			bt := refBT(v)
			for _, l := range winoLayouts(tt) {
				r := rand.New(rand.NewPCG(uint64(v), uint64(l.n*l.row)))
				src, srcWhole := filled(r, (tt-1)*(l.row+l.col)+l.n, l.n, tt, l.row, tt, l.col)
				dst, dstWhole := guarded((tt*tt-1)*l.vec + l.n)
				if err := v.input(im, dst, l.vec, src, l.row, l.col, l.n); err != nil {
					t.Fatalf("%v %v: %v", v, l, err)
				}
				checkGuards(t, "src", srcWhole)
				checkGuards(t, "dst", dstWhole)
				for p := 0; p < tt*tt; p++ {
					i, j := p/tt, p%tt
					q := refPos(v, i, j)
					for c := 0; c < l.n; c++ {
						var want, mag float64
						for a := 0; a < tt; a++ {
							for b := 0; b < tt; b++ {
								term := bt[i][a] * float64(src[a*l.row+b*l.col+c]) * bt[j][b]
								want += term
								mag += math.Abs(term)
							}
						}
						if got := float64(dst[q*l.vec+c]); !(math.Abs(got-want) <= 1e-6*mag) {
							t.Fatalf("%v %v: V[%d][%d] lane %d = %v, want %v", v, l, i, j, c, got, want)
						}
					}
				}
				checkGaps(t, dst, tt*tt, l.vec, 1, 0, l.n)
				sameAsGeneric(t, im, fmt.Sprintf("%v %v", v, l), dst, others)
			}
		}
	})
}

func TestWinogradOutput(t *testing.T) {
	others := map[string][][]float32{}
	forEachImpl(t, func(t *testing.T, im *Impl) {
		for _, v := range testVariants {
			m, tt := v.sizes()
			at := refAT(v)
			for _, l := range winoLayouts(tt) {
				for _, fl := range []struct{ bias, acc, relu bool }{
					{false, false, false}, {true, false, false}, {false, true, false}, {false, false, true},
					{true, true, false}, {true, false, true}, {false, true, true}, {true, true, true},
				} {
					r := rand.New(rand.NewPCG(uint64(v), uint64(l.n*l.row)))
					src, srcWhole := filled(r, (tt*tt-1)*l.vec+l.n, l.n, tt*tt, l.vec, 1, 0)
					row, col := l.row*m/tt, l.col // the output tile is m x m
					dst, dstWhole := filled(r, (m-1)*(row+col)+l.n, l.n, m, row, m, col)
					old := append([]float32(nil), dst...)
					ep := Epilogue{Accumulate: fl.acc, ReLU: fl.relu}
					if fl.bias {
						ep.Bias = make([]float32, l.n)
						for c := range ep.Bias {
							ep.Bias[c] = r.Float32()*2 - 1
						}
					}
					name := fmt.Sprintf("%v %v bias=%v acc=%v relu=%v", v, l, fl.bias, fl.acc, fl.relu)
					if err := v.output(im, dst, row, col, src, l.vec, l.n, ep); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					checkGuards(t, "src", srcWhole)
					checkGuards(t, "dst", dstWhole)
					for y := 0; y < m; y++ {
						for x := 0; x < m; x++ {
							for c := 0; c < l.n; c++ {
								var want, mag float64
								for i := 0; i < tt; i++ {
									for j := 0; j < tt; j++ {
										term := at[y][i] * float64(src[refPos(v, i, j)*l.vec+c]) * at[x][j]
										want += term
										mag += math.Abs(term)
									}
								}
								k := y*row + x*col + c
								if fl.bias {
									want += float64(ep.Bias[c])
									mag += math.Abs(float64(ep.Bias[c]))
								}
								if fl.acc {
									want += float64(old[k])
									mag += math.Abs(float64(old[k]))
								}
								if fl.relu && !(want > 0) {
									want = 0
								}
								if got := float64(dst[k]); !(math.Abs(got-want) <= 1e-6*mag) {
									t.Fatalf("%s: Y[%d][%d] lane %d = %v, want %v", name, y, x, c, got, want)
								}
							}
						}
					}
					checkGaps(t, dst, m, row, m, col, l.n)
					sameAsGeneric(t, im, name, dst, others)
				}
			}
		}
	})
}

// checkGaps fails if anything outside the n-float vectors at i*s1 + j*s2
// (i < n1, j < n2) is not NaN: nothing else may be written.
func checkGaps(t *testing.T, buf []float32, n1, s1, n2, s2, n int) {
	t.Helper()
	in := make([]bool, len(buf))
	for i := 0; i < n1; i++ {
		for j := 0; j < n2; j++ {
			for c := 0; c < n; c++ {
				in[i*s1+j*s2+c] = true
			}
		}
	}
	for k, v := range buf {
		if !in[k] && v == v {
			t.Fatalf("element %d between the vectors was written: %v", k, v)
		}
	}
}

// sameAsGeneric checks that every level gives the generic level's bits:
// forEachImpl runs the generic level last, so the other levels' results
// wait in others, by case name.
func sameAsGeneric(t *testing.T, im *Impl, name string, got []float32, others map[string][][]float32) {
	t.Helper()
	if im != Generic() {
		others[name] = append(others[name], append([]float32(nil), got...))
		return
	}
	for _, want := range others[name] {
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%s: element %d: generic %v, another level %v", name, i, got[i], want[i])
			}
		}
	}
}

func TestWinogradBadArguments(t *testing.T) {
	im := Active()
	buf := make([]float32, 1000)
	for name, err := range map[string]error{
		"m=5":              im.WinogradInput(5, buf, 8, buf, 40, 8, 8),
		"negative n":       im.WinogradInput(4, buf, 8, buf, 48, 8, -1),
		"negative stride":  im.WinogradInput(4, buf, -8, buf, 48, 8, 8),
		"short src":        im.WinogradInput(4, buf, 8, buf[:6*48-1], 48, 8, 8),
		"short dst":        im.WinogradInput(4, buf[:35*8+7], 8, buf, 48, 8, 8),
		"out m=1":          im.WinogradOutput(1, buf, 32, 8, buf, 8, 8, Epilogue{}),
		"out short src":    im.WinogradOutput(4, buf, 32, 8, buf[:35*8+7], 8, 8, Epilogue{}),
		"out short dst":    im.WinogradOutput(4, buf[:3*40-1], 32, 8, buf, 8, 8, Epilogue{}),
		"out short bias":   im.WinogradOutput(2, buf, 16, 8, buf, 8, 8, Epilogue{Bias: buf[:7]}),
		"out huge stride":  im.WinogradOutput(2, buf, math.MaxInt, 8, buf, 8, 8, Epilogue{}),
		"s2 short src":     im.WinogradInputStride2(buf, 8, buf[:4*(40+8)+7], 40, 8, 8),
		"s2 short dst":     im.WinogradInputStride2(buf[:24*8+7], 8, buf, 40, 8, 8),
		"s2 negative n":    im.WinogradInputStride2(buf, 8, buf, 40, 8, -8),
		"s2 out short src": im.WinogradOutputStride2(buf, 16, 8, buf[:24*8+7], 8, 8, Epilogue{}),
		"s2 out short dst": im.WinogradOutputStride2(buf[:16+8+7], 16, 8, buf, 8, 8, Epilogue{}),
		"s2 out stride":    im.WinogradOutputStride2(buf, -16, 8, buf, 8, 8, Epilogue{}),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: error %v, want ErrShape", name, err)
		}
	}
	nan := float32(math.NaN())
	for i := range buf {
		buf[i] = nan
	}
	_ = im.WinogradOutput(4, buf[:100], 32, 8, buf[100:], 8, 8, Epilogue{})
	for i, v := range buf[:100] {
		if v == v {
			t.Fatalf("failed call wrote dst[%d]", i)
		}
	}
}

func BenchmarkWinograd(b *testing.B) {
	for _, im := range Impls() {
		if !im.Available() {
			continue
		}
		for _, va := range testVariants {
			m, tt := va.sizes()
			for _, n := range []int{64, 256} {
				src := make([]float32, tt*tt*n)
				v := make([]float32, tt*tt*n)
				dst := make([]float32, m*m*n)
				bias := make([]float32, n)
				b.Run(fmt.Sprintf("impl=%s/alg=%v/n=%d/op=input", im.Name(), va, n), func(b *testing.B) {
					for b.Loop() {
						_ = va.input(im, v, n, src, tt*n, n, n)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/lane")
				})
				b.Run(fmt.Sprintf("impl=%s/alg=%v/n=%d/op=output", im.Name(), va, n), func(b *testing.B) {
					ep := Epilogue{Bias: bias, Accumulate: true, ReLU: true}
					for b.Loop() {
						_ = va.output(im, dst, m*n, n, v, n, n, ep)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/lane")
				})
			}
		}
	}
}
