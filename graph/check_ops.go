package graph

import (
	"slices"
)

// constInputs returns a check that the given inputs, when present, are
// static (the executor needs their values at compile time).
func constInputs(idx ...int) func(c *checker, n *Node) error {
	return func(c *checker, n *Node) error {
		for _, i := range idx {
			if v := n.Input(i); c.act(v) {
				return n.Unsupportedf("input %d (%s) is computed at run time (supported: a constant)", i, v)
			}
		}
		return nil
	}
}

// known reports whether the inputs idx of n are constants (absent counts):
// the rules that read their values wait until folding has made them so.
func known(n *Node, idx ...int) bool {
	for _, i := range idx {
		if v := n.Input(i); v != nil && v.Const == nil {
			return false
		}
	}
	return true
}

// rank4 checks that the activation input 0 of n, when its shape is known,
// is NCHW.
func rank4(n *Node) error {
	if x := n.Input(0); x != nil && x.Shape != nil && len(x.Shape) != 4 {
		return n.Unsupportedf("input of shape %v (supported: 2-D, NCHW)", x.Shape)
	}
	return nil
}

func checkRank4(_ *checker, n *Node) error { return rank4(n) }

func checkActivation(n *Node) error {
	act, err := n.Str("activation", "")
	if err != nil {
		return err
	}
	switch act {
	case "", "relu":
		if _, ok := n.Attrs["min"]; ok {
			return n.Unsupportedf("min without activation clip")
		}
		if _, ok := n.Attrs["max"]; ok {
			return n.Unsupportedf("max without activation clip")
		}
	case "clip":
		if _, err := n.Float("min", 0); err != nil {
			return err
		}
		if _, err := n.Float("max", 0); err != nil {
			return err
		}
	default:
		return n.Unsupportedf("activation %q (supported: \"\", relu, clip)", act)
	}
	return nil
}

func checkConv(c *checker, n *Node) error {
	if err := constInputs(1, 2)(c, n); err != nil {
		return err
	}
	if n.Op == OpConv {
		if err := checkActivation(n); err != nil {
			return err
		}
	}
	if auto, _ := n.Str("auto_pad", "NOTSET"); !slices.Contains([]string{"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"}, auto) {
		return n.Unsupportedf("auto_pad %q (supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER)", auto)
	}
	group, err := n.Int("group", 1)
	if err != nil {
		return err
	}
	x, w := n.Input(0), n.Input(1)
	if x == nil || w == nil {
		return n.Errorf("wants inputs X and W")
	}
	if err := rank4(n); err != nil {
		return err
	}
	if x.Shape != nil && w.Shape != nil && len(x.Shape) == 4 && len(w.Shape) == 4 {
		cin, m := int64(x.Shape[1]), int64(w.Shape[0])
		if group < 1 || cin%group != 0 || m%group != 0 || int64(w.Shape[1])*group != cin {
			return n.Unsupportedf("group %d does not divide %d input and %d output channels with weight %v (supported: groups that divide both)", group, cin, m, w.Shape)
		}
	}
	return nil
}

func checkScaleShift(c *checker, n *Node) error {
	if err := constInputs(1, 2)(c, n); err != nil {
		return err
	}
	return checkActivation(n)
}

func checkBatchNorm(c *checker, n *Node) error {
	if len(n.Outputs) != 1 {
		return n.Unsupportedf("%d outputs (supported: inference mode, one output)", len(n.Outputs))
	}
	if t, _ := n.Int("training_mode", 0); t != 0 {
		return n.Unsupportedf("training_mode %d (supported: 0)", t)
	}
	if s, _ := n.Int("spatial", 1); s != 1 {
		return n.Unsupportedf("spatial %d (supported: 1)", s)
	}
	return constInputs(1, 2, 3, 4)(c, n)
}

// unused checks that output i of n, if it exists, is not read.
func unused(n *Node, i int, what string) error {
	if i < len(n.Outputs) && len(n.Outputs[i].Users) > 0 {
		return n.Unsupportedf("output %s (%s) is read (supported: only the first output)", n.Outputs[i], what)
	}
	return nil
}

func checkPool(_ *checker, n *Node) error {
	if err := rank4(n); err != nil {
		return err
	}
	if n.Op == "MaxPool" {
		if s, _ := n.Int("storage_order", 0); s != 0 {
			return n.Unsupportedf("storage_order %d (supported: 0)", s)
		}
		return unused(n, 1, "Indices")
	}
	if d, _ := n.Ints("dilations", nil); slices.ContainsFunc(d, func(v int64) bool { return v != 1 }) {
		return n.Unsupportedf("dilations %v (supported: 1 for AveragePool)", d)
	}
	return nil
}

func checkDropout(c *checker, n *Node) error {
	if err := unused(n, 1, "mask"); err != nil {
		return err
	}
	if err := constInputs(1)(c, n); err != nil {
		return err
	}
	if v := n.Input(2); v != nil {
		d, err := constInts(n, 2, 1)
		if err != nil || len(d) != 1 || d[0] != 0 {
			return n.Unsupportedf("training_mode input %s (supported: absent or a constant false)", v)
		}
	}
	return nil
}

func checkCast(c *checker, n *Node) error {
	to, err := n.Int("to", 0)
	if err != nil {
		return err
	}
	dt, err := CastType(to)
	if err != nil {
		return n.Unsupportedf("%v", err)
	}
	if c.anyAct(n) && dt != Float32 {
		return n.Unsupportedf("cast of an activation to ONNX type %d (supported: FLOAT, DOUBLE)", to)
	}
	return nil
}

// checkElementwise: an activation operand must not be broadcast to a
// higher rank (its batch axis would move).
func checkElementwise(c *checker, n *Node) error {
	o := n.Outputs[0]
	for i, v := range n.Inputs {
		if c.act(v) && v.Shape != nil && o.Shape != nil && len(v.Shape) != len(o.Shape) {
			return n.Unsupportedf("input %d (%s) of shape %v broadcast to %v moves its batch axis (supported: operands of the output's rank)", i, v, v.Shape, o.Shape)
		}
	}
	return nil
}

// noAxis0 refuses an operation along axis 0 of an activation.
func noAxis0(c *checker, n *Node, axes []int) error {
	if c.anyAct(n) && slices.Contains(axes, 0) {
		return n.Unsupportedf("works along axis 0, the batch (supported: axes >= 1)")
	}
	return nil
}

func checkReduce(c *checker, n *Node) error {
	if err := constInputs(1)(c, n); err != nil {
		return err
	}
	x := n.Input(0)
	if x == nil || x.Shape == nil || !known(n, 1) {
		return nil
	}
	axes, err := ReduceAxes(n, len(x.Shape))
	if err != nil {
		return err
	}
	return noAxis0(c, n, axes)
}

// checkAxisAttr: Softmax, LogSoftmax, Concat along "axis" (default def).
func checkAxisAttr(def int64) func(c *checker, n *Node) error {
	return func(c *checker, n *Node) error {
		x := n.Input(0)
		if x == nil || x.Shape == nil {
			return nil
		}
		a, err := n.Int("axis", def)
		if err != nil {
			return err
		}
		axis, err := normAxis(n, a, len(x.Shape))
		if err != nil {
			return err
		}
		return noAxis0(c, n, []int{axis})
	}
}

func checkGemm(c *checker, n *Node) error {
	if err := constInputs(1, 2)(c, n); err != nil {
		return err
	}
	if t, _ := n.Int("transA", 0); t != 0 && c.act(n.Input(0)) {
		return n.Unsupportedf("transA on an activation (supported: transA 0)")
	}
	return nil
}

func checkMatMul(c *checker, n *Node) error {
	if err := constInputs(1)(c, n); err != nil {
		return err
	}
	if a := n.Input(0); c.act(a) && a.Shape != nil && len(a.Shape) < 2 {
		return n.Unsupportedf("activation %s of rank %d (supported: rank >= 2)", a, len(a.Shape))
	}
	return nil
}

func checkFlatten(c *checker, n *Node) error {
	x := n.Input(0)
	a, err := n.Int("axis", 1)
	if err != nil || x == nil || x.Shape == nil {
		return err
	}
	if a == 0 || a == -int64(len(x.Shape)) {
		return noAxis0(c, n, []int{0})
	}
	return nil
}

func checkSqueeze(c *checker, n *Node) error {
	if err := constInputs(1)(c, n); err != nil {
		return err
	}
	x := n.Input(0)
	if !c.act(x) {
		return nil
	}
	if n.Input(1) == nil {
		return n.Unsupportedf("without axes on an activation: it would drop the batch axis (supported: explicit axes >= 1)")
	}
	if x.Shape == nil || !known(n, 1) {
		return nil
	}
	raw, err := constInts(n, 1, MaxRank)
	if err != nil {
		return err
	}
	axes, err := normAxes(n, raw, len(x.Shape))
	if err != nil {
		return err
	}
	return noAxis0(c, n, axes)
}

func checkUnsqueeze(c *checker, n *Node) error {
	if err := constInputs(1)(c, n); err != nil {
		return err
	}
	x := n.Input(0)
	if !c.act(x) || x.Shape == nil || !known(n, 1) {
		return nil
	}
	raw, err := constInts(n, 1, MaxRank)
	if err != nil {
		return err
	}
	axes, err := normAxes(n, raw, len(x.Shape)+len(raw))
	if err != nil {
		return err
	}
	return noAxis0(c, n, axes)
}

func checkTranspose(c *checker, n *Node) error {
	x := n.Input(0)
	if !c.act(x) || x.Shape == nil {
		return nil
	}
	perm, err := Perm(n, len(x.Shape))
	if err != nil {
		return err
	}
	if len(perm) == 0 || perm[0] != 0 {
		return n.Unsupportedf("perm %v moves the batch axis (supported: perm[0] = 0)", perm)
	}
	return nil
}

func checkSlice(c *checker, n *Node) error {
	if err := constInputs(1, 2, 3, 4)(c, n); err != nil {
		return err
	}
	x := n.Input(0)
	if !c.act(x) || x.Shape == nil || !known(n, 1, 2, 3, 4) {
		return nil
	}
	rs, err := Slices(n, x.Shape)
	if err != nil {
		return err
	}
	ends, _ := constInts(n, 2, MaxRank)
	for i, r := range rs {
		if r.Axis == 0 && (r.Start != 0 || r.Step != 1 || ends[i] < MaxElements) {
			return n.Unsupportedf("slices axis 0, the batch (supported: axes >= 1, or all of axis 0)")
		}
	}
	return nil
}

func checkPad(c *checker, n *Node) error {
	if mode, _ := n.Str("mode", "constant"); mode != "constant" {
		return n.Unsupportedf("mode %q (supported: constant)", mode)
	}
	if err := constInputs(1, 2, 3)(c, n); err != nil {
		return err
	}
	x := n.Input(0)
	if !c.act(x) || x.Shape == nil || !known(n, 1, 3) {
		return nil
	}
	b, e, err := Pads(n, len(x.Shape))
	if err != nil {
		return err
	}
	for i := range b {
		if b[i] < 0 || e[i] < 0 {
			return n.Unsupportedf("negative pads (supported: pads >= 0)")
		}
	}
	if b[0] != 0 || e[0] != 0 {
		return n.Unsupportedf("pads axis 0, the batch (supported: pads on axes >= 1)")
	}
	return nil
}

func checkConstant(_ *checker, n *Node) error {
	t, err := ConstantValue(n)
	if err != nil {
		return err
	}
	if t.DType != Float32 && t.DType != Int64 {
		return n.Unsupportedf("constant of type %v (supported: float32, int64)", t.DType)
	}
	return nil
}
