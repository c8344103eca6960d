package opt

import (
	"slices"

	"github.com/gorn-ml/gorn/graph"
)

// maxPad bounds a convolution's or pool's padding on one side, so that sums
// of fused pads cannot overflow the executor's size arithmetic.
const maxPad = 1 << 20

// LowerConv turns every 2-D Conv whose weights are a constant into
// gorn.Conv with its attributes explicit: kernel_shape (from the weights'
// shape), strides, pads [t, l, b, r], dilations, group and activation "".
// auto_pad is resolved when the input's shape is known. A Conv it cannot
// lower (weights computed at run time, not 2-D, auto_pad with an unknown
// input shape) is left for the executor to refuse; invalid attributes are
// an error.
func LowerConv(g *graph.Graph, o *Options) error {
	count := 0
	for _, n := range g.Nodes {
		if n.Op != "Conv" {
			continue
		}
		ok, err := lowerConv(n)
		if err != nil {
			return err
		}
		if ok {
			count++
		}
	}
	if count > 0 {
		g.Logf("%s: %d Conv -> %s", PassLowerConv, count, graph.OpConv)
	}
	return nil
}

// lowerConv rewrites Conv node n as gorn.Conv in place, reporting false
// when it cannot (and leaving n unchanged).
func lowerConv(n *graph.Node) (bool, error) {
	if n.Op == graph.OpConv {
		return true, nil
	}
	if err := n.CheckAttrs("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"); err != nil {
		return false, err
	}
	if len(n.Inputs) < 2 || len(n.Inputs) > 3 || len(n.Outputs) != 1 {
		return false, n.Errorf("has %d inputs and %d outputs, want 2 or 3 and 1", len(n.Inputs), len(n.Outputs))
	}
	w := n.Input(1)
	if !w.IsConst() || len(w.Const.Shape) != 4 || w.Const.DType != graph.Float32 {
		return false, nil
	}
	if b := n.Input(2); b != nil && !b.IsConst() {
		return false, nil
	}
	kernel := []int64{int64(w.Const.Shape[2]), int64(w.Const.Shape[3])}
	attrs, err := convAttrs(n, kernel)
	if err != nil || attrs == nil {
		return false, err
	}
	group := attrs["group"].Int
	oc := int64(w.Const.Shape[0])
	if oc == 0 || oc%group != 0 {
		return false, n.Errorf("%d output channels in %d groups", oc, group)
	}
	if x := n.Input(0); x != nil && len(x.Shape) == 4 && x.Shape[1] >= 0 && int64(x.Shape[1]) != int64(w.Const.Shape[1])*group {
		return false, n.Errorf("input has %d channels, weights %d x %d groups", x.Shape[1], w.Const.Shape[1], group)
	}
	if b := n.Input(2); b != nil && (len(b.Const.Shape) != 1 || int64(b.Const.Shape[0]) != oc) {
		return false, n.Errorf("bias of shape %v for %d output channels", b.Const.Shape, oc)
	}
	n.Op = graph.OpConv
	n.Attrs = attrs
	return true, nil
}

// convAttrs returns the explicit gorn.Conv attributes of Conv node n with
// the given kernel, or nil when auto_pad needs an input shape that is not
// known.
func convAttrs(n *graph.Node, kernel []int64) (graph.Attrs, error) {
	ints := func(name string, def int64, min int64) ([]int64, error) {
		v, err := n.Ints(name, []int64{def, def})
		if err != nil {
			return nil, err
		}
		if len(v) != 2 {
			return nil, n.Unsupportedf("%s %v (a 2-D conv has 2)", name, v)
		}
		for _, x := range v {
			if x < min || x > maxPad {
				return nil, n.Errorf("%s %v out of range", name, v)
			}
		}
		return slices.Clone(v), nil
	}
	strides, err := ints("strides", 1, 1)
	if err != nil {
		return nil, err
	}
	dil, err := ints("dilations", 1, 1)
	if err != nil {
		return nil, err
	}
	if ks, err := n.Ints("kernel_shape", kernel); err != nil {
		return nil, err
	} else if !slices.Equal(ks, kernel) {
		return nil, n.Errorf("kernel_shape %v but weights of %v", ks, kernel)
	}
	group, err := n.Int("group", 1)
	if err != nil {
		return nil, err
	}
	if group < 1 || group > 1<<30 {
		return nil, n.Errorf("group %d", group)
	}
	pads, err := padsAttr(n, kernel, strides, dil)
	if err != nil || pads == nil {
		return nil, err
	}
	return graph.Attrs{
		"kernel_shape": graph.Is(kernel...),
		"strides":      graph.Is(strides...),
		"pads":         graph.Is(pads...),
		"dilations":    graph.Is(dil...),
		"group":        graph.I(group),
		"activation":   graph.S(""),
	}, nil
}

// padsAttr returns the four explicit pads of a 2-D conv or pool node,
// resolving auto_pad (nil when that needs an unknown input shape).
func padsAttr(n *graph.Node, kernel, strides, dil []int64) ([]int64, error) {
	auto, err := n.Str("auto_pad", "NOTSET")
	if err != nil {
		return nil, err
	}
	switch auto {
	case "NOTSET", "":
		p, err := n.Ints("pads", []int64{0, 0, 0, 0})
		if err != nil {
			return nil, err
		}
		if len(p) != 4 {
			return nil, n.Unsupportedf("pads %v (a 2-D op has 4)", p)
		}
		for _, x := range p {
			if x < 0 || x > maxPad {
				return nil, n.Errorf("pads %v out of range", p)
			}
		}
		return slices.Clone(p), nil
	case "VALID":
		return []int64{0, 0, 0, 0}, nil
	case "SAME_UPPER", "SAME_LOWER":
	default:
		return nil, n.Unsupportedf("auto_pad %q (supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER)", auto)
	}
	x := n.Input(0)
	if x == nil || len(x.Shape) != 4 || !static(x.Shape) {
		return nil, nil
	}
	pads := make([]int64, 4)
	for i := range 2 {
		in := int64(x.Shape[2+i])
		out := (in + strides[i] - 1) / strides[i]
		total := max(0, (out-1)*strides[i]+(kernel[i]-1)*dil[i]+1-in)
		begin := total / 2
		if auto == "SAME_LOWER" {
			begin = total - total/2
		}
		pads[i], pads[2+i] = begin, total-begin
	}
	return pads, nil
}

// activation returns the "activation" attribute of a fused node: "" for
// none, "?" when it is present but not a string (nothing fuses into it).
func activation(n *graph.Node) string {
	a, ok := n.Attrs["activation"]
	if !ok {
		return ""
	}
	if a.Kind != graph.AttrString {
		return "?"
	}
	return a.Str
}

// hasResidual reports whether gorn.Conv node n has a Residual input.
func hasResidual(n *graph.Node) bool { return n.Input(3) != nil }
