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
	// AlgoWinograd2 is Winograd F(2x2, 3x3): 16 GEMMs on transformed
	// 4x4 input tiles, 2.25 times fewer multiplications than im2col.
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
// Winograd setting applies only where Winograd can (3x3, stride 1, no
// dilation, one group); other convolutions use im2col.
var DefaultAlgo = AlgoAuto

// WinogradApplies reports whether the Winograd algorithms can compute
// convolutions of geometry p: 3x3 kernels, stride 1, no dilation, one
// group, any padding.
func WinogradApplies(p ConvParams) bool {
	p = p.normalized()
	return p.KH == 3 && p.KW == 3 && p.StrideH == 1 && p.StrideW == 1 &&
		p.DilH == 1 && p.DilW == 1 && p.Groups == 1
}

// AutoAlgo is the algorithm AlgoAuto chooses for a convolution of
// geometry p on h x w inputs, or, with h or w 0 (as [NewConvFor], which
// does not know the input size), on the map size ResNet gives its channel
// count at 224x224 (56x56 for 64 channels, 28x28 for 128, 14x14 for 256,
// 7x7 for 512):
//   - im2col unless Winograd applies (see [WinogradApplies]) and Cin and
//     Cout are both within 32..512;
//   - F(4x4, 3x3) up to 256 channels (in or out) when the output has at
//     least 49 tiles of 4x4 (28x28 pixels or more);
//   - F(2x2, 3x3) otherwise.
//
// The rule follows BenchmarkWinogradVsIm2col (bench/winograd_test.go; Zen
// 3, one thread, speedup over im2col, F4 / F2): 56x56x64 2.3 / 1.8,
// 28x28x128 2.3 / 1.9, 28x28x256 3.1 / 1.9, 14x14x256 1.7 / 1.8, 14x14x512
// 2.0 / 2.0, 7x7x512 0.9 / 1.2, 56x56x32 2.3 / 1.5. On small maps the
// GEMMs have few rows and stream all t*t transformed filters, 4 (F4) or
// 1.8 (F2) times the bytes of im2col's, and F2 keeps im2col's rounding
// error where F4 has about four times it.
func AutoAlgo(p ConvParams, h, w int) ConvAlgo {
	if !WinogradApplies(p) || min(p.Cin, p.Cout) < winoMinChannels || max(p.Cin, p.Cout) > winoMax2 {
		return AlgoIm2col
	}
	c := max(p.Cin, p.Cout)
	oh, ow, err := p.OutSize(h, w)
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

// The bounds of AutoAlgo's rule.
const (
	winoMinChannels = 32  // fewest input and output channels for Winograd
	winoMax4        = 256 // most channels for F(4x4, 3x3)
	winoMax2        = 512 // most channels for Winograd
	winoMinTiles4   = 49  // fewest 4x4 output tiles for F(4x4, 3x3)
)

// Tuning of the Winograd tile blocks (see winoPlan).
var (
	winoBlockFloats = 64 << 10 // target size of a block's V and M, in floats
	winoMinRows     = 48       // fewest tiles in a block, so B is reused enough
)

// winograd is the state of a Winograd convolution.
type winograd struct {
	m, t   int                // output tile side (2 or 4); input tile side m+2
	packed []*kernels.PackedB // t*t transformed filters, each Cin x Cout
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

// winoG holds G for F(2x2, 3x3) (index 0) and F(4x4, 3x3) (index 1), t x 3.
var winoG = [2][][3]float64{
	{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
	{{1. / 4, 0, 0}, {-1. / 6, -1. / 6, -1. / 6}, {-1. / 6, 1. / 6, -1. / 6},
		{1. / 24, 1. / 12, 1. / 6}, {1. / 24, -1. / 12, 1. / 6}, {0, 0, 1}},
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

// newWinograd transforms and packs OIHW 3x3 weights for F(m x m, 3x3).
func newWinograd(im *kernels.Impl, p ConvParams, weights []float32, m int) (*winograd, error) {
	w := &winograd{m: m, t: m + 2}
	gm := winoG[m/4]
	cin, cout := p.Cin, p.Cout
	bt := make([]float32, cout*cin) // one position's U, transposed: Cout x Cin
	for i := 0; i < w.t; i++ {
		for j := 0; j < w.t; j++ {
			for o := 0; o < cout; o++ {
				for ci := 0; ci < cin; ci++ {
					bt[o*cin+ci] = filterTransform(weights[(o*cin+ci)*9:][:9], gm, i, j)
				}
			}
			pb, err := im.PackBTransposed(cin, cout, bt, cin)
			if err != nil {
				return nil, err
			}
			w.packed = append(w.packed, pb)
		}
	}
	return w, nil
}

// bytes is the memory the packed filters hold.
func (w *winograd) bytes() int {
	b := 0
	for _, pb := range w.packed {
		b += pb.Bytes()
	}
	return b
}
