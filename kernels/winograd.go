package kernels

// Winograd tile transforms (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for 3x3 convolutions: the input and
// output transforms of F(m x m, 3 x 3), m = 2 or 4, on tiles of pixels whose
// channels are vectors of n lanes. Lane c of every output depends only on
// lane c of the inputs. Each 2-D transform is the 1-D one along the tile's
// rows, then along its columns; every product and sum rounds separately
// (never fused), in the order the generic functions below spell out, so
// every level gives the same bits.
//
// F(4x4, 3x3), input tiles of 6x6 pixels, points 0, ±1, ±2 and ∞:
//
//	Bᵀ = | 4  0 -5  0  1  0 |   Aᵀ = | 1  1  1  1  1  0 |
//	     | 0 -4 -4  1  1  0 |        | 0  1 -1  2 -2  0 |
//	     | 0  4 -4 -1  1  0 |        | 0  1  1  4  4  0 |
//	     | 0 -2 -1  2  1  0 |        | 0  1 -1  8 -8  1 |
//	     | 0  2 -1 -2  1  0 |
//	     | 0  4  0 -5  0  1 |
//
// F(3x3, 3x3), input tiles of 5x5 pixels, points 0, ±1, 2 and ∞:
//
//	Bᵀ = | 2 -1 -2  1  0 |   Aᵀ = | 1  1  1  1  0 |
//	     | 0 -2 -1  1  0 |        | 0  1 -1  2  0 |
//	     | 0  2 -3  1  0 |        | 0  1  1  4  1 |
//	     | 0 -1  0  1  0 |
//	     | 0  2 -1 -2  1 |
//
// F(2x2, 3x3), input tiles of 4x4 pixels, points 0, ±1 and ∞:
//
//	Bᵀ = | 1  0 -1  0 |   Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |        | 0  1 -1 -1 |
//	     | 0 -1  1  0 |
//	     | 0  1  0 -1 |

// F(2x2, 3x3) at stride 2 (the "stride-2" transforms), input tiles of 5x5
// pixels of the stride-2 convolution's input, 2x2 output pixels. Along one
// axis the even input pixels d0, d2, d4 meet the outer taps w0, w2 (a 2-tap
// convolution, Winograd F(2, 2) with points 0, 1 and ∞) and the odd pixels
// d1, d3 meet the middle tap w1 alone, so each output takes 2.5 products
// instead of 3, and a 2x2 tile 25 instead of 36; every coefficient is 0
// or ±1, so the input transform is exact:
//
//	Bᵀ = | 1  0 -1  0  0 |   G = | 1  0  0 |   Aᵀ = | 1  1  0  1  0 |
//	     | 0  0  1  0  0 |       | 1  0  1 |        | 0  1  1  0  1 |
//	     | 0  0 -1  0  1 |       | 0  0  1 |
//	     | 0  1  0  0  0 |       | 0  1  0 |
//	     | 0  0  0  1  0 |       | 0  1  0 |
//
// Rows 3 and 4 of G are equal, so the 25 transformed filters G g Gᵀ are 16
// different ones; the transforms store position (i, j) of the 5x5 tile at
// index [WinogradStride2Position](i, j), which puts the positions that
// share a filter next to each other (one GEMM serves them all).

// winoKernels are a level's vector transforms, for lanes [0, n) with n a
// positive multiple of 8 (see the declarations in kernels/amd64).
// They are indexed by winoVariant; a nil entry leaves that variant to the
// generic code.
type winoKernels struct {
	input  [winoVariants]func(dst *float32, dstStride int, src *float32, rowStride, colStride, n int)
	output [winoVariants]func(dst *float32, rowStride, colStride int, src *float32, srcStride int, bias *float32, n, flags int)
}

// winoVariant is one of the Winograd algorithms the transforms serve.
type winoVariant int

const (
	winoF2       winoVariant = iota // F(2x2, 3x3)
	winoF4                          // F(4x4, 3x3)
	winoF2S2                        // F(2x2, 3x3) at stride 2
	winoF3                          // F(3x3, 3x3)
	winoVariants                    // the number of variants
)

// sizes returns the output tile side m and the input tile side t.
func (v winoVariant) sizes() (m, t int) {
	switch v {
	case winoF4:
		return 4, 6
	case winoF2S2:
		return 2, 5
	case winoF3:
		return 3, 5
	}
	return 2, 4
}

// variantOf returns the stride-1 variant F(m x m, 3x3), or an error.
func variantOf(m int) (winoVariant, error) {
	switch m {
	case 2:
		return winoF2, nil
	case 3:
		return winoF3, nil
	case 4:
		return winoF4, nil
	}
	return 0, shapeErr("winograd F(%dx%d, 3x3): m must be 2, 3 or 4", m, m)
}

// WinogradStride2Position returns the index at which the stride-2
// transforms store position (i, j) of the 5x5 transformed tile (i, j < 5):
// first the nine positions with i, j < 3 in row-major order, then (i, 3),
// (i, 4) for i = 0, 1, 2, then (3, j), (4, j) for j = 0, 1, 2, then (3, 3),
// (3, 4), (4, 3), (4, 4). Positions whose transformed filters are equal
// (the same min(i, 3) and min(j, 3)) are adjacent.
func WinogradStride2Position(i, j int) int {
	switch {
	case i < 3 && j < 3:
		return 3*i + j
	case i < 3:
		return 9 + 2*i + j - 3
	case j < 3:
		return 15 + 2*j + i - 3
	}
	return 21 + 2*(i-3) + j - 3
}

// winoS2Pos is WinogradStride2Position as a table.
var winoS2Pos = func() (p [5][5]int) {
	for i := range p {
		for j := range p[i] {
			p[i][j] = WinogradStride2Position(i, j)
		}
	}
	return p
}()

// winoChunk is the number of lanes a generic 1-D pass handles at a time.
const winoChunk = 16

// WinogradVectorized reports whether the level runs the Winograd
// transforms with vector instructions (AVX2 on the avx2 level, AVX-512 on
// the avx512 level, NEON on the neon level). Without, they run as Go loops about ten times slower,
// which costs more than F(2x2, 3x3) at stride 2 saves.
func (im *Impl) WinogradVectorized() bool { return im.wino.input[winoF2] != nil }

// WinogradInput writes the input transform of Winograd F(m x m, 3 x 3)
// (m = 2, 3 or 4) of one tile of t x t pixels, t = m+2, with n channels
// each:
//
//	V = Bᵀ d B, where d[y][x] = src[y*rowStride+x*colStride:][:n]
//	dst[(i*t+j)*dstStride:][:n] = V[i][j] for i, j < t
//
// Strides count floats and must be >= 0; src and dst must not overlap.
// Every level gives the same bits. Bad sizes return an error wrapping
// [ErrShape] and touch nothing.
func (im *Impl) WinogradInput(m int, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) error {
	v, err := variantOf(m)
	if err != nil {
		return err
	}
	return im.winoInput(v, dst, dstStride, src, rowStride, colStride, n)
}

// WinogradInputStride2 writes the input transform of Winograd F(2x2, 3x3)
// at stride 2 of one tile of 5x5 pixels of the convolution's input (the
// pixels 2*oy-pad .. 2*oy-pad+4 for an output tile at oy), with n channels
// each:
//
//	V = Bᵀ d B, where d[y][x] = src[y*rowStride+x*colStride:][:n]
//	dst[WinogradStride2Position(i, j)*dstStride:][:n] = V[i][j] for i, j < 5
//
// with Bᵀ as in the package comment (exact: it only adds and subtracts).
// Strides count floats and must be >= 0; src and dst must not overlap.
// Every level gives the same bits. Bad sizes return an error wrapping
// [ErrShape] and touch nothing.
func (im *Impl) WinogradInputStride2(dst []float32, dstStride int, src []float32, rowStride, colStride, n int) error {
	return im.winoInput(winoF2S2, dst, dstStride, src, rowStride, colStride, n)
}

func (im *Impl) winoInput(v winoVariant, dst []float32, dstStride int, src []float32, rowStride, colStride, n int) error {
	_, t := v.sizes()
	if err := checkWino(n, rowStride, colStride, dstStride); err != nil {
		return err
	}
	if err := checkSpan("winograd input src", src, n, t, rowStride, t, colStride); err != nil {
		return err
	}
	if err := checkSpan("winograd input dst", dst, n, t*t, dstStride, 1, 0); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(src, (t-1)*(rowStride+colStride)+n, false)
		raceSpan(dst, (t*t-1)*dstStride+n, true)
	}
	n8 := 0
	if in := im.wino.input[v]; in != nil {
		n8 = n &^ 7
		for c := 0; c < n8; c += maxWinoLanes {
			in(&dst[c], dstStride, &src[c], rowStride, colStride, min(maxWinoLanes, n8-c))
		}
	}
	if n8 < n {
		genericWinoInput(v, dst[n8:], dstStride, src[n8:], rowStride, colStride, n-n8)
	}
	return nil
}

// WinogradOutput writes the output transform of Winograd F(m x m, 3 x 3)
// (m = 2, 3 or 4) of one tile with n channels, with the epilogue ep:
//
//	Y = Aᵀ M A, where M[i][j] = src[(i*t+j)*srcStride:][:n], t = m+2
//	dst[y*rowStride+x*colStride+c] = relu?((Accumulate ? dst[…] : 0) + (Y[y][x][c] + Bias[c]))
//
// for y, x < m and c < n: the bias (when not nil) is added first, then the
// old value (Accumulate), then ReLU (NaN and -0 become +0). Strides count
// floats and must be >= 0; src and dst must not overlap. Every level gives
// the same bits. Bad sizes return an error wrapping [ErrShape] and touch
// nothing.
func (im *Impl) WinogradOutput(m int, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, ep Epilogue) error {
	v, err := variantOf(m)
	if err != nil {
		return err
	}
	return im.winoOutput(v, dst, rowStride, colStride, src, srcStride, n, ep)
}

// WinogradOutputStride2 is [Impl.WinogradOutput] for Winograd F(2x2, 3x3)
// at stride 2: M[i][j] = src[WinogradStride2Position(i, j)*srcStride:][:n]
// for i, j < 5, Aᵀ as in the package comment, and a 2x2 output tile.
func (im *Impl) WinogradOutputStride2(dst []float32, rowStride, colStride int, src []float32, srcStride, n int, ep Epilogue) error {
	return im.winoOutput(winoF2S2, dst, rowStride, colStride, src, srcStride, n, ep)
}

func (im *Impl) winoOutput(v winoVariant, dst []float32, rowStride, colStride int, src []float32, srcStride, n int, ep Epilogue) error {
	m, t := v.sizes()
	if err := checkWino(n, rowStride, colStride, srcStride); err != nil {
		return err
	}
	if err := checkSpan("winograd output src", src, n, t*t, srcStride, 1, 0); err != nil {
		return err
	}
	if err := checkSpan("winograd output dst", dst, n, m, rowStride, m, colStride); err != nil {
		return err
	}
	if err := checkEpilogue(&ep, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if raceEnabled {
		raceSpan(src, (t*t-1)*srcStride+n, false)
		raceSpan(dst, (m-1)*(rowStride+colStride)+n, true)
		if ep.Bias != nil {
			raceSpan(ep.Bias, n, false)
		}
	}
	flags := 0
	if ep.Accumulate {
		flags |= flagAccumulate
	}
	if ep.ReLU {
		flags |= flagReLU
	}
	n8 := 0
	if out := im.wino.output[v]; out != nil {
		n8 = n &^ 7
		for c := 0; c < n8; c += maxWinoLanes {
			var bias *float32
			if ep.Bias != nil {
				bias = &ep.Bias[c]
			}
			out(&dst[c], rowStride, colStride, &src[c], srcStride, bias, min(maxWinoLanes, n8-c), flags)
		}
	}
	if n8 < n {
		var bias []float32
		if ep.Bias != nil {
			bias = ep.Bias[n8:n]
		}
		genericWinoOutput(v, dst[n8:], rowStride, colStride, src[n8:], srcStride, n-n8, bias, flags)
	}
	return nil
}

// maxWinoLanes bounds the lanes of one assembly call (about 10 µs for a
// 6x6 tile): assembly is not preemptible.
const maxWinoLanes = 8 << 10

// checkWino checks the lane count and strides.
func checkWino(n int, strides ...int) error {
	if n < 0 {
		return shapeErr("winograd: %d lanes", n)
	}
	for _, s := range strides {
		if s < 0 || uint64(s) > 1<<40 {
			return shapeErr("winograd: stride %d", s)
		}
	}
	return nil
}

// checkSpan checks that s holds vectors of n floats at every
// i*stride1 + j*stride2 for i < n1, j < n2 (strides at most 1<<40, counts
// at most 36, so the sums cannot overflow 64-bit ints; 32-bit ints are
// checked).
func checkSpan(name string, s []float32, n, n1, stride1, n2, stride2 int) error {
	if n == 0 {
		return nil
	}
	need := uint64(n1-1)*uint64(stride1) + uint64(n2-1)*uint64(stride2) + uint64(n)
	if need > uint64(len(s)) {
		return shapeErr("%s has %d floats, needs %d", name, len(s), need)
	}
	return nil
}
