package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// TestMaxPoolNaNEverywhere puts a NaN at every pixel of an image in turn,
// in a channel of the vector blocks or of the tail, and checks the ResNet
// stem pool (3x3, stride 2, padding 1) against PyTorch's rule: every
// window that holds the NaN gives NaN, the others their maximum. Inputs
// are either of both signs or all non-negative (after a ReLU, where the
// pure-Go level compares bit patterns), the NaN either sign.
func TestMaxPoolNaNEverywhere(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	r := rand.New(rand.NewPCG(21, 22))
	p := SquarePool(3, 2, 1)
	const h, w = 7, 6
	oh, ow, err := p.OutSize(h, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{1, 3, 9, 35, 64} {
		for _, signFree := range []bool{false, true} {
			base := randSlice(r, c*h*w)
			if signFree {
				for i, v := range base {
					base[i] = float32(math.Abs(float64(v)))
				}
			}
			for px := 0; px < h*w; px++ {
				srcNCHW := append([]float32(nil), base...)
				ch := r.IntN(c)
				nan := float32(math.NaN())
				if px%2 == 1 {
					nan = -nan
				}
				srcNCHW[ch*h*w+px] = nan
				want, _, _ := refPool(p, false, srcNCHW, 1, c, h, w)
				src := toNHWC(srcNCHW, 1, c, h, w)
				dst := newBuf(oh * ow * c)
				opt := &kernels.Options{Pool: pool, Threads: 1 + px%2}
				if err := MaxPool(dst.s(), src, 1, h, w, c, p, opt); err != nil {
					t.Fatal(err)
				}
				dst.check(t, "dst")
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						for k := 0; k < c; k++ {
							got := float64(dst.s()[(y*ow+x)*c+k])
							wv := want[(k*oh+y)*ow+x]
							if math.IsNaN(wv) != math.IsNaN(got) || (!math.IsNaN(wv) && got != wv) {
								t.Fatalf("c=%d signFree=%v NaN at pixel %d channel %d: out[%d][%d][%d] = %v, want %v", c, signFree, px, ch, y, x, k, got, wv)
							}
						}
					}
				}
			}
		}
	}
}
