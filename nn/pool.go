package nn

import (
	"math"
	"sync"

	"github.com/gorn-ml/gorn/internal/idle"
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
	im       *kernels.Impl
	mu       sync.Mutex
	err      error // the first kernel error (none is expected: shapes were checked)
}

var poolCalls idle.List[poolCall]

// MaxPool writes the maximum of each window of src (n x h x w x c, NHWC) to
// dst (n x oh x ow x c, see [PoolParams.OutSize]). Padding never wins (it
// counts as -Inf); a NaN in a window gives NaN. opt selects the thread pool
// (nil: the calling goroutine only).
func MaxPool(dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(kernels.Active(), dst, src, n, h, w, c, p, false, opt)
}

// MaxPoolFor is [MaxPool] on the kernels level im, which must be available
// on this CPU.
func MaxPoolFor(im *kernels.Impl, dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(im, dst, src, n, h, w, c, p, false, opt)
}

// AvgPool writes the average of each window of src (n x h x w x c, NHWC) to
// dst (n x oh x ow x c, see [PoolParams.OutSize]); p.CountIncludePad
// chooses the divisor. opt selects the thread pool (nil: the calling
// goroutine only).
func AvgPool(dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(kernels.Active(), dst, src, n, h, w, c, p, true, opt)
}

// AvgPoolFor is [AvgPool] on the kernels level im, which must be available
// on this CPU.
func AvgPoolFor(im *kernels.Impl, dst, src []float32, n, h, w, c int, p PoolParams, opt *kernels.Options) error {
	return pool(im, dst, src, n, h, w, c, p, true, opt)
}

func pool(im *kernels.Impl, dst, src []float32, n, h, w, c int, p PoolParams, avg bool, opt *kernels.Options) error {
	if im == nil || !im.Available() {
		return shapeErr("kernels level is nil or not available on this CPU")
	}
	oh, ow, in, out, err := layerSizes(p.OutSize, n, h, w, c, c)
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
	x := poolCalls.Get()
	x.dst, x.src, x.h, x.w, x.c, x.oh, x.ow, x.p, x.avg = dst, src, h, w, c, oh, ow, p, avg
	x.im, x.err = im, nil
	rows := n * oh
	if threads := threadsOf(opt); threads > 1 && rows > 1 {
		opt.Pool.Run(rows, threads, x)
	} else {
		for r := 0; r < rows; r++ {
			x.Do(r, 0)
		}
	}
	err = x.err
	x.dst, x.src, x.im, x.err = nil, nil, nil, nil
	poolCalls.Put(x)
	return err
}

// Do computes output row task (image task/oh, row task%oh): the windows
// whose columns lie inside the input in one kernel call, those that reach
// into the left or right padding one by one.
func (x *poolCall) Do(task, _ int) {
	img, oy := task/x.oh, task%x.oh
	p := &x.p
	y0 := oy*p.StrideH - p.PadT
	y1 := min(y0+p.KH, x.h+p.PadB) // window end in the padded input
	ys, ye := max(y0, 0), min(y1, x.h)
	// Columns [oxa, oxb) start at or after the left edge and end at or
	// before the right one.
	oxa := min((p.PadL+p.StrideW-1)/p.StrideW, x.ow)
	oxb := oxa
	if last := x.w - p.KW + p.PadL; last >= 0 {
		oxb = min(max(last/p.StrideW+1, oxa), x.ow)
	}
	for ox := 0; ox < oxa; ox++ {
		x.windows(img, oy, ox, 1, ys, ye, y1-y0)
	}
	if oxb > oxa {
		x.windows(img, oy, oxa, oxb-oxa, ys, ye, y1-y0)
	}
	for ox := oxb; ox < x.ow; ox++ {
		x.windows(img, oy, ox, 1, ys, ye, y1-y0)
	}
}

// windows computes n windows of output row oy from column ox, all with the
// same clipping: input rows [ys, ye), padded height ph.
func (x *poolCall) windows(img, oy, ox, n, ys, ye, ph int) {
	p, c := &x.p, x.c
	x0 := ox*p.StrideW - p.PadL
	x1 := min(x0+p.KW, x.w+p.PadR)
	xs, xe := max(x0, 0), min(x1, x.w)
	d := x.dst[((img*x.oh+oy)*x.ow+ox)*c:][:n*c]
	if ye <= ys || xe <= xs { // only padding (ceil mode)
		v := float32(0)
		if !x.avg {
			v = float32(math.Inf(-1))
		}
		for i := range d {
			d[i] = v
		}
		return
	}
	g := kernels.Windows{C: c, N: n, Step: p.StrideW * c, KH: ye - ys, KW: xe - xs, LDH: x.w * c, LDW: c}
	s := x.src[((img*x.h+ys)*x.w+xs)*c:]
	var err error
	if x.avg {
		area := ph * (x1 - x0)
		if !p.CountIncludePad {
			area = (ye - ys) * (xe - xs)
		}
		err = x.im.AvgWindows(d, s, g, float32(area))
	} else {
		err = x.im.MaxWindows(d, s, g)
	}
	if err != nil {
		x.mu.Lock()
		if x.err == nil {
			x.err = err
		}
		x.mu.Unlock()
	}
}

// GlobalAvgPool writes the average over all h x w pixels of each image and
// channel of src (n x h x w x c, NHWC) to dst (n x c). Sums are taken in
// float32, pixel by pixel in row-major order.
func GlobalAvgPool(dst, src []float32, n, h, w, c int) error {
	return GlobalAvgPoolFor(kernels.Active(), dst, src, n, h, w, c)
}

// GlobalAvgPoolFor is [GlobalAvgPool] on the kernels level im, which must be
// available on this CPU.
func GlobalAvgPoolFor(im *kernels.Impl, dst, src []float32, n, h, w, c int) error {
	if im == nil || !im.Available() {
		return shapeErr("kernels level is nil or not available on this CPU")
	}
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
	g := kernels.Windows{C: c, N: 1, KH: 1, KW: h * w, LDW: c}
	for i := 0; i < n; i++ {
		if err := im.AvgWindows(dst[i*c:(i+1)*c], src[i*h*w*c:(i+1)*h*w*c], g, float32(h*w)); err != nil {
			return err
		}
	}
	return nil
}
