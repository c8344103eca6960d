package kernels_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/kernels"
)

// A GEMM with a bias and ReLU fused into the store.
func ExampleSgemm() {
	a := []float32{ // 2 x 3
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 3 x 2
		1, -1,
		0, -1,
		1, -1,
	}
	c := make([]float32, 2*2)
	ep := kernels.Epilogue{Bias: []float32{0.5, 10}, ReLU: true}
	if err := kernels.Sgemm(2, 2, 3, a, 3, b, 2, c, 2, ep, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output: [4.5 4 10.5 0]
}

// Pack the weights once, then run many products, on two threads, adding
// into the existing C (a residual connection).
func ExampleSgemmPacked() {
	w := []float32{1, 2, 3, 4} // 2 x 2
	pb, err := kernels.PackB(2, 2, w, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	x := []float32{1, 1, 0, 1} // 2 x 2
	y := []float32{100, 100, 100, 100}
	err = kernels.SgemmPacked(2, x, 2, pb, y, 2, kernels.Epilogue{Accumulate: true}, &kernels.Options{Pool: pool})
	fmt.Println(y, err)
	// Output: [104 106 103 104] <nil>
}

func ExampleActive() {
	im := kernels.Active()
	fmt.Println(im.Available(), im.MR() > 0, im.NR() > 0)
	// Output: true true true
}
