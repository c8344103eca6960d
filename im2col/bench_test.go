package im2col

import (
	"fmt"
	"testing"

	"github.com/gorn-ml/gorn/kernels"
)

// BenchmarkRows extracts the whole A of ResNet-50's convolutions that need
// im2col, at batch 1, in blocks of 96 rows, and reports the rate at which A
// is written; for the stem also the stacks of StackedRow, one per output
// row, which is all nn extracts for it. Each runs with the moves of every
// kernels level this CPU runs (impl=NAME).
func BenchmarkRows(b *testing.B) {
	cases := []struct {
		name       string
		h, c, k, s int
		pad        int
	}{
		{"stem_7x7s2_c3", 224, 3, 7, 2, 3},
		{"3x3_c64", 56, 64, 3, 1, 1},
		{"3x3s2_c128", 56, 128, 3, 2, 1},
		{"3x3_c256", 14, 256, 3, 1, 1},
		{"3x3_c512", 7, 512, 3, 1, 1},
		{"1x1s2_c256", 56, 256, 1, 2, 0},
	}
	saved := level
	defer func() { level = saved }()
	for _, c := range cases {
		g := Geometry{N: 1, H: c.h, W: c.h, C: c.c, KH: c.k, KW: c.k, StrideH: c.s, StrideW: c.s,
			PadT: c.pad, PadL: c.pad, DilH: 1, DilW: 1}
		if err := g.Init(c.pad, c.pad); err != nil {
			b.Fatal(err)
		}
		src := make([]float32, c.h*c.h*c.c)
		const block = 96
		dst := make([]float32, block*g.K())
		t := make([]float32, g.StackedScratch())
		for _, im := range kernels.Impls() {
			if !im.Available() {
				continue
			}
			level = im
			mv := im.Name()
			rate := func(b *testing.B, floats int) {
				b.ReportMetric(float64(4*floats)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N), "µs/layer")
			}
			b.Run(fmt.Sprintf("impl=%s/layer=%s/op=rows", mv, c.name), func(b *testing.B) {
				for b.Loop() {
					for r := 0; r < g.M(); r += block {
						if err := Rows(dst, g.K(), src, &g, r, min(block, g.M()-r)); err != nil {
							b.Fatal(err)
						}
					}
				}
				rate(b, g.M()*g.K())
			})
			if g.C*g.KW >= 64 {
				continue
			}
			// the stacks alone, as a convolution that multiplies them in
			// place reads them; GB/s counts the floats stacked
			b.Run(fmt.Sprintf("impl=%s/layer=%s/op=stackedrow", mv, c.name), func(b *testing.B) {
				for b.Loop() {
					for oy := 0; oy < g.OH; oy++ {
						if _, err := StackedRow(t, src, &g, 0, oy); err != nil {
							b.Fatal(err)
						}
					}
				}
				rate(b, g.OH*len(t))
			})
			b.Run(fmt.Sprintf("impl=%s/layer=%s/op=stacked", mv, c.name), func(b *testing.B) {
				for b.Loop() {
					for r := 0; r < g.M(); r += block {
						if err := StackedRows(dst, g.K(), src, &g, r, min(block, g.M()-r), t); err != nil {
							b.Fatal(err)
						}
					}
				}
				rate(b, g.M()*g.K())
			})
		}
	}
}
