package fold_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/fold"
)

// Fold a BatchNorm into the 1x1 convolution (two output channels, one input
// channel, no bias) that precedes it.
func ExampleIntoConv() {
	bn := fold.BatchNorm{
		Gamma: []float32{2, 1}, Beta: []float32{0.5, 0},
		Mean: []float32{1, 0}, Var: []float32{3, 0}, Eps: 1,
	}
	w, b, err := fold.IntoConv([]float32{3, 4}, nil, bn)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w, b)
	// Output: [3 4] [-0.5 0]
}
