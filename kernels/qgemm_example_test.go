package kernels_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/kernels"
)

// A 1x1 convolution of two pixels with three uint8 input channels (scale
// 0.5, zero point 10) and two int8 output channels (weight scales 0.25 and
// 0.5), requantized to uint8 with scale 1 and zero point 3, with ReLU.
// Pixel 0, channel 1 is 0.5 (rounds to even: 0, stored 3); pixel 1,
// channel 1 is 9.5 (rounds to 10, stored 13); pixel 1, channel 0 is
// negative (ReLU: stored 3).
func ExampleQGemm() {
	a := []uint8{ // pixels x input channels
		12, 14, 10,
		8, 10, 30,
	}
	wt := []int8{ // output channels x input channels
		4, 2, -8,
		1, 0, 2,
	}
	b, err := kernels.PackQBTransposed(3, 2, wt, 3)
	if err != nil {
		panic(err)
	}
	scale := []float32{0.5 * 0.25 / 1, 0.5 * 0.5 / 1} // input scale * weight scale / output scale
	c := make([]uint8, 2*2)
	ep := kernels.QEpilogue{AZero: 10, Scale: scale, ReLU: true, OutZero: 3}
	if err := kernels.QGemm(2, a, 3, b, c, 2, ep, nil); err != nil {
		panic(err)
	}
	fmt.Println(c)
	// Output: [5 3 3 13]
}
