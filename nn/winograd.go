package nn

import (
	"github.com/gorn-ml/gorn/kernels"
)

// ConvAlgo is the way a [Conv] computes its convolution.
type ConvAlgo int

const (
	// AlgoAuto picks Winograd for the 3x3 convolutions on which
	// it measured faster than im2col, and im2col with a GEMM for everything
	// else (see [NewConvAlgo]).
	AlgoAuto ConvAlgo = iota
	// AlgoIm2col is one GEMM per group on the input itself (1x1 stride 1)
	// or on patches extracted by im2col.
	AlgoIm2col
	// AlgoWinograd2 is Winograd F(2x2, 3x3): at stride 1, 16 GEMMs on
	// transformed 4x4 input tiles, 2.25 times fewer multiplications than
	// im2col; at stride 2, 16 GEMMs (25 positions, 16 distinct transformed
	// filters) on transformed 5x5 input tiles, 1.44 times fewer.
	AlgoWinograd2
	// AlgoWinograd4 is Winograd F(4x4, 3x3): 36 GEMMs on transformed
	// 6x6 input tiles, 4 times fewer multiplications than im2col, with a
	// larger rounding error.
	AlgoWinograd4
	// AlgoWinograd3 is Winograd F(3x3, 3x3): 25 GEMMs on transformed
	// 5x5 input tiles, 3.24 times fewer multiplications than im2col, with
	// a rounding error between F(2x2, 3x3)'s and F(4x4, 3x3)'s. Its 3x3
	// tiles cover 14x14 maps with less waste than F(4x4, 3x3)'s.
	AlgoWinograd3
)

var algoNames = [...]string{"auto", "im2col", "winograd2", "winograd4", "winograd3"}

// winoM returns the output tile side of a Winograd algorithm, 0 for
// others.
func (a ConvAlgo) winoM() int {
	switch a {
	case AlgoWinograd2:
		return 2
	case AlgoWinograd3:
		return 3
	case AlgoWinograd4:
		return 4
	}
	return 0
}

// String returns the algorithm's name, e.g. "winograd4".
func (a ConvAlgo) String() string {
	if a < 0 || int(a) >= len(algoNames) {
		return "ConvAlgo(?)"
	}
	return algoNames[a]
}

// DefaultAlgo is the algorithm [NewConv] and [NewConvFor] use. It is
// AlgoAuto; tests and benchmarks may set it to force one algorithm on a
// whole network. It is read without synchronisation: set it before
// building convolutions, not while other goroutines build them. A
// Winograd setting applies only where that algorithm can (see
// [WinogradApplies]); other convolutions use im2col.
var DefaultAlgo = AlgoAuto

// WinogradApplies reports whether a Winograd algorithm can compute
// convolutions of geometry p: 3x3 kernels, no dilation, one group, any
// padding, and stride 1 (every Winograd algorithm) or 2 in both
// directions (AlgoWinograd2 only; see [ConvAlgo.Applies]).
func WinogradApplies(p ConvParams) bool {
	return AlgoWinograd2.Applies(p)
}

// Applies reports whether algorithm a can compute convolutions of
// geometry p: im2col and AlgoAuto always can, the Winograd algorithms as
// [WinogradApplies] says.
func (a ConvAlgo) Applies(p ConvParams) bool {
	p = p.normalized()
	if a.winoM() == 0 {
		return a == AlgoAuto || a == AlgoIm2col
	}
	s := p.StrideH
	return p.KH == 3 && p.KW == 3 && p.StrideW == s && (s == 1 || s == 2 && a == AlgoWinograd2) &&
		p.DilH == 1 && p.DilW == 1 && p.Groups == 1
}

// AutoAlgo is the algorithm AlgoAuto chooses for a convolution of
// geometry p on h x w inputs, or, with h or w 0 (as [NewConvFor], which
// does not know the input size), on the map size ResNet gives its channel
// count at 224x224 (56x56 up to 64 channels, 28x28 up to 128, 14x14 up to
// 256, 7x7 above; at stride 2 the output is that size):
//   - im2col unless Winograd applies (see [WinogradApplies]) and Cin and
//     Cout are both within 32..512;
//   - at stride 2, F(2x2, 3x3) when the output has at least 49 tiles of
//     2x2 (14x14 pixels or more), im2col otherwise; [NewConvForInput] and
//     [NewConvAlgo] keep im2col on levels whose Winograd transforms are
//     not vectorized (see kernels.Impl.WinogradVectorized);
//   - at stride 1, F(4x4, 3x3) up to 256 channels (in or out) when the
//     output has at least 49 tiles of 4x4 (25x25 pixels or more);
//   - else F(3x3, 3x3) when it has at least 25 tiles of 3x3 (13x13 pixels
//     or more);
//   - F(2x2, 3x3) otherwise.
//
// The rule follows BenchmarkWinogradVsIm2col (bench/winograd_test.go; Zen
// 3, one thread, speedup over im2col, F4 / F3 / F2): 56x56x64 2.3 / 1.8 /
// 1.6, 28x28x128 2.6 / 2.2 / 1.9, 28x28x256 3.0 / 2.3 / 2.0, 14x14x256
// 1.9 / 2.1-2.2 / 1.9, 14x14x512 2.2-2.3 / 2.3-2.35 / 2.0, 7x7x512 1.0-1.1
// / 1.0-1.1 / 1.35, 56x56x32 2.1 / 1.5 / 1.2, 28x28x48 2.4 / 1.8 / 1.5.
// On small maps the GEMMs have few rows and stream all t*t transformed
// filters (36/9, 25/9 or 16/9 times the bytes of im2col's), and the
// larger tiles waste more of their pixels past the map's edge; the
// rounding error grows with the tile: F2 keeps im2col's, F3 has about 2.5
// times it, F4 about four times. At stride 2 (same benchmark; ResNet's
// layers, input size, Cin -> Cout: speedup): 56x56 128 -> 128 1.21-1.24,
// 28x28 256 -> 256 1.23-1.26, 14x14 512 -> 512 0.95-0.97, 56x56 64 -> 128
// 1.10-1.12, 28x28 128 -> 256 1.18-1.22, 14x14 256 -> 512 0.93-0.95.
func AutoAlgo(p ConvParams, h, w int) ConvAlgo {
	if !WinogradApplies(p) || min(p.Cin, p.Cout) < winoMinChannels || max(p.Cin, p.Cout) > winoMax2 {
		return AlgoIm2col
	}
	c := max(p.Cin, p.Cout)
	oh, ow, err := p.OutSize(h, w)
	if err != nil { // no input size: ResNet's map for c channels
		switch {
		case c <= 64:
			oh = 56
		case c <= 128:
			oh = 28
		case c <= 256:
			oh = 14
		default:
			oh = 7
		}
		ow = oh
	}
	tiles := func(m int) int { return (oh + m - 1) / m * ((ow + m - 1) / m) }
	switch {
	case p.normalized().StrideH == 2:
		if tiles(2) >= winoMinTilesS2 {
			return AlgoWinograd2
		}
		return AlgoIm2col
	case c <= winoMax4 && tiles(4) >= winoMinTiles4:
		return AlgoWinograd4
	case tiles(3) >= winoMinTiles3:
		return AlgoWinograd3
	}
	return AlgoWinograd2
}

// autoAlgo is AutoAlgo for level im: im2col at stride 2 where the level's
// Winograd transforms are not vectorized.
func autoAlgo(im *kernels.Impl, p ConvParams, h, w int) ConvAlgo {
	a := AutoAlgo(p, h, w)
	if a != AlgoIm2col && p.normalized().StrideH == 2 && (im == nil || !im.WinogradVectorized()) {
		return AlgoIm2col
	}
	return a
}

// The bounds of AutoAlgo's rule.
const (
	winoMinChannels = 32  // fewest input and output channels for Winograd
	winoMax4        = 256 // most channels for F(4x4, 3x3)
	winoMax2        = 512 // most channels for Winograd
	winoMinTiles4   = 49  // fewest 4x4 output tiles for F(4x4, 3x3)
	winoMinTiles3   = 25  // fewest 3x3 output tiles for F(3x3, 3x3)
	winoMinTilesS2  = 49  // fewest 2x2 output tiles for F(2x2, 3x3) at stride 2
)

// Tuning of the Winograd tile blocks (see winoPlan).
var (
	winoBlockFloats = 64 << 10 // target size of a block's V and M, in floats
	winoMinRows     = 48       // fewest tiles in a block, so B is reused enough
)

// winograd is the state of a Winograd convolution.
type winograd struct {
	m, t   int // output tile side (2, 3 or 4); input tile side (m+2, or 5 at stride 2)
	stride int // 1 or 2
	groups []winoGroup
}

// winoGroup is one GEMM of a Winograd convolution: count consecutive
// positions from pos of the transformed tile share one transformed filter
// (at stride 1 every position is a group of its own).
type winoGroup struct {
	pos, count int
	packed     *kernels.PackedB // Cin x Cout
}

// The Winograd algorithms (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). For F(m x m, 3 x 3), the output is
// cut into tiles of m x m pixels; a tile's input is t x t pixels, t = m+2,
// and its output
//
//	Y = Aᵀ [ Σ_cin (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// where g is a 3x3 filter, d the input tile of one channel and ⊙ the
// elementwise product. For each of the t*t positions of ⊙, the sum over
// input channels is a GEMM: (tiles x Cin) * (Cin x Cout). G g Gᵀ is
// computed once, in float64, and packed per position; the input and output
// transforms (Bᵀ, Aᵀ) are kernels.WinogradInput and WinogradOutput, which
// also hold the matrices. G is
//
//	F(4x4, 3x3): |  1/4     0     0 |   F(2x2, 3x3): |   1    0    0 |
//	             | -1/6  -1/6  -1/6 |                | 1/2  1/2  1/2 |
//	             | -1/6   1/6  -1/6 |                | 1/2 -1/2  1/2 |
//	             | 1/24  1/12   1/6 |                |   0    0    1 |
//	             | 1/24 -1/12   1/6 |
//	             |    0     0     1 |
//
//	F(3x3, 3x3): |  1/2     0     0 |
//	             | -1/2  -1/2  -1/2 |
//	             | -1/6   1/6  -1/6 |
//	             |  1/6   1/3   2/3 |
//	             |    0     0     1 |

// winoG holds G, t x 3, for F(m x m, 3x3), indexed by m (F(3x3, 3x3)
// with points 0, ±1, 2 and ∞), and winoGStride2 for F(2x2, 3x3) at stride
// 2 (see package kernels).
var (
	winoG = [5][][3]float64{
		2: {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
		3: {{1. / 2, 0, 0}, {-1. / 2, -1. / 2, -1. / 2}, {-1. / 6, 1. / 6, -1. / 6}, {1. / 6, 1. / 3, 2. / 3}, {0, 0, 1}},
		4: {{1. / 4, 0, 0}, {-1. / 6, -1. / 6, -1. / 6}, {-1. / 6, 1. / 6, -1. / 6},
			{1. / 24, 1. / 12, 1. / 6}, {1. / 24, -1. / 12, 1. / 6}, {0, 0, 1}},
	}
	winoGStride2 = [][3]float64{{1, 0, 0}, {1, 0, 1}, {0, 0, 1}, {0, 1, 0}, {0, 1, 0}}
)

// filterTransform returns element (i, j) of G g Gᵀ for the 3x3 filter g
// (row-major), computed in float64 and rounded once.
func filterTransform(g []float32, gm [][3]float64, i, j int) float32 {
	var s float64
	for a := 0; a < 3; a++ {
		var row float64 // (g Gᵀ)[a][j]
		for b := 0; b < 3; b++ {
			row += float64(g[a*3+b]) * gm[j][b]
		}
		s += gm[i][a] * row
	}
	return float32(s)
}

// newWinograd transforms and packs OIHW 3x3 weights for F(m x m, 3x3) at
// stride 1, or F(2x2, 3x3) at stride 2.
func newWinograd(im *kernels.Impl, p ConvParams, weights []float32, m, stride int) (*winograd, error) {
	w := &winograd{m: m, t: m + 2, stride: stride}
	gm := winoG[m]
	// class(i, j) identifies the transformed filter of position (i, j),
	// and at[q] is the position stored at index q of the transformed tile.
	class := func(i, j int) int { return i*w.t + j }
	if stride == 2 {
		w.t, gm = 5, winoGStride2
		class = func(i, j int) int { return min(i, 3)*4 + min(j, 3) }
	}
	at := make([][2]int, w.t*w.t)
	for i := 0; i < w.t; i++ {
		for j := 0; j < w.t; j++ {
			q := i*w.t + j
			if stride == 2 {
				q = kernels.WinogradStride2Position(i, j)
			}
			at[q] = [2]int{i, j}
		}
	}
	cin, cout := p.Cin, p.Cout
	bt := make([]float32, cout*cin) // one position's U, transposed: Cout x Cin
	for q := 0; q < len(at); q++ {
		i, j := at[q][0], at[q][1]
		if g := len(w.groups) - 1; g >= 0 {
			if first := at[w.groups[g].pos]; class(first[0], first[1]) == class(i, j) {
				w.groups[g].count++
				continue
			}
		}
		for o := 0; o < cout; o++ {
			for ci := 0; ci < cin; ci++ {
				bt[o*cin+ci] = filterTransform(weights[(o*cin+ci)*9:][:9], gm, i, j)
			}
		}
		pb, err := im.PackBTransposed(cin, cout, bt, cin)
		if err != nil {
			return nil, err
		}
		w.groups = append(w.groups, winoGroup{pos: q, count: 1, packed: pb})
	}
	return w, nil
}

// bytes is the memory the packed filters hold.
func (w *winograd) bytes() int {
	b := 0
	for _, g := range w.groups {
		b += g.packed.Bytes()
	}
	return b
}
