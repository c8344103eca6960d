package onnx

import (
	"fmt"
	"slices"
)

// convLayer is a recognised Conv node with its constant weights.
type convLayer struct {
	node   *Node
	w, b   *Tensor // b may be nil
	cout   int
	cin    int // input channels (weight dim 1 times groups)
	k      int
	stride int
	pad    int
	groups int
	bn     *bnLayer // the BatchNormalization that follows, if kept
}

// bnLayer is a recognised BatchNormalization node.
type bnLayer struct {
	node                  *Node
	scale, bias, mean, vr *Tensor
	eps                   float32
}

// spatialPads are extra zero pads from a Pad node: top, left, bottom, right.
type spatialPads [4]int64

// intsAttr returns attribute name as ints, or def when absent.
func intsAttr(n *Node, name string, def []int64) ([]int64, error) {
	a := n.Attr(name)
	if a == nil {
		return def, nil
	}
	if a.Type != AttrInts && a.Type != AttrUndefined {
		return nil, fmt.Errorf("%v: attribute %s is not a list of ints", n, name)
	}
	return a.Ints, nil
}

func intAttr(n *Node, name string, def int64) (int64, error) {
	a := n.Attr(name)
	if a == nil {
		return def, nil
	}
	if a.Type != AttrInt && a.Type != AttrUndefined {
		return 0, fmt.Errorf("%v: attribute %s is not an int", n, name)
	}
	return a.I, nil
}

func floatAttr(n *Node, name string, def float32) (float32, error) {
	a := n.Attr(name)
	if a == nil {
		return def, nil
	}
	if a.Type != AttrFloat && a.Type != AttrUndefined {
		return 0, fmt.Errorf("%v: attribute %s is not a float", n, name)
	}
	return a.F, nil
}

func stringAttr(n *Node, name, def string) (string, error) {
	a := n.Attr(name)
	if a == nil {
		return def, nil
	}
	if a.Type != AttrString && a.Type != AttrUndefined {
		return "", fmt.Errorf("%v: attribute %s is not a string", n, name)
	}
	return a.S, nil
}

// window is the common geometry of Conv and the pools: a square kernel,
// equal strides, symmetric padding (after adding extra), no dilation.
func window(n *Node, kernel int64, extra spatialPads) (stride, pad int, err error) {
	ks, err := intsAttr(n, "kernel_shape", []int64{kernel, kernel})
	if err != nil {
		return 0, 0, err
	}
	st, err := intsAttr(n, "strides", []int64{1, 1})
	if err != nil {
		return 0, 0, err
	}
	pads, err := intsAttr(n, "pads", []int64{0, 0, 0, 0})
	if err != nil {
		return 0, 0, err
	}
	dil, err := intsAttr(n, "dilations", []int64{1, 1})
	if err != nil {
		return 0, 0, err
	}
	auto, err := stringAttr(n, "auto_pad", "NOTSET")
	if err != nil {
		return 0, 0, err
	}
	if !slices.Equal(ks, []int64{kernel, kernel}) {
		return 0, 0, fmt.Errorf("%v: kernel_shape %v, want [%d %d]", n, ks, kernel, kernel)
	}
	if len(st) != 2 || st[0] != st[1] || st[0] < 1 || st[0] > 2 {
		return 0, 0, fmt.Errorf("%v: strides %v not supported (want equal strides of 1 or 2)", n, st)
	}
	if !slices.Equal(dil, []int64{1, 1}) {
		return 0, 0, fmt.Errorf("%v: dilations %v not supported", n, dil)
	}
	switch auto {
	case "NOTSET", "":
	case "VALID":
		pads = []int64{0, 0, 0, 0}
	case "SAME_UPPER", "SAME_LOWER":
		if st[0] != 1 || kernel%2 == 0 {
			return 0, 0, fmt.Errorf("%v: auto_pad %s with stride %d is asymmetric", n, auto, st[0])
		}
		pads = []int64{kernel / 2, kernel / 2, kernel / 2, kernel / 2}
	default:
		return 0, 0, fmt.Errorf("%v: auto_pad %q not supported", n, auto)
	}
	if len(pads) != 4 {
		return 0, 0, fmt.Errorf("%v: pads %v, want 4 values", n, pads)
	}
	p := pads[0] + extra[0]
	for i := 1; i < 4; i++ {
		if pads[i]+extra[i] != p {
			return 0, 0, fmt.Errorf("%v: asymmetric padding %v (+%v) not supported", n, pads, extra)
		}
	}
	if p < 0 || p > kernel {
		return 0, 0, fmt.Errorf("%v: padding %d not supported", n, p)
	}
	return int(st[0]), int(p), nil
}

// conv recognises a Conv node whose weights (and bias) are constants.
func (x *graphIndex) conv(n *Node, extra spatialPads) (*convLayer, error) {
	if len(n.Inputs) < 2 || len(n.Inputs) > 3 {
		return nil, fmt.Errorf("%v: %d inputs, want 2 or 3", n, len(n.Inputs))
	}
	c := &convLayer{node: n, w: x.constant(n.Inputs[1])}
	if c.w == nil {
		return nil, fmt.Errorf("%v: weight %q is not a constant", n, n.Inputs[1])
	}
	if len(c.w.Dims) != 4 || c.w.Dims[2] != c.w.Dims[3] || c.w.n == 0 {
		return nil, fmt.Errorf("%v: weight dims %v, want [out in k k]", n, c.w.Dims)
	}
	if len(n.Inputs) == 3 && n.Inputs[2] != "" {
		if c.b = x.constant(n.Inputs[2]); c.b == nil {
			return nil, fmt.Errorf("%v: bias %q is not a constant", n, n.Inputs[2])
		}
		if !slices.Equal(c.b.Dims, c.w.Dims[:1]) {
			return nil, fmt.Errorf("%v: bias dims %v, want [%d]", n, c.b.Dims, c.w.Dims[0])
		}
	}
	g, err := intAttr(n, "group", 1)
	if err != nil {
		return nil, err
	}
	if g < 1 || c.w.Dims[0]%g != 0 || c.w.Dims[0] > 1<<20 || c.w.Dims[1] > 1<<20 || g > 1<<20 {
		return nil, fmt.Errorf("%v: group %d does not divide %d output channels", n, g, c.w.Dims[0])
	}
	c.cout, c.cin, c.k, c.groups = int(c.w.Dims[0]), int(c.w.Dims[1]*g), int(c.w.Dims[2]), int(g)
	if c.stride, c.pad, err = window(n, c.w.Dims[2], extra); err != nil {
		return nil, err
	}
	if c.pad != c.k/2 {
		return nil, fmt.Errorf("%v: padding %d for a %dx%d kernel, want %d", n, c.pad, c.k, c.k, c.k/2)
	}
	return c, nil
}

// bn recognises a BatchNormalization node in inference mode.
func (x *graphIndex) bn(n *Node) (*bnLayer, error) {
	if len(n.Inputs) != 5 {
		return nil, fmt.Errorf("%v: %d inputs, want 5", n, len(n.Inputs))
	}
	for _, o := range n.Outputs[1:] {
		if o != "" && len(x.consumers(o)) > 0 {
			return nil, fmt.Errorf("%v: training outputs are used", n)
		}
	}
	if tm, err := intAttr(n, "training_mode", 0); err != nil || tm != 0 {
		return nil, fmt.Errorf("%v: training_mode is set", n)
	}
	b := &bnLayer{node: n}
	var err error
	if b.eps, err = floatAttr(n, "epsilon", 1e-5); err != nil {
		return nil, err
	}
	if !(b.eps >= 0 && b.eps <= 1) {
		return nil, fmt.Errorf("%v: epsilon %g", n, b.eps)
	}
	ts := []**Tensor{&b.scale, &b.bias, &b.mean, &b.vr}
	for i, p := range ts {
		t := x.constant(n.Inputs[i+1])
		if t == nil {
			return nil, fmt.Errorf("%v: input %q is not a constant", n, n.Inputs[i+1])
		}
		if len(t.Dims) != 1 || (i > 0 && t.Dims[0] != b.scale.Dims[0]) {
			return nil, fmt.Errorf("%v: input %q has dims %v", n, n.Inputs[i+1], t.Dims)
		}
		*p = t
	}
	return b, nil
}

// channels is the BN's channel count.
func (b *bnLayer) channels() int { return int(b.scale.Dims[0]) }

// pad recognises a constant zero Pad over the spatial dimensions.
func (x *graphIndex) pad(n *Node, opset int64) (spatialPads, error) {
	var p spatialPads
	mode, err := stringAttr(n, "mode", "constant")
	if err != nil {
		return p, err
	}
	if mode != "constant" {
		return p, fmt.Errorf("%v: mode %q not supported", n, mode)
	}
	pads, err := intsAttr(n, "pads", nil)
	if err != nil {
		return p, err
	}
	value, err := floatAttr(n, "value", 0)
	if err != nil {
		return p, err
	}
	axes := []int64{0, 1, 2, 3}
	if opset >= 11 {
		if pads, value, axes, err = x.padInputs(n); err != nil {
			return p, err
		}
	}
	if value != 0 {
		return p, fmt.Errorf("%v: pad value %g, want 0", n, value)
	}
	if len(pads) != 2*len(axes) {
		return p, fmt.Errorf("%v: %d pads for %d axes", n, len(pads), len(axes))
	}
	for i, a := range axes {
		if a < 0 {
			a += 4
		}
		begin, end := pads[i], pads[i+len(axes)]
		switch a {
		case 2, 3:
			p[a-2], p[a] = p[a-2]+begin, p[a]+end
		default:
			if begin != 0 || end != 0 {
				return p, fmt.Errorf("%v: pads on axis %d", n, a)
			}
		}
	}
	for _, v := range p {
		if v < 0 || v > 8 {
			return p, fmt.Errorf("%v: pads %v not supported", n, pads)
		}
	}
	return p, nil
}

// padInputs reads the opset-11 input form of Pad: pads, value, axes.
func (x *graphIndex) padInputs(n *Node) (pads []int64, value float32, axes []int64, err error) {
	axes = []int64{0, 1, 2, 3}
	if len(n.Inputs) < 2 || x.constant(n.Inputs[1]) == nil {
		return nil, 0, nil, fmt.Errorf("%v: pads are not a constant", n)
	}
	if pads, err = x.constant(n.Inputs[1]).Int64s(); err != nil {
		return nil, 0, nil, err
	}
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		t := x.constant(n.Inputs[2])
		if t == nil || t.n != 1 {
			return nil, 0, nil, fmt.Errorf("%v: pad value is not a constant scalar", n)
		}
		v, err := t.Float32s()
		if err != nil {
			return nil, 0, nil, err
		}
		value = v[0]
	}
	if len(n.Inputs) > 3 && n.Inputs[3] != "" {
		t := x.constant(n.Inputs[3])
		if t == nil {
			return nil, 0, nil, fmt.Errorf("%v: axes are not a constant", n)
		}
		if axes, err = t.Int64s(); err != nil {
			return nil, 0, nil, err
		}
	}
	return pads, value, axes, nil
}

// maxPool checks a MaxPool node is the ImageNet stem's 3x3/2 pad-1 pool.
func maxPool(n *Node, extra spatialPads) error {
	if len(n.Outputs) > 1 && n.Outputs[1] != "" {
		return fmt.Errorf("%v: indices output not supported", n)
	}
	if c, err := intAttr(n, "ceil_mode", 0); err != nil || c != 0 {
		return fmt.Errorf("%v: ceil_mode not supported", n)
	}
	st, pad, err := window(n, 3, extra)
	if err != nil {
		return err
	}
	if st != 2 || pad != 1 {
		return fmt.Errorf("%v: stride %d pad %d, want the 3x3 stride-2 pad-1 stem pool", n, st, pad)
	}
	return nil
}
