package im2col_test

import (
	"fmt"

	"github.com/gorn-ml/gorn/im2col"
)

// The 3x3 patches, with zero padding, of a 2x2 single-channel image.
func ExampleRows() {
	src := []float32{ // 1 image, 2x2 pixels, 1 channel
		1, 2,
		3, 4,
	}
	g := im2col.Geometry{N: 1, H: 2, W: 2, C: 1, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadT: 1, PadL: 1, DilH: 1, DilW: 1}
	if err := g.Init(1, 1); err != nil {
		fmt.Println(err)
		return
	}
	a := make([]float32, g.M()*g.K())
	if err := im2col.Rows(a, g.K(), src, &g, 0, g.M()); err != nil {
		fmt.Println(err)
		return
	}
	for r := 0; r < g.M(); r++ {
		fmt.Println(a[r*g.K() : (r+1)*g.K()])
	}
	// Output:
	// [0 0 0 0 1 2 0 3 4]
	// [0 0 0 1 2 0 3 4 0]
	// [0 1 2 0 3 4 0 0 0]
	// [1 2 0 3 4 0 0 0 0]
}
