package nn

import (
	"github.com/gorn-ml/gorn/internal/idle"
	"github.com/gorn-ml/gorn/kernels"
)

// Epilogue is what a layer does to its result as it stores it, after the
// bias:
//
//	dst = relu?( (Residual ? dst : 0) + conv(src) + bias )
type Epilogue struct {
	// Residual adds the result to the values already in dst (the shortcut
	// of a residual block, added in place).
	Residual bool
	// ReLU clamps the stored value at zero (NaN also becomes zero).
	ReLU bool
}

// Conv is a 2-D convolution with packed weights and an optional bias. It is
// read-only after [NewConv]: any number of goroutines may call Forward at
// once, each with its own scratch space.
type Conv struct {
	p           ConvParams // normalized
	im          *kernels.Impl
	cing, coutg int // channels per group
	kg          int // GEMM K per group: KH*KW*cing
	pointwise   bool
	stacked     bool                 // A's columns in (kw, kh, c) order, see im2col.StackedRows
	packed      []*kernels.PackedB   // one per group
	bias        []float32            // Cout values, or nil
	scratchPool idle.List[[]float32] // for calls without scratch
	blockRows   int                  // rows of A per im2col block
	algo        ConvAlgo             // never AlgoAuto
	wino        *winograd            // for the Winograd algorithms, else nil
}

// NewConv packs weights for the active kernels level. weights is PyTorch's
// OIHW layout, Cout x (Cin/Groups) x KH x KW; bias has Cout values or is
// nil. Neither slice is retained.
func NewConv(p ConvParams, weights, bias []float32) (*Conv, error) {
	return NewConvFor(kernels.Active(), p, weights, bias)
}

// NewConvFor is [NewConv] for a given kernels level (see kernels.Impls),
// which must be available on this CPU. It uses [DefaultAlgo].
func NewConvFor(im *kernels.Impl, p ConvParams, weights, bias []float32) (*Conv, error) {
	return NewConvForInput(im, p, weights, bias, 0, 0)
}

// NewConvForInput is [NewConvFor] for inputs of h x w pixels: with
// [DefaultAlgo] at AlgoAuto the algorithm is AutoAlgo(p, h, w) (h, w = 0:
// ResNet's map size for the channel count); a forced Winograd setting falls
// back to im2col where Winograd does not apply.
func NewConvForInput(im *kernels.Impl, p ConvParams, weights, bias []float32, h, w int) (*Conv, error) {
	algo := DefaultAlgo
	switch {
	case algo == AlgoAuto:
		algo = autoAlgo(im, p, h, w)
	case !algo.Applies(p):
		algo = AlgoIm2col
	}
	return NewConvAlgo(im, p, weights, bias, algo)
}

// NewConvAlgo is [NewConvFor] with the algorithm algo. AlgoAuto is
// [AutoAlgo] for ResNet's map sizes: for 3x3 convolutions (no dilation,
// one group) with 32 to 512 input and output channels, Winograd F(4x4,
// 3x3), F(3x3, 3x3) or F(2x2, 3x3) at stride 1 and F(2x2, 3x3) at stride
// 2 where they measured faster than im2col on ResNet's layers (1.2 to 3
// times); im2col otherwise. To choose for a known input size, pass AutoAlgo(p, h, w). A
// Winograd algorithm returns an error for geometries it does not apply to
// (see [ConvAlgo.Applies]).
func NewConvAlgo(im *kernels.Impl, p ConvParams, weights, bias []float32, algo ConvAlgo) (*Conv, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if im == nil || !im.Available() {
		return nil, shapeErr("kernels level is nil or not available on this CPU")
	}
	switch {
	case algo == AlgoAuto:
		algo = autoAlgo(im, p, 0, 0)
	case algo == AlgoIm2col:
	case algo.winoM() > 0:
		if !algo.Applies(p) {
			strides := "stride 1"
			if algo == AlgoWinograd2 {
				strides = "stride 1 or 2"
			}
			return nil, shapeErr("%v needs a 3x3 kernel, %s, no dilation and one group", algo, strides)
		}
	default:
		return nil, shapeErr("unknown convolution algorithm %d", int(algo))
	}
	p = p.normalized()
	c := &Conv{p: p, im: im, cing: p.Cin / p.Groups, coutg: p.Cout / p.Groups, algo: algo}
	c.kg = p.KH * p.KW * c.cing
	c.pointwise = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.PadB == 0 && p.PadR == 0
	c.stacked = p.Groups == 1 && p.DilW == 1 && p.KW > 1 && p.Cin*p.KW < stackedBelow
	if err := checkLen("conv weights", weights, p.Cout*c.kg); err != nil {
		return nil, err
	}
	if len(weights) != p.Cout*c.kg {
		return nil, shapeErr("conv weights have %d elements, OIHW %dx%dx%dx%d has %d", len(weights), p.Cout, c.cing, p.KH, p.KW, p.Cout*c.kg)
	}
	if bias != nil {
		if len(bias) != p.Cout {
			return nil, shapeErr("conv bias has %d elements, want Cout = %d", len(bias), p.Cout)
		}
		c.bias = append([]float32(nil), bias...)
	}
	if algo != AlgoIm2col {
		var err error
		c.wino, err = newWinograd(im, p, weights, algo.winoM(), p.StrideH)
		return c, err
	}
	bt := make([]float32, c.coutg*c.kg)
	for g := 0; g < p.Groups; g++ {
		for o := 0; o < c.coutg; o++ {
			c.filterRow(bt[o*c.kg:][:c.kg], weights[(g*c.coutg+o)*c.kg:][:c.kg])
		}
		pb, err := im.PackBTransposed(c.kg, c.coutg, bt, c.kg)
		if err != nil {
			return nil, err
		}
		c.packed = append(c.packed, pb)
	}
	c.blockRows = blockRows(im, p.Groups*c.kg)
	return c, nil
}

// filterRow lays out one OIHW filter f as a row of Bᵀ, in the order in
// which im2col lays out a row of A: (kh, kw, cin), or (kw, kh, cin) for the
// stacked layout.
func (c *Conv) filterRow(row, f []float32) {
	kh, kw := c.p.KH, c.p.KW
	for ci := 0; ci < c.cing; ci++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				t := y*kw + x
				if c.stacked {
					t = x*kh + y
				}
				row[t*c.cing+ci] = f[(ci*kh+y)*kw+x]
			}
		}
	}
}

// Params returns the convolution's geometry (with dilation and groups of 0
// read as 1).
func (c *Conv) Params() ConvParams { return c.p }

// Algo returns the algorithm the convolution runs (never AlgoAuto).
func (c *Conv) Algo() ConvAlgo { return c.algo }

// Impl returns the kernels level the weights were packed for.
func (c *Conv) Impl() *kernels.Impl { return c.im }

// Bias returns the bias (Cout values), or nil. Do not modify it.
func (c *Conv) Bias() []float32 { return c.bias }

// OutSize returns the output size for an h x w input; see
// [ConvParams.OutSize].
func (c *Conv) OutSize(h, w int) (oh, ow int, err error) { return c.p.OutSize(h, w) }

// WeightBytes is the memory the packed weights and bias hold.
func (c *Conv) WeightBytes() int {
	b := 4 * len(c.bias)
	if c.wino != nil {
		b += c.wino.bytes()
	}
	for _, pb := range c.packed {
		b += pb.Bytes()
	}
	return b
}

// ScratchSize is the number of floats of scratch space [Conv.Forward] needs
// for n images of h x w pixels with the same opt (0 for a 1x1 stride-1
// convolution, or for an invalid size, which Forward rejects anyway).
func (c *Conv) ScratchSize(n, h, w int, opt *kernels.Options) int {
	oh, ow, err := c.p.OutSize(h, w)
	if err != nil || n < 1 {
		return 0
	}
	if c.wino != nil {
		return c.winoPlan(n, oh, ow, threadsOf(opt)).scratch
	}
	return c.plan(n*oh*ow, ow, threadsOf(opt)).scratch
}

// Forward computes the convolution of src, n images of h x w pixels with
// Cin channels (NHWC), into dst, n images of oh x ow pixels with Cout
// channels (see [Conv.OutSize]), with the epilogue ep. scratch must hold
// [Conv.ScratchSize] floats, or be nil to use an internal pool. opt selects
// the thread pool (nil: the calling goroutine only). dst must not overlap
// src or scratch. Shapes are checked first: on error nothing is written.
func (c *Conv) Forward(dst, src []float32, n, h, w int, ep Epilogue, scratch []float32, opt *kernels.Options) error {
	oh, ow, in, out, err := layerSizes(c.p.OutSize, n, h, w, c.p.Cin, c.p.Cout)
	if err != nil {
		return err
	}
	if err := checkLen("conv src", src, in); err != nil {
		return err
	}
	if err := checkLen("conv dst", dst, out); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	var pl convPlan
	var wp winoPlan
	if c.wino != nil {
		wp = c.winoPlan(n, oh, ow, threadsOf(opt))
		pl.scratch = wp.scratch
	} else {
		pl = c.plan(n*oh*ow, ow, threadsOf(opt))
	}
	var pooled *[]float32
	if scratch == nil && pl.scratch > 0 {
		pooled = c.getScratch(pl.scratch)
		scratch = *pooled
	}
	if err := checkLen("conv scratch", scratch, pl.scratch); err != nil {
		return err
	}
	if c.wino != nil {
		err = c.winoForward(dst, src, h, w, oh, ow, ep, scratch, wp, opt)
		if pooled != nil {
			c.scratchPool.Put(pooled)
		}
		return err
	}
	x := calls.Get()
	x.c, x.dst, x.src, x.scratch, x.ep, x.opt, x.pl, x.err = c, dst, src, scratch, ep, opt, pl, nil
	x.geom(n, h, w, oh, ow)
	err = x.run()
	x.c, x.dst, x.src, x.scratch, x.opt = nil, nil, nil, nil, nil
	calls.Put(x)
	if pooled != nil {
		c.scratchPool.Put(pooled)
	}
	return err
}

func (c *Conv) getScratch(size int) *[]float32 {
	s := c.scratchPool.Get()
	if cap(*s) < size {
		*s = make([]float32, size)
	}
	*s = (*s)[:size]
	return s
}

// threadsOf returns how many threads opt lets a call use.
func threadsOf(opt *kernels.Options) int {
	if opt == nil || opt.Pool == nil {
		return 1
	}
	t := opt.Pool.Threads()
	if opt.Threads > 0 && opt.Threads < t {
		t = opt.Threads
	}
	return t
}
