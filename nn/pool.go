package nn

import (
	"math"
	"sync"

	"github.com/gorn-ml/gorn/kernels"
)

// PoolParams is the geometry of a max or average pooling window, as
// PyTorch's MaxPool2d and AvgPool2d describe it, with the padding of each
// side given separately.
type PoolParams struct {
	KH, KW           int // window size
	StrideH, StrideW int // >= 1
	PadT, PadL       int // implicit padding at the top and left, at most half the window
	PadB, PadR       int // implicit padding at the bottom and right, at most half the window
	// CeilMode rounds the output size up (PyTorch's ceil_mode): a last,
	// partial window is kept if it starts inside the input or its top/left
	// padding.
	CeilMode bool
	// CountIncludePad makes an average divide by the window's area clipped
	// to the padded input (PyTorch's count_include_pad=True, its default);
	// otherwise it divides by the number of input pixels in the window.
	CountIncludePad bool
}

// SquarePool returns a k x k window with the same stride and padding in
// both directions, floor mode, counting padding in averages.
func SquarePool(k, stride, pad int) PoolParams {
	return PoolParams{KH: k, KW: k, StrideH: stride, StrideW: stride,
		PadT: pad, PadL: pad, PadB: pad, PadR: pad, CountIncludePad: true}
}

// Validate checks the parameters on their own.
func (p PoolParams) Validate() error {
	switch {
	case p.KH < 1 || p.KW < 1:
		return shapeErr("pool window %dx%d must be >= 1x1", p.KH, p.KW)
	case p.StrideH < 1 || p.StrideW < 1:
		return shapeErr("pool stride %dx%d must be >= 1", p.StrideH, p.StrideW)
	case p.PadT < 0 || p.PadL < 0 || p.PadB < 0 || p.PadR < 0:
		return shapeErr("pool padding (%d, %d, %d, %d) must be >= 0", p.PadT, p.PadL, p.PadB, p.PadR)
	case 2*max(p.PadT, p.PadB) > p.KH || 2*max(p.PadL, p.PadR) > p.KW:
		return shapeErr("pool padding (%d, %d, %d, %d) must be at most half the %dx%d window", p.PadT, p.PadL, p.PadB, p.PadR, p.KH, p.KW)
	case p.KH > 1<<20 || p.KW > 1<<20:
		return shapeErr("pool window %dx%d is too large", p.KH, p.KW)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input, or an
// error if the parameters are invalid or the window is larger than the
// padded input.
func (p PoolParams) OutSize(h, w int) (oh, ow int, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	return outSize(h, w, p.KH, p.KW, p.StrideH, p.StrideW, p.PadT, p.PadL, p.PadB, p.PadR, 1, 1, p.CeilMode)
}

// poolCall is one pooling call: tasks are output rows (image, oy).
type poolCall struct {
	dst, src []float32
	h, w, c  int
	oh, ow   int
	p        PoolParams
	avg      bool
}

var poolCalls = sync.Pool{New: func() any { return new(poolCall) }}

// MaxPool writes the maximum of each window of src (n x h x w x c, NHWC) to
// dst (n x oh x ow x c, see [PoolParams.OutSize]). Padding never wins (it
// counts as -Inf); a NaN in a window gives NaN. opt selects the thread pool
// (nil: the calling goroutine only).
func MaxPool(dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(dst, src, n, h, w, c, p, false, opt)
}

// AvgPool writes the average of each window of src (n x h x w x c, NHWC) to
// dst (n x oh x ow x c, see [PoolParams.OutSize]); p.CountIncludePad
// chooses the divisor. opt selects the thread pool (nil: the calling
// goroutine only).
func AvgPool(dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(dst, src, n, h, w, c, p, true, opt)
}

func pool(dst, src []float32, n, h, w, c int, p PoolParams, avg bool, opt *kernels.Options) error {
	oh, ow, err := p.OutSize(h, w)
	if err != nil {
		return err
	}
	in, err := tensorSize(n, h, w, c)
	if err != nil {
		return err
	}
	out, err := tensorSize(n, oh, ow, c)
	if err != nil {
		return err
	}
	if c < 1 {
		return shapeErr("pool channels %d", c)
	}
	if err := checkLen("pool src", src, in); err != nil {
		return err
	}
	if err := checkLen("pool dst", dst, out); err != nil {
		return err
	}
	x := poolCalls.Get().(*poolCall)
	*x = poolCall{dst: dst, src: src, h: h, w: w, c: c, oh: oh, ow: ow, p: p, avg: avg}
	rows := n * oh
	if threads := threadsOf(opt); threads > 1 && rows > 1 {
		opt.Pool.Run(rows, threads, x)
	} else {
		for r := 0; r < rows; r++ {
			x.Do(r, 0)
		}
	}
	*x = poolCall{}
	poolCalls.Put(x)
	return nil
}

// Do computes output row task (image task/oh, row task%oh).
func (x *poolCall) Do(task, _ int) {
	img, oy := task/x.oh, task%x.oh
	c := x.c
	y0 := oy*x.p.StrideH - x.p.PadT
	y1 := min(y0+x.p.KH, x.h+x.p.PadB) // window end in the padded input
	ys, ye := max(y0, 0), min(y1, x.h)
	src := x.src[img*x.h*x.w*c : (img+1)*x.h*x.w*c]
	out := x.dst[(img*x.oh+oy)*x.ow*c:][:x.ow*c]
	intMax := !x.avg && signFree(src[ys*x.w*c:ye*x.w*c])
	for ox := 0; ox < x.ow; ox++ {
		x0 := ox*x.p.StrideW - x.p.PadL
		x1 := min(x0+x.p.KW, x.w+x.p.PadR)
		xs, xe := max(x0, 0), min(x1, x.w)
		d := out[ox*c : (ox+1)*c]
		if intMax {
			maxWindowBits(d, src, x.w, c, ys, ye, xs, xe)
			continue
		}
		if !x.avg {
			maxWindow(d, src, x.w, c, ys, ye, xs, xe)
			continue
		}
		area := (y1 - y0) * (x1 - x0)
		if !x.p.CountIncludePad {
			area = (ye - ys) * (xe - xs)
		}
		sumWindow(d, src, x.w, c, ys, ye, xs, xe)
		if area == 0 {
			area = 1
		}
		div := float32(area)
		for i := range d {
			d[i] /= div
		}
	}
}

// maxWindow writes to d the channel-wise maximum of pixels [ys, ye) x
// [xs, xe) of src (w pixels per row, c channels).
func maxWindow(d, src []float32, w, c, ys, ye, xs, xe int) {
	first := true
	for y := ys; y < ye; y++ {
		for xx := xs; xx < xe; xx++ {
			s := src[(y*w+xx)*c:][:len(d)]
			if first {
				copy(d, s)
				first = false
				continue
			}
			maxInto(d, s)
		}
	}
	if first { // an empty window: only padding
		for i := range d {
			d[i] = float32(math.Inf(-1))
		}
	}
}

// maxInto sets d[i] = max(d[i], s[i]), NaN winning. The builtin max
// compiles to branch-free code; a compare-and-branch mispredicts on
// unordered data and was 1.6x slower.
func maxInto(d, s []float32) {
	s = s[:len(d)]
	for i, v := range s {
		d[i] = max(d[i], v)
	}
}

// sumWindow writes to d the channel-wise sum of pixels [ys, ye) x [xs, xe)
// of src, in row-major window order.
func sumWindow(d, src []float32, w, c, ys, ye, xs, xe int) {
	clear(d)
	for y := ys; y < ye; y++ {
		for xx := xs; xx < xe; xx++ {
			s := src[(y*w+xx)*c:][:len(d)]
			for i, v := range s {
				d[i] += v
			}
		}
	}
}

// GlobalAvgPool writes the average over all h x w pixels of each image and
// channel of src (n x h x w x c, NHWC) to dst (n x c). Sums are taken in
// float32, pixel by pixel in row-major order.
func GlobalAvgPool(dst, src []float32, n, h, w, c int) error {
	in, err := tensorSize(n, h, w, c)
	if err != nil {
		return err
	}
	if h < 1 || w < 1 || c < 1 {
		return shapeErr("global pool input %dx%dx%dx%d", n, h, w, c)
	}
	if err := checkLen("global pool src", src, in); err != nil {
		return err
	}
	if err := checkLen("global pool dst", dst, n*c); err != nil {
		return err
	}
	div := float32(h * w)
	for i := 0; i < n; i++ {
		d := dst[i*c : (i+1)*c]
		sumWindow(d, src[i*h*w*c:], w, c, 0, h, 0, w)
		for j := range d {
			d[j] /= div
		}
	}
	return nil
}
