package kernels

import (
	"errors"
	"fmt"
)

// testWinograd runs every Winograd variant's input and output transforms
// on 27 lanes (16-lane vectors, then 8, then a scalar tail of 3), the
// output with no epilogue and with all of it (bias, accumulate, ReLU):
// each branch of the epilogue taken and not.
func testWinograd(im *Impl) error {
	const n = 27
	for v := winoVariant(0); v < winoVariants; v++ {
		if err := testWinoInput(im, v, n); err != nil {
			return err
		}
		for _, e := range []int{0, 3} {
			if err := testWinoOutput(im, v, n, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func testWinoInput(im *Impl, v winoVariant, n int) error {
	_, t := v.sizes()
	rs, cs, ds := t*(n+1)+3, n+1, n+2
	src := make([]float32, t*rs)
	roughFill(src, n+int(v))
	got := make([]float32, t*t*ds)
	want := make([]float32, len(got))
	if err := errors.Join(im.winoInput(v, got, ds, src, rs, cs, n),
		generic.winoInput(v, want, ds, src, rs, cs, n)); err != nil {
		return err
	}
	return equalBits(fmt.Sprintf("input variant %d n=%d", v, n), got, want)
}

// testWinoOutput runs one output transform with epilogue number e (0-3:
// the flags are e, a bias when e is odd).
func testWinoOutput(im *Impl, v winoVariant, n, e int) error {
	m, t := v.sizes()
	ss, rs, cs := n+3, m*(n+2)+1, n+2
	src := make([]float32, t*t*ss)
	roughFill(src, n+e)
	var ep Epilogue
	if e%2 == 1 {
		ep.Bias = make([]float32, n)
		roughFill(ep.Bias, 9)
	}
	ep.Accumulate = e&flagAccumulate != 0
	ep.ReLU = e&flagReLU != 0
	got := make([]float32, m*rs)
	roughFill(got, 4)
	want := append([]float32(nil), got...)
	if err := errors.Join(im.winoOutput(v, got, rs, cs, src, ss, n, ep),
		generic.winoOutput(v, want, rs, cs, src, ss, n, ep)); err != nil {
		return err
	}
	return equalBits(fmt.Sprintf("output variant %d n=%d accumulate=%v relu=%v bias=%v", v, n, ep.Accumulate, ep.ReLU, ep.Bias != nil), got, want)
}

// testMoves runs CopyRows at row lengths around the vector widths and
// Scatter3 at a few counts; the gaps between rows must stay as they were.
func testMoves(im *Impl) error {
	for _, n := range []int{1, 5, 8, 13, 33, 70} {
		const count = 3
		step, ldd := n+2, n+3
		src := make([]float32, (count-1)*step+n)
		roughFill(src, n)
		got := make([]float32, count*ldd+2)
		roughFill(got, 1)
		want := append([]float32(nil), got...)
		if err := errors.Join(im.CopyRows(got, ldd, src, step, n, count),
			generic.CopyRows(want, ldd, src, step, n, count)); err != nil {
			return err
		}
		if err := equalBits(fmt.Sprintf("copy rows n=%d", n), got, want); err != nil {
			return err
		}
	}
	for _, count := range []int{1, 2, 5} {
		const stride = 7
		src := make([]float32, 3*count)
		roughFill(src, count)
		got := make([]float32, count*stride+1)
		roughFill(got, 2)
		want := append([]float32(nil), got...)
		if err := errors.Join(im.Scatter3(got, stride, src, count),
			generic.Scatter3(want, stride, src, count)); err != nil {
			return err
		}
		if err := equalBits(fmt.Sprintf("scatter3 count=%d", count), got, want); err != nil {
			return err
		}
	}
	return nil
}
