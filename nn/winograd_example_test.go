package nn_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/nn"
)

// The algorithm AlgoAuto picks for a ResNet 3x3 convolution, forcing one,
// and the error for a geometry Winograd cannot compute.
func ExampleConvAlgo() {
	p := nn.SquareConv(64, 64, 3, 1, 1)
	for _, algo := range []nn.ConvAlgo{nn.AlgoAuto, nn.AlgoIm2col, nn.AlgoWinograd2} {
		c, err := nn.NewConvAlgo(kernels.Generic(), p, make([]float32, 64*64*9), nil, algo)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(algo, "->", c.Algo())
	}
	_, err := nn.NewConvAlgo(kernels.Generic(), nn.SquareConv(64, 64, 3, 2, 1), make([]float32, 64*64*9), nil, nn.AlgoWinograd4)
	fmt.Println(err)
	// Output:
	// auto -> winograd4
	// im2col -> im2col
	// winograd2 -> winograd2
	// nn: bad shape: winograd4 needs a 3x3 kernel, stride 1, no dilation and one group
}
