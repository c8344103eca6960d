package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/kernels"
)

// BenchmarkTuneBlocks compares im2col block sizes on the ResNet-50 layers
// that need im2col, alternating each setting with the plain GEMM of the
// same shape and timing both with the thread's CPU clock, so that their
// ratio survives a machine shared with other work. It reports conv/gemm
// time (want close to 1). Run with -bench TuneBlocks.
func BenchmarkTuneBlocks(b *testing.B) {
	layers := []struct {
		name                 string
		cin, cout, k, s, pad int
		h                    int
	}{
		{"stem", 3, 64, 7, 2, 3, 224},
		{"l1_3x3", 64, 64, 3, 1, 1, 56},
		{"l2_3x3s2", 128, 128, 3, 2, 1, 56},
		{"l2_3x3", 128, 128, 3, 1, 1, 28},
		{"l3_3x3", 256, 256, 3, 1, 1, 14},
		{"l4_3x3", 512, 512, 3, 1, 1, 7},
		{"l3_down", 512, 1024, 1, 2, 0, 28},
	}
	settings := [][2]int{{16 << 10, 48}, {64 << 10, 96}, {64 << 10, 192}, {128 << 10, 96}, {256 << 10, 336}, {1 << 30, 1 << 30}}
	im := kernels.Active()
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range layers {
		p := SquareConv(l.cin, l.cout, l.k, l.s, l.pad)
		w := randSlice(r, l.cout*l.cin*l.k*l.k)
		src := randSlice(r, l.h*l.h*l.cin)
		oh, ow, _ := p.OutSize(l.h, l.h)
		m, k := oh*ow, l.k*l.k*l.cin
		dst := make([]float32, m*l.cout)
		a := randSlice(r, m*k)
		pb, _ := im.PackB(k, l.cout, randSlice(r, k*l.cout), l.cout)
		for _, st := range settings {
			b.Run(fmt.Sprintf("layer=%s/floats=%d/rows=%d", l.name, st[0], st[1]), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				bf, mb := blockFloats, minBlockRows
				blockFloats, minBlockRows = st[0], st[1]
				c, err := NewConvFor(im, p, w, nil)
				blockFloats, minBlockRows = bf, mb
				if err != nil {
					b.Fatal(err)
				}
				scratch := make([]float32, c.ScratchSize(1, l.h, l.h, nil))
				var tc, tg time.Duration
				for b.Loop() {
					t0 := threadCPU()
					_ = c.Forward(dst, src, 1, l.h, l.h, Epilogue{}, scratch, nil)
					t1 := threadCPU()
					_ = kernels.SgemmPacked(m, a, k, pb, dst, l.cout, kernels.Epilogue{}, nil)
					tc += t1 - t0
					tg += threadCPU() - t1
				}
				b.ReportMetric(float64(tc)/float64(tg), "conv/gemm")
				b.ReportMetric(2*float64(m*k*l.cout)*float64(b.N)/tc.Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
