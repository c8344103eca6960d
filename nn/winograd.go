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

// autoAlgo is the algorithm AlgoAuto chooses for p: Winograd for 3x3
// stride-1 convolutions with at least winoMinChannels input and output
// channels, F(4x4, 3x3) up to winoMax4 channels, F(2x2, 3x3) up to
// winoMax2, im2col beyond. The Conv does not know its input size; the rule
// follows ResNet-50 at 224x224 (one thread, Zen 3, per-layer time in the
// network against im2col): 56x56x64 and 28x28x128 run 2.4-2.7x faster with
// F4 (F2 1.6-1.9x); 14x14x256 1.7-1.8x with either (F2 keeps 2.25x fewer
// transformed weights and a smaller error); 7x7x512 1.2x with F2, where F4
// is slower than im2col: on small maps the GEMMs have few rows and stream
// t*t transformed filters, 4x (F4) or 1.8x (F2) the bytes of im2col's.
func autoAlgo(p ConvParams) ConvAlgo {
	if !WinogradApplies(p) || min(p.Cin, p.Cout) < winoMinChannels {
		return AlgoIm2col
	}
	switch c := max(p.Cin, p.Cout); {
	case c <= winoMax4:
		return AlgoWinograd4
	case c <= winoMax2:
		return AlgoWinograd2
	}
	return AlgoIm2col
}

// The channel counts of AlgoAuto's rule (see autoAlgo).
const (
	winoMinChannels = 32
	winoMax4        = 128
	winoMax2        = 512
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
