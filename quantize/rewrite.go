package quantize

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/onnx"
)

// rewriter builds the QDQ graph.
type rewriter struct {
	m      *onnx.Model
	p      *plan
	act    map[string]Params // quantized activations
	dt     onnx.DataType
	nodes  []onnx.Node
	inits  []onnx.Tensor
	names  map[string]bool   // every value and initializer name in use
	qw     map[string]string // float weight -> its DequantizeLinear output
	wScale map[string][]float32
	report *Report
	reduce bool // 7-bit weights
}

// fresh returns name, or name with a numeric suffix if it is taken.
func (r *rewriter) fresh(name string) string {
	s := name
	for i := 1; r.names[s]; i++ {
		s = fmt.Sprintf("%s_%d", name, i)
	}
	r.names[s] = true
	return s
}

func (r *rewriter) addInit(t onnx.Tensor, err error) error {
	if err != nil {
		return err
	}
	r.inits = append(r.inits, t)
	return nil
}

// dq appends a DequantizeLinear of q with scale and zero point
// initializers (axis >= 0: per-axis) and returns its output.
func (r *rewriter) dq(base, q, scale, zp string, axis int) string {
	out := r.fresh(base + "_DequantizeLinear_Output")
	n := onnx.Node{Name: r.fresh(base + "_DequantizeLinear"), OpType: "DequantizeLinear",
		Inputs: []string{q, scale, zp}, Outputs: []string{out}}
	if axis >= 0 {
		n.Attrs = []onnx.Attribute{{Name: "axis", Type: onnx.AttrInt, I: int64(axis)}}
	}
	r.nodes = append(r.nodes, n)
	return out
}

// qdq appends QuantizeLinear -> DequantizeLinear of activation x and
// returns the DequantizeLinear output.
func (r *rewriter) qdq(x string) (string, error) {
	p := r.act[x]
	scale, zp := r.fresh(x+"_scale"), r.fresh(x+"_zero_point")
	if err := r.addInit(onnx.NewFloat32Tensor(scale, nil, []float32{p.Scale})); err != nil {
		return "", err
	}
	var err error
	if r.dt == onnx.Int8 {
		err = r.addInit(onnx.NewInt8Tensor(zp, nil, []int8{int8(p.ZeroPoint)}))
	} else {
		err = r.addInit(onnx.NewUint8Tensor(zp, nil, []uint8{uint8(p.ZeroPoint)}))
	}
	if err != nil {
		return "", err
	}
	q := r.fresh(x + "_QuantizeLinear_Output")
	r.nodes = append(r.nodes, onnx.Node{Name: r.fresh(x + "_QuantizeLinear"), OpType: "QuantizeLinear",
		Inputs: []string{x, scale, zp}, Outputs: []string{q}})
	return r.dq(x, q, scale, zp, -1), nil
}

// weight quantizes a float weight per channel along axis, once per
// initializer, and returns its DequantizeLinear output.
func (r *rewriter) weight(name string, axis int) (string, error) {
	if out, ok := r.qw[name]; ok {
		return out, nil
	}
	t := r.p.inits[name]
	w, err := t.Float32s()
	if err != nil {
		return "", err
	}
	if err := finite(name, w); err != nil {
		return "", err
	}
	channels, inner := int(t.Dims[axis]), 1
	for _, d := range t.Dims[axis+1:] {
		inner *= int(d)
	}
	qmax := 127
	if r.reduce {
		qmax = 63
	}
	s := WeightScales(w, channels, inner, qmax)
	q := QuantizeWeights(w, s, inner, qmax)
	qn, sn, zn := r.fresh(name+"_quantized"), r.fresh(name+"_scale"), r.fresh(name+"_zero_point")
	for _, err := range []error{
		r.addInit(onnx.NewInt8Tensor(qn, t.Dims, q)),
		r.addInit(onnx.NewFloat32Tensor(sn, []int64{int64(channels)}, s)),
		r.addInit(onnx.NewInt8Tensor(zn, []int64{int64(channels)}, make([]int8, channels))),
	} {
		if err != nil {
			return "", err
		}
	}
	out := r.dq(name, qn, sn, zn, axis)
	r.qw[name], r.wScale[name] = out, s
	return out, nil
}

// bias quantizes a bias to int32 with scale xScale*wScales[c].
func (r *rewriter) bias(name string, xScale float32, wScales []float32) (string, error) {
	t := r.p.inits[name]
	b, err := t.Float32s()
	if err != nil {
		return "", err
	}
	if err := finite(name, b); err != nil {
		return "", err
	}
	if len(b) != len(wScales) {
		return "", fmt.Errorf("bias %q has %d values for %d channels", name, len(b), len(wScales))
	}
	q, s := QuantizeBias(b, xScale, wScales)
	qn := r.fresh(name + "_quantized")
	sn, zn := r.fresh(qn+"_scale"), r.fresh(qn+"_zero_point")
	for _, err := range []error{
		r.addInit(onnx.NewInt32Tensor(qn, t.Dims, q)),
		r.addInit(onnx.NewFloat32Tensor(sn, t.Dims, s)),
		r.addInit(onnx.NewInt32Tensor(zn, t.Dims, make([]int32, len(q)))),
	} {
		if err != nil {
			return "", err
		}
	}
	return r.dq(name, qn, sn, zn, 0), nil
}

// usedNames collects every value and initializer name of g.
func usedNames(g *onnx.Graph) map[string]bool {
	names := map[string]bool{}
	for _, t := range g.Initializers {
		names[t.Name] = true
	}
	for _, v := range slices.Concat(g.Inputs, g.Outputs, g.ValueInfo) {
		names[v.Name] = true
	}
	for _, n := range g.Nodes {
		names[n.Name] = true
		for _, s := range slices.Concat(n.Inputs, n.Outputs) {
			names[s] = true
		}
	}
	return names
}

// finite reports an error for a weight with NaN or infinite values, which
// have no int8 representation.
func finite(name string, w []float32) error {
	for i, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("weight %q: element %d is %g", name, i, v)
		}
	}
	return nil
}
