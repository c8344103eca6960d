package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// winoAlgos are the algorithms the Winograd benchmarks compare.
var winoAlgos = []nn.ConvAlgo{nn.AlgoIm2col, nn.AlgoWinograd2, nn.AlgoWinograd4, nn.AlgoWinograd3}

// winoLayer is one 3x3 ResNet-50 layer built with one algorithm.
type winoLayer struct {
	conv     *nn.Conv
	src, dst []float32
	scratch  []float32
	h        int
	flops    float64 // of the direct convolution: 2 * pixels * Cout * 9 * Cin
}

func newWinoLayer(b *testing.B, im *kernels.Impl, l resnet50Conv, algo nn.ConvAlgo, opt *kernels.Options) *winoLayer {
	r := rand.New(rand.NewPCG(2, uint64(l.cin*l.cout)))
	p := nn.SquareConv(l.cin, l.cout, l.k, l.stride, l.pad)
	c, err := nn.NewConvAlgo(im, p, randFloats(r, l.cout*l.cin*9), randFloats(r, l.cout), algo)
	if err != nil {
		b.Fatal(err)
	}
	oh, ow, err := c.OutSize(l.h, l.h)
	if err != nil {
		b.Fatal(err)
	}
	return &winoLayer{
		conv: c, h: l.h, src: randFloats(r, l.h*l.h*l.cin), dst: make([]float32, oh*ow*l.cout),
		scratch: make([]float32, c.ScratchSize(1, l.h, l.h, opt)),
		flops:   2 * float64(oh*ow) * float64(l.cout) * float64(9*l.cin),
	}
}

func (c *winoLayer) forward(b *testing.B, opt *kernels.Options) {
	if err := c.conv.Forward(c.dst, c.src, 1, c.h, c.h, nn.Epilogue{ReLU: true}, c.scratch, opt); err != nil {
		b.Fatal(err)
	}
}

// winoOtherConvs are 3x3 shapes outside ResNet-50 that test the selection
// rule: few channels on a large map, wide_resnet50_2's layers 2 and 3
// (twice ResNet-50's channels at the same map sizes), and the stride-2
// convolutions of ResNet-18 and -34.
var winoOtherConvs = []resnet50Conv{
	{"c32_3x3_56", 32, 32, 3, 1, 1, 56, 0},
	{"c48_3x3_28", 48, 48, 3, 1, 1, 28, 0},
	{"wide_l2_3x3_256", 256, 256, 3, 1, 1, 28, 4},
	{"wide_l3_3x3_512", 512, 512, 3, 1, 1, 14, 6},
	{"r18_l2_3x3s2_64-128", 64, 128, 3, 2, 1, 56, 1},
	{"r18_l3_3x3s2_128-256", 128, 256, 3, 2, 1, 28, 1},
	{"r18_l4_3x3s2_256-512", 256, 512, 3, 2, 1, 14, 1},
}

// resnet50Wino are the 3x3 convolutions of ResNet-50 (stride 1 and 2).
func resnet50Wino() []resnet50Conv {
	var ls []resnet50Conv
	for _, l := range resnet50Convs {
		if l.k == 3 {
			ls = append(ls, l)
		}
	}
	return ls
}

// BenchmarkConvAlgo runs each 3x3 layer of ResNet-50 at batch 1
// with each algorithm, on one and two threads. GFLOP/s is the effective
// rate: the direct convolution's FLOPs over the time taken.
func BenchmarkConvAlgo(b *testing.B) {
	benchLevels(b, func(b *testing.B, im *kernels.Impl, opt *kernels.Options) {
		for _, l := range resnet50Wino() {
			for _, algo := range winoAlgos {
				if !algo.Applies(nn.SquareConv(l.cin, l.cout, l.k, l.stride, l.pad)) {
					continue
				}
				c := newWinoLayer(b, im, l, algo, opt)
				b.Run(fmt.Sprintf("layer=%s/algo=%v", l.name, algo), func(b *testing.B) {
					timeLoop(b, opt, c.flops, func() { c.forward(b, opt) })
				})
			}
		}
	})
}

// BenchmarkWinogradVsIm2col times each 3x3 layer of ResNet-50
// (and the shapes of winoOtherConvs) with im2col and with a Winograd
// algorithm alternately in one loop, one thread, and reports both effective rates (direct FLOPs over time) and
// the speedup, so that the ratio holds on a machine whose speed drifts.
// Times come from the thread's CPU clock where there is one.
func BenchmarkWinogradVsIm2col(b *testing.B) {
	for _, im := range benchImpls() {
		for _, l := range append(resnet50Wino(), winoOtherConvs...) {
			direct := newWinoLayer(b, im, l, nn.AlgoIm2col, nil)
			for _, algo := range winoAlgos[1:] {
				if !algo.Applies(nn.SquareConv(l.cin, l.cout, l.k, l.stride, l.pad)) {
					continue
				}
				w := newWinoLayer(b, im, l, algo, nil)
				b.Run(fmt.Sprintf("impl=%s/layer=%s/algo=%v", im.Name(), l.name, algo), func(b *testing.B) {
					td, tw := alternate(b, func() { direct.forward(b, nil) }, func() { w.forward(b, nil) })
					b.ReportMetric(td.Seconds()/tw.Seconds(), "speedup")
					b.ReportMetric(w.flops*float64(b.N)/tw.Seconds()/1e9, "wino-GFLOP/s")
					b.ReportMetric(w.flops*float64(b.N)/td.Seconds()/1e9, "im2col-GFLOP/s")
				})
			}
		}
	}
}

// benchNow is the thread's CPU clock, or the wall clock where there is
// none.
func benchNow() time.Duration {
	if t, ok := convThreadCPU(); ok {
		return t
	}
	return time.Duration(time.Now().UnixNano())
}
