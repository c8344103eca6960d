package graph

import (
	"math"
	"slices"
)

// OutputSize returns the output length of a sliding window (Conv, MaxPool,
// AveragePool) along one axis of length in: kernel k, stride s, dilation d,
// padding pb before and pe after. With ceil, a last partial window counts,
// unless it would start in the end padding (ONNX's and PyTorch's rule).
// It computes in int64, so arguments up to MaxElements (InferShapes checks)
// cannot overflow. It fails when the window does not fit the padded input,
// or the output does not fit an int.
func OutputSize(in, k, s, d, pb, pe int, ceil bool) (int, error) {
	if k < 1 || s < 1 || d < 1 || pb < 0 || pe < 0 || in < 0 {
		return 0, fmtErr(ErrInvalid, "window k=%d s=%d d=%d pads=%d,%d on %d", k, s, d, pb, pe, in)
	}
	// In int64: arguments up to MaxElements overflow a 32-bit int.
	ek := int64(k-1)*int64(d) + 1
	padded := int64(in) + int64(pb) + int64(pe)
	span := padded - ek
	if span < 0 {
		return 0, fmtErr(ErrInvalid, "window of extent %d exceeds the padded input %d", ek, padded)
	}
	s64 := int64(s)
	out := span/s64 + 1
	if ceil {
		out = (span+s64-1)/s64 + 1
		if (out-1)*s64 >= int64(in)+int64(pb) {
			out--
		}
	}
	if out > math.MaxInt {
		return 0, fmtErr(ErrUnsupported, "window output of %d elements on %d", out, in)
	}
	return int(out), nil
}

// SamePads returns the padding before and after an axis of length in that
// auto_pad SAME_UPPER (lower false) or SAME_LOWER (lower true) gives: the
// output is ceil(in/s) long, the odd pixel of padding goes at the end
// (UPPER) or the beginning (LOWER).
func SamePads(in, k, s, d int, lower bool) (pb, pe int) {
	out := (in + s - 1) / s
	total := max(0, (out-1)*s+(k-1)*d+1-in)
	if lower {
		return total - total/2, total / 2
	}
	return total / 2, total - total/2
}

// windowAttr reads an ints attribute of len entries, each in [lo,
// MaxElements], defaulting to def everywhere.
func windowAttr(n *Node, name string, count, lo, def int) ([]int, error) {
	raw, err := n.Ints(name, nil)
	if err != nil {
		return nil, err
	}
	out := make([]int, count)
	if raw == nil {
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	if len(raw) != count {
		return nil, n.Errorf("attribute %s has %d entries, want %d", name, len(raw), count)
	}
	for i, v := range raw {
		if v < int64(lo) || v > MaxElements {
			return nil, n.Errorf("attribute %s = %v out of range [%d, %d]", name, raw, lo, MaxElements)
		}
		out[i] = int(v)
	}
	return out, nil
}

func toInt64s(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

// window resolves the geometry of n's sliding window over the spatial dims
// in with kernel k: it writes explicit kernel_shape, strides, dilations and
// pads (begins then ends) into n's attributes, removes auto_pad (clearing
// ceil_mode when SAME decided the size), and returns the output sizes.
func window(n *Node, in, k []int) ([]int, error) {
	r := len(in)
	strides, err := windowAttr(n, "strides", r, 1, 1)
	if err != nil {
		return nil, err
	}
	dil, err := windowAttr(n, "dilations", r, 1, 1)
	if err != nil {
		return nil, err
	}
	pads, err := windowAttr(n, "pads", 2*r, 0, 0)
	if err != nil {
		return nil, err
	}
	ceil, err := n.Int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	auto, err := n.Str("auto_pad", "NOTSET")
	if err != nil {
		return nil, err
	}
	switch auto {
	case "NOTSET", "":
	case "VALID", "SAME_UPPER", "SAME_LOWER":
		if slices.ContainsFunc(pads, func(p int) bool { return p != 0 }) {
			return nil, n.Errorf("auto_pad %s together with pads %v", auto, pads)
		}
		if auto != "VALID" {
			for i := range r {
				pads[i], pads[r+i] = SamePads(in[i], k[i], strides[i], dil[i], auto == "SAME_LOWER")
			}
			if ceil != 0 {
				ceil = 0
				n.SetAttr("ceil_mode", I(0))
			}
		}
	default:
		return nil, n.Unsupportedf("auto_pad %q (supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER)", auto)
	}
	out := make([]int, r)
	for i := range r {
		if k[i] < 1 || k[i] > MaxElements {
			return nil, n.Errorf("kernel %v out of range", k)
		}
		o, err := OutputSize(in[i], k[i], strides[i], dil[i], pads[i], pads[r+i], ceil != 0)
		if err != nil {
			return nil, n.Errorf("spatial axis %d: %v", i, err)
		}
		out[i] = o
	}
	delete(n.Attrs, "auto_pad")
	n.SetAttr("kernel_shape", Is(toInt64s(k)...))
	n.SetAttr("strides", Is(toInt64s(strides)...))
	n.SetAttr("dilations", Is(toInt64s(dil)...))
	n.SetAttr("pads", Is(toInt64s(pads)...))
	return out, nil
}

// inferConv: Conv (X, W, B) and gorn.Conv (X, W, B, Residual).
func inferConv(n *Node) error {
	maxIn := 3
	if n.Op == OpConv {
		maxIn = 4
	}
	if err := arity(n, 2, maxIn, 1); err != nil {
		return err
	}
	for i := range n.Inputs {
		if err := wantType(n, i, Float32); err != nil {
			return err
		}
	}
	x, w := n.Inputs[0], n.Inputs[1]
	r := len(x.Shape)
	if r < 3 || len(w.Shape) != r {
		return n.Errorf("input %v and weight %v: want N, C, spatial... and M, C/group, kernel...", x.Shape, w.Shape)
	}
	k := w.Shape[2:]
	if ks, err := n.Ints("kernel_shape", nil); err != nil {
		return err
	} else if ks != nil && !slices.Equal(ks, toInt64s(k)) {
		return n.Errorf("kernel_shape %v but weight %v", ks, w.Shape)
	}
	group, err := n.Int("group", 1)
	if err != nil {
		return err
	}
	c, m := x.Shape[1], w.Shape[0]
	if group < 1 || int64(c)%group != 0 || int64(m)%group != 0 || int64(w.Shape[1])*group != int64(c) {
		return n.Errorf("group %d with %d input channels and weight %v", group, c, w.Shape)
	}
	sp, err := window(n, x.Shape[2:], k)
	if err != nil {
		return err
	}
	out := append([]int{x.Shape[0], m}, sp...)
	if b := n.Input(2); b != nil && !slices.Equal(b.Shape, []int{m}) {
		return n.Errorf("bias %s has shape %v, want [%d]", b, b.Shape, m)
	}
	if res := n.Input(3); res != nil && !slices.Equal(res.Shape, out) {
		return n.Errorf("residual %s has shape %v, want the output's %v", res, res.Shape, out)
	}
	return setOut(n, 0, Float32, out)
}

// inferPool: MaxPool (outputs Y and Indices) and AveragePool.
func inferPool(n *Node) error {
	maxOut := 1
	if n.Op == "MaxPool" {
		maxOut = 2
	}
	if err := arity(n, 1, 1, maxOut); err != nil {
		return err
	}
	x := n.Inputs[0]
	dt := Float32
	if n.Op == "MaxPool" && IsQuantType(x.DType) {
		dt = x.DType // max commutes with quantization
	}
	if err := wantType(n, 0, dt); err != nil {
		return err
	}
	if len(x.Shape) < 3 {
		return n.Errorf("input %s has shape %v, want N, C, spatial...", x, x.Shape)
	}
	ks, err := n.Ints("kernel_shape", nil)
	if err != nil {
		return err
	}
	if len(ks) != len(x.Shape)-2 {
		return n.Errorf("kernel_shape %v for input %v", ks, x.Shape)
	}
	k := make([]int, len(ks))
	for i, v := range ks {
		if v < 1 || v > MaxElements {
			return n.Errorf("kernel_shape %v out of range", ks)
		}
		k[i] = int(v)
	}
	sp, err := window(n, x.Shape[2:], k)
	if err != nil {
		return err
	}
	out := append([]int{x.Shape[0], x.Shape[1]}, sp...)
	if err := setOut(n, 0, dt, out); err != nil {
		return err
	}
	return setOut(n, 1, Int64, out)
}

func inferGlobalPool(n *Node) error {
	if err := arity(n, 1, 1, 1); err != nil {
		return err
	}
	if err := wantType(n, 0, Float32); err != nil {
		return err
	}
	x := n.Inputs[0]
	if len(x.Shape) < 3 {
		return n.Errorf("input %s has shape %v, want N, C, spatial...", x, x.Shape)
	}
	out := slices.Clone(x.Shape)
	for i := 2; i < len(out); i++ {
		if out[i] == 0 {
			return n.Errorf("pooling an empty input %v", x.Shape)
		}
		out[i] = 1
	}
	return setOut(n, 0, Float32, out)
}
