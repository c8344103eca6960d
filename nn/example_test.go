package nn_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// A 3x3 convolution with zero padding, bias and ReLU on a 3x3
// single-channel image, then a residual addition in place.
func ExampleConv() {
	p := nn.SquareConv(1, 1, 3, 1, 1)
	weights := []float32{ // OIHW: 1 x 1 x 3 x 3
		0, 1, 0,
		1, -4, 1,
		0, 1, 0,
	}
	conv, err := nn.NewConv(p, weights, []float32{0.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := []float32{ // NHWC: 1 x 3 x 3 x 1
		0, 0, 0,
		0, 1, 0,
		0, 0, 0,
	}
	dst := make([]float32, 9)
	scratch := make([]float32, conv.ScratchSize(1, 3, 3, nil))
	if err := conv.Forward(dst, src, 1, 3, 3, nn.Epilogue{ReLU: true}, scratch, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dst)
	// Add the same convolution to dst in place, without ReLU.
	if err := conv.Forward(dst, src, 1, 3, 3, nn.Epilogue{Residual: true}, scratch, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dst)
	// Output:
	// [0.5 1.5 0.5 1.5 0 1.5 0.5 1.5 0.5]
	// [1 3 1 3 -3.5 3 1 3 1]
}

// The ResNet stem's max pool: 3x3 windows, stride 2, padding 1, on two
// threads.
func ExampleMaxPool() {
	pool := kernels.NewPool(2)
	defer pool.Close()
	src := []float32{ // 1 x 4 x 4 x 1
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	}
	p := nn.SquarePool(3, 2, 1)
	oh, ow, _ := p.OutSize(4, 4)
	dst := make([]float32, oh*ow)
	if err := nn.MaxPool(dst, src, 1, 4, 4, 1, p, &kernels.Options{Pool: pool}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(oh, ow, dst)
	// Output: 2 2 [6 8 14 16]
}
