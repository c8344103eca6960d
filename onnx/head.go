package onnx

import (
	"fmt"
)

// features is the channel count of the last block's output.
func (r *recognizer) features() int {
	if len(r.blocks) == 0 {
		return r.stem.cout
	}
	cs := r.blocks[len(r.blocks)-1].convs
	return cs[len(cs)-1].cout
}

// matchHead recognises [BN Relu] pool flatten fc from value v.
func (r *recognizer) matchHead(v string) error {
	var err error
	if !isPool(r.x.node(r.x.consumers(v)[0])) {
		if r.final, v, err = r.matchPreact(v); err != nil {
			return err
		}
	}
	pool, pi, err := r.x.only(v, nil)
	if err != nil {
		return unsupported("%v", err)
	}
	if pool.OpType == "AveragePool" {
		if r.head.poolKernel, err = avgPool(pool); err != nil {
			return unsupported("%v", err)
		}
	} else if len(pool.Inputs) != 1 {
		return unsupported("%v: %d inputs", pool, len(pool.Inputs))
	}
	if err := r.x.place(pi); err != nil {
		return unsupported("%v", err)
	}
	flat, fi, err := r.x.only(pool.Outputs[0], pool)
	if err != nil {
		return unsupported("%v", err)
	}
	if err := r.flatten(flat); err != nil {
		return err
	}
	if err := r.x.place(fi); err != nil {
		return unsupported("%v", err)
	}
	fc, ci, err := r.x.only(flat.Outputs[0], flat)
	if err != nil {
		return unsupported("%v", err)
	}
	if err := r.x.place(ci); err != nil {
		return unsupported("%v", err)
	}
	switch fc.OpType {
	case "Gemm":
		err = r.gemm(fc)
	case "MatMul":
		err = r.matmul(fc)
	default:
		err = unsupported("%v follows %v where Gemm or MatMul was expected", fc, flat)
	}
	if err != nil {
		return err
	}
	out := r.x.g.Outputs[0].Name
	if r.x.resolve(out) != r.x.resolve(r.head.output) {
		return unsupported("graph output %q is not the fully connected layer's output", out)
	}
	return nil
}

// avgPool accepts an AveragePool that can be a global pool: square kernel,
// no padding; whether the kernel covers the whole map is checked once the
// input size is known.
func avgPool(n *Node) (int, error) {
	ks, err := intsAttr(n, "kernel_shape", nil)
	if err != nil {
		return 0, err
	}
	if len(ks) != 2 || ks[0] != ks[1] || ks[0] < 1 || ks[0] > 1<<16 {
		return 0, fmt.Errorf("%v: kernel_shape %v not supported", n, ks)
	}
	pads, err := intsAttr(n, "pads", []int64{0, 0, 0, 0})
	if err != nil {
		return 0, err
	}
	for _, p := range pads {
		if p != 0 {
			return 0, fmt.Errorf("%v: pads %v not supported", n, pads)
		}
	}
	if c, err := intAttr(n, "ceil_mode", 0); err != nil || c != 0 {
		return 0, fmt.Errorf("%v: ceil_mode not supported", n)
	}
	auto, err := stringAttr(n, "auto_pad", "NOTSET")
	if err != nil || (auto != "NOTSET" && auto != "" && auto != "VALID") {
		return 0, fmt.Errorf("%v: auto_pad %q not supported", n, auto)
	}
	return int(ks[0]), nil
}

// flatten checks a Flatten(axis 1) or a Reshape to [N, features].
func (r *recognizer) flatten(n *Node) error {
	switch n.OpType {
	case "Flatten":
		axis, err := intAttr(n, "axis", 1)
		if err != nil {
			return unsupported("%v", err)
		}
		if axis != 1 && axis != -3 {
			return unsupported("%v: axis %d, want 1", n, axis)
		}
		return nil
	case "Reshape":
		if len(n.Inputs) != 2 || r.x.constant(n.Inputs[1]) == nil {
			return unsupported("%v: shape is not a constant", n)
		}
		s, err := r.x.constant(n.Inputs[1]).Int64s()
		if err != nil {
			return unsupported("%v: %v", n, err)
		}
		f, b := int64(r.features()), r.staticBatch()
		if len(s) != 2 || !(s[0] == -1 || s[0] == 0 || s[0] == b) || (s[1] != f && s[1] != -1) || (s[0] == -1 && s[1] == -1) {
			return unsupported("%v: shape %v is not [batch, %d]", n, s, f)
		}
		if a, _ := intAttr(n, "allowzero", 0); a != 0 && s[0] == 0 {
			return unsupported("%v: allowzero with a zero dimension", n)
		}
		return nil
	}
	return unsupported("%v follows global pooling where Flatten or Reshape was expected", n)
}

// staticBatch returns the input's fixed batch size, or -2 when dynamic.
func (r *recognizer) staticBatch() int64 {
	if len(r.input.Shape) == 4 && r.input.Shape[0].Known() {
		return r.input.Shape[0].Value
	}
	return -2
}

// gemm reads the fully connected layer from a Gemm node.
func (r *recognizer) gemm(n *Node) error {
	if len(n.Inputs) < 2 || len(n.Inputs) > 3 {
		return unsupported("%v: %d inputs", n, len(n.Inputs))
	}
	ta, err1 := intAttr(n, "transA", 0)
	tb, err2 := intAttr(n, "transB", 0)
	alpha, err3 := floatAttr(n, "alpha", 1)
	beta, err4 := floatAttr(n, "beta", 1)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return unsupported("%v", err)
		}
	}
	if ta != 0 {
		return unsupported("%v: transA not supported", n)
	}
	var c *Tensor
	if len(n.Inputs) == 3 && n.Inputs[2] != "" {
		if c = r.x.constant(n.Inputs[2]); c == nil {
			return unsupported("%v: C is not a constant", n)
		}
	}
	r.head.output = n.Outputs[0]
	return r.fcWeights(n, r.x.constant(n.Inputs[1]), tb != 0, alpha, c, beta)
}

// matmul reads the fully connected layer from MatMul [+ Add].
func (r *recognizer) matmul(n *Node) error {
	if len(n.Inputs) != 2 {
		return unsupported("%v: %d inputs", n, len(n.Inputs))
	}
	r.head.output = n.Outputs[0]
	var c *Tensor
	if us := r.x.consumers(n.Outputs[0]); len(us) == 1 && r.x.node(us[0]).OpType == "Add" {
		add := r.x.node(us[0])
		other := add.Inputs[0]
		if r.x.resolve(other) == r.x.resolve(n.Outputs[0]) && len(add.Inputs) == 2 {
			other = add.Inputs[1]
		}
		if c = r.x.constant(other); c == nil {
			return unsupported("%v: bias is not a constant", add)
		}
		if err := r.x.place(us[0]); err != nil {
			return unsupported("%v", err)
		}
		r.head.output = add.Outputs[0]
	}
	return r.fcWeights(n, r.x.constant(n.Inputs[1]), false, 1, c, 1)
}

// fcWeights converts B (transposed when transB is false) and C to
// fc.weight [classes, features] and fc.bias [classes].
func (r *recognizer) fcWeights(n *Node, b *Tensor, transB bool, alpha float32, c *Tensor, beta float32) error {
	if b == nil || len(b.Dims) != 2 {
		return unsupported("%v: weight is not a constant matrix", n)
	}
	classes, feat := b.Dims[0], b.Dims[1]
	if !transB {
		classes, feat = feat, classes
	}
	if feat != int64(r.features()) || classes < 1 {
		return unsupported("%v: weight dims %v do not match %d features", n, b.Dims, r.features())
	}
	w, err := b.Float32s()
	if err != nil {
		return unsupported("%v: %v", n, err)
	}
	if !transB {
		w = transpose(w, int(feat), int(classes))
	}
	for i := range w {
		w[i] *= alpha
	}
	bias := make([]float32, classes)
	if c != nil {
		cv, err := c.Float32s()
		if err != nil {
			return unsupported("%v: %v", n, err)
		}
		switch {
		case len(cv) == int(classes) && (len(c.Dims) == 1 || len(c.Dims) == 2 && c.Dims[0] == 1):
			copy(bias, cv)
		case len(cv) == 1:
			for i := range bias {
				bias[i] = cv[0]
			}
		default:
			return unsupported("%v: bias dims %v, want [%d]", n, c.Dims, classes)
		}
		for i := range bias {
			bias[i] *= beta
		}
	}
	r.head.weight, r.head.bias = w, bias
	r.head.classes, r.head.features = int(classes), int(feat)
	return nil
}

// transpose returns the cols x rows transpose of a rows x cols matrix.
func transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, len(a))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = a[i*cols+j]
		}
	}
	return t
}
