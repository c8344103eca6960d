package nn

import (
	"errors"
	"fmt"
	"math"
)

// ErrShape reports an invalid layer geometry, inconsistent sizes or a slice
// too short for the tensor it should hold.
var ErrShape = errors.New("nn: bad shape")

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...)
}

// ConvParams is the geometry of a 2-D convolution, as PyTorch's Conv2d
// describes it, with the padding of each side given separately.
type ConvParams struct {
	Cin, Cout        int // input and output channels
	KH, KW           int // kernel height and width
	StrideH, StrideW int // >= 1
	PadT, PadL       int // zero padding at the top and left, >= 0
	PadB, PadR       int // zero padding at the bottom and right, >= 0
	DilH, DilW       int // dilation; 0 is read as 1
	Groups           int // Cin and Cout are split in Groups groups; 0 is read as 1
}

// SquareConv returns the parameters of a k x k convolution with the same
// stride and padding in both directions, no dilation and one group: the
// convolutions of a ResNet (set Groups for ResNeXt).
func SquareConv(cin, cout, k, stride, pad int) ConvParams {
	return ConvParams{
		Cin: cin, Cout: cout, KH: k, KW: k, StrideH: stride, StrideW: stride,
		PadT: pad, PadL: pad, PadB: pad, PadR: pad, DilH: 1, DilW: 1, Groups: 1,
	}
}

// normalized returns p with zero dilation and groups read as 1.
func (p ConvParams) normalized() ConvParams {
	if p.DilH == 0 {
		p.DilH = 1
	}
	if p.DilW == 0 {
		p.DilW = 1
	}
	if p.Groups == 0 {
		p.Groups = 1
	}
	return p
}

// Validate checks the parameters on their own (the input size is checked
// by [ConvParams.OutSize]).
func (p ConvParams) Validate() error {
	p = p.normalized()
	switch {
	case p.Cin < 1 || p.Cout < 1:
		return shapeErr("conv channels %d -> %d must be >= 1", p.Cin, p.Cout)
	case p.KH < 1 || p.KW < 1:
		return shapeErr("conv kernel %dx%d must be >= 1x1", p.KH, p.KW)
	case p.StrideH < 1 || p.StrideW < 1:
		return shapeErr("conv stride %dx%d must be >= 1", p.StrideH, p.StrideW)
	case p.PadT < 0 || p.PadL < 0 || p.PadB < 0 || p.PadR < 0:
		return shapeErr("conv padding (top %d, left %d, bottom %d, right %d) must be >= 0", p.PadT, p.PadL, p.PadB, p.PadR)
	case p.DilH < 1 || p.DilW < 1:
		return shapeErr("conv dilation %dx%d must be >= 1", p.DilH, p.DilW)
	case p.Groups < 1 || p.Cin%p.Groups != 0 || p.Cout%p.Groups != 0:
		return shapeErr("conv groups %d must divide both Cin %d and Cout %d", p.Groups, p.Cin, p.Cout)
	}
	const limit = 1 << 24
	if p.Cin > limit || p.Cout > limit || p.KH > limit/p.KW || p.KH*p.KW > limit/p.Cin {
		return shapeErr("conv too large: %d -> %d channels, kernel %dx%d", p.Cin, p.Cout, p.KH, p.KW)
	}
	return nil
}

// OutSize returns the output height and width for an h x w input, or an
// error if the parameters are invalid or the (dilated) kernel is larger than
// the padded input.
func (p ConvParams) OutSize(h, w int) (oh, ow int, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	p = p.normalized()
	return outSize(h, w, p.KH, p.KW, p.StrideH, p.StrideW, p.PadT, p.PadL, p.PadB, p.PadR, p.DilH, p.DilW, false)
}

// outSize is the output size of a sliding window (floor mode, or PyTorch's
// ceil mode, in which the last window must start inside the input or its
// top/left padding).
func outSize(h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw int, ceil bool) (int, int, error) {
	const limit = 1 << 24
	if h < 1 || w < 1 || h > limit || w > limit {
		return 0, 0, shapeErr("input size %dx%d", h, w)
	}
	eh, ew := (kh-1)*dh+1, (kw-1)*dw+1
	ph, pw := h+pt+pb, w+pl+pr
	if eh > ph || ew > pw {
		return 0, 0, shapeErr("kernel %dx%d (%dx%d with dilation) is larger than the padded input %dx%d", kh, kw, eh, ew, ph, pw)
	}
	oh := dim(ph-eh, sh, h+pt, ceil)
	ow := dim(pw-ew, sw, w+pl, ceil)
	return oh, ow, nil
}

func dim(span, stride, limit int, ceil bool) int {
	if !ceil {
		return span/stride + 1
	}
	o := (span+stride-1)/stride + 1
	if (o-1)*stride >= limit {
		o--
	}
	return o
}

// checkLen reports a slice shorter than need elements.
func checkLen(name string, s []float32, need int) error {
	if len(s) < need {
		return shapeErr("%s has %d elements, needs %d", name, len(s), need)
	}
	return nil
}

// layerSizes returns the output size (oh, ow) that outSize gives a layer
// taking n x h x w x cin to n x oh x ow x cout, and the two tensors'
// element counts, checked as tensorSize checks them.
func layerSizes(outSize func(h, w int) (int, int, error), n, h, w, cin, cout int) (oh, ow, in, out int, err error) {
	if oh, ow, err = outSize(h, w); err != nil {
		return 0, 0, 0, 0, err
	}
	if in, err = tensorSize(n, h, w, cin); err != nil {
		return 0, 0, 0, 0, err
	}
	if out, err = tensorSize(n, oh, ow, cout); err != nil {
		return 0, 0, 0, 0, err
	}
	return oh, ow, in, out, nil
}

// tensorSize returns n*h*w*c, or an error if a size is negative or the
// product overflows.
func tensorSize(n, h, w, c int) (int, error) {
	const limit = min(1<<40, math.MaxInt) // 1<<40, or less where int is 32 bits
	if n < 0 || h < 0 || w < 0 || c < 0 {
		return 0, shapeErr("tensor %dx%dx%dx%d", n, h, w, c)
	}
	s := 1
	for _, d := range [...]int{n, h, w, c} {
		if d != 0 && s > limit/d {
			return 0, shapeErr("tensor %dx%dx%dx%d is too large", n, h, w, c)
		}
		s *= d
	}
	return s, nil
}
