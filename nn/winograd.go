package nn

import (
	"github.com/gorn-ml/gorn/kernels"
)

// ConvAlgo is the way a [Conv] computes its convolution.
type ConvAlgo int

const (
	// AlgoAuto picks Winograd for the 3x3 stride-1 convolutions on which
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
)

var algoNames = [...]string{"auto", "im2col", "winograd2", "winograd4"}

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
// padding, and stride 1 (AlgoWinograd2 and AlgoWinograd4) or 2 in both
// directions (AlgoWinograd2 only; see [ConvAlgo.Applies]).
func WinogradApplies(p ConvParams) bool {
	return AlgoWinograd2.Applies(p)
}

// Applies reports whether algorithm a can compute convolutions of
// geometry p: im2col and AlgoAuto always can, the Winograd algorithms as
// [WinogradApplies] says.
func (a ConvAlgo) Applies(p ConvParams) bool {
	p = p.normalized()
	if a != AlgoWinograd2 && a != AlgoWinograd4 {
		return a == AlgoAuto || a == AlgoIm2col
	}
	s := p.StrideH
	return p.KH == 3 && p.KW == 3 && p.StrideW == s && (s == 1 || s == 2 && a == AlgoWinograd2) &&
		p.DilH == 1 && p.DilW == 1 && p.Groups == 1
}

// AutoAlgo is the algorithm AlgoAuto chooses for a convolution of
// geometry p on h x w inputs, or, with h or w 0 (as [NewConvFor], which
// does not know the input size), on the map size ResNet gives its channel
// count at 224x224 (56x56 for 64 channels, 28x28 for 128, 14x14 for 256,
// 7x7 for 512; at stride 2 the output is that size):
//   - im2col unless Winograd applies (see [WinogradApplies]) and Cin and
//     Cout are both within 32..512;
//   - at stride 2, F(2x2, 3x3) when the output has at least 49 tiles of
//     2x2 (14x14 pixels or more), im2col otherwise; [NewConvForInput] and
//     [NewConvAlgo] keep im2col on levels whose Winograd transforms are
//     not vectorized (see kernels.Impl.WinogradVectorized);
//   - at stride 1, F(4x4, 3x3) up to 256 channels (in or out) when the
//     output has at least 49 tiles of 4x4 (28x28 pixels or more);
//   - F(2x2, 3x3) otherwise.
//
// The rule follows BenchmarkWinogradVsIm2col (bench/winograd_test.go; Zen
// 3, one thread, speedup over im2col, F4 / F2): 56x56x64 2.3 / 1.8,
// 28x28x128 2.3 / 1.9, 28x28x256 3.1 / 1.9, 14x14x256 1.7 / 1.8, 14x14x512
// 2.0 / 2.0, 7x7x512 0.9 / 1.2, 56x56x32 2.3 / 1.5. On small maps the
// GEMMs have few rows and stream all t*t transformed filters, 4 (F4) or
// 1.8 (F2) times the bytes of im2col's, and F2 keeps im2col's rounding
// error where F4 has about four times it. At stride 2 (same benchmark;
// ResNet's layers, input size, Cin -> Cout: speedup): 56x56 128 -> 128
// 1.21-1.24, 28x28 256 -> 256 1.23-1.26, 14x14 512 -> 512 0.95-0.97,
// 56x56 64 -> 128 1.10-1.12, 28x28 128 -> 256 1.18-1.22, 14x14 256 -> 512
// 0.93-0.95.
func AutoAlgo(p ConvParams, h, w int) ConvAlgo {
	if !WinogradApplies(p) || min(p.Cin, p.Cout) < winoMinChannels || max(p.Cin, p.Cout) > winoMax2 {
		return AlgoIm2col
	}
	c := max(p.Cin, p.Cout)
	oh, ow, err := p.OutSize(h, w)
	if p.normalized().StrideH == 2 {
		if err != nil { // ResNet's stride-2 3x3 layers: 28x28 output at 128 channels
			oh = 28 * 128 / c
			ow = oh
		}
		if (oh+1)/2*((ow+1)/2) >= winoMinTilesS2 {
			return AlgoWinograd2
		}
		return AlgoIm2col
	}
	if err != nil { // no input size: ResNet's at 224x224, 28x28 or more up to 128 channels
		oh, ow = 14, 14
		if c <= 128 {
			oh, ow = 28, 28
		}
	}
	if c <= winoMax4 && (oh+3)/4*((ow+3)/4) >= winoMinTiles4 {
		return AlgoWinograd4
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
	winoMinTilesS2  = 49  // fewest 2x2 output tiles for F(2x2, 3x3) at stride 2
)

// Tuning of the Winograd tile blocks (see winoPlan).
var (
	winoBlockFloats = 64 << 10 // target size of a block's V and M, in floats
	winoMinRows     = 48       // fewest tiles in a block, so B is reused enough
)

// winograd is the state of a Winograd convolution.
type winograd struct {
	m, t   int // output tile side (2 or 4); input tile side (m+2, or 5 at stride 2)
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

// winoG holds G, t x 3, for F(2x2, 3x3), F(4x4, 3x3) and F(2x2, 3x3) at
// stride 2 (see package kernels for the last one).
var winoG = [3][][3]float64{
	{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
	{{1. / 4, 0, 0}, {-1. / 6, -1. / 6, -1. / 6}, {-1. / 6, 1. / 6, -1. / 6},
		{1. / 24, 1. / 12, 1. / 6}, {1. / 24, -1. / 12, 1. / 6}, {0, 0, 1}},
	{{1, 0, 0}, {1, 0, 1}, {0, 0, 1}, {0, 1, 0}, {0, 1, 0}},
}

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
	gm := winoG[m/4]
	// class(i, j) identifies the transformed filter of position (i, j),
	// and at[q] is the position stored at index q of the transformed tile.
	class := func(i, j int) int { return i*w.t + j }
	if stride == 2 {
		w.t, gm = 5, winoG[2]
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
