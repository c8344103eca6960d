package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/kernels"
)

// BenchmarkTuneWinograd compares Winograd block sizes (tiles per block) on
// the 3x3 stride-1 layers of ResNet-50, one thread, alternating each
// setting with the im2col convolution of the same layer and timing both
// with the thread's CPU clock, so that their ratio survives a machine
// shared with other work. It reports the speedup over im2col and the
// effective rate (the direct convolution's FLOPs over the time). Run with
// -bench TuneWinograd.
func BenchmarkTuneWinograd(b *testing.B) {
	im := kernels.Active()
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range []struct{ c, h int }{{64, 56}, {128, 28}, {256, 14}, {512, 7}} {
		p := SquareConv(l.c, l.c, 3, 1, 1)
		w := randSlice(r, l.c*l.c*9)
		src := randSlice(r, l.h*l.h*l.c)
		dst := make([]float32, l.h*l.h*l.c)
		direct, err := NewConvAlgo(im, p, w, nil, AlgoIm2col)
		if err != nil {
			b.Fatal(err)
		}
		ds := make([]float32, direct.ScratchSize(1, l.h, l.h, nil))
		flops := 2 * float64(l.h*l.h*l.c) * float64(9*l.c)
		for _, algo := range []ConvAlgo{AlgoWinograd2, AlgoWinograd3, AlgoWinograd4} {
			c, err := NewConvAlgo(im, p, w, nil, algo)
			if err != nil {
				b.Fatal(err)
			}
			for _, rows := range []int{6, 12, 24, 48, 96, 1 << 20} {
				b.Run(fmt.Sprintf("layer=%dx%dx%d/algo=%v/rows=%d", l.h, l.h, l.c, algo, rows), func(b *testing.B) {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					var tw, td time.Duration
					withWinoBlocks(rows, func() {
						scratch := make([]float32, c.ScratchSize(1, l.h, l.h, nil))
						for b.Loop() {
							t0 := threadCPU()
							_ = c.Forward(dst, src, 1, l.h, l.h, Epilogue{ReLU: true}, scratch, nil)
							t1 := threadCPU()
							_ = direct.Forward(dst, src, 1, l.h, l.h, Epilogue{ReLU: true}, ds, nil)
							tw += t1 - t0
							td += threadCPU() - t1
						}
					})
					b.ReportMetric(td.Seconds()/tw.Seconds(), "speedup")
					b.ReportMetric(flops*float64(b.N)/tw.Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
