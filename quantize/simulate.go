package quantize

import (
	"fmt"

	"github.com/gorn-ml/gorn/onnx"
)

// roundMagic is 1.5 * 2^23: adding it to a float32 of magnitude below 2^22
// rounds the sum to an integer, half to even; subtracting it again is
// exact.
const roundMagic = 12582912

// Simulate returns a float32 model that computes what the QDQ model q
// computes, built from operators gorn's float engine runs: each
// DequantizeLinear of an initializer (weights, biases) becomes a float
// initializer holding the dequantized values, and each QuantizeLinear ->
// DequantizeLinear pair on an activation becomes
//
//	y = (Clip(x/scale + (zp + 1.5*2^23) - 1.5*2^23, qmin, qmax) - zp) * scale
//
// (Div, Add, Sub, Clip, Sub, Mul in float32: the magic-number addition
// rounds x/scale + zp to an integer half to even, which differs from
// QuantizeLinear's round(x/scale) + zp only on exact ties with an odd zero
// point). Use it to measure a quantized model's accuracy before an int8
// engine runs it. The model must stay open while the result is in use.
func Simulate(q *onnx.Model) (*onnx.Model, error) {
	s := &simulator{inits: map[string]*onnx.Tensor{}, quant: map[string]*onnx.Node{},
		names: usedNames(&q.Graph)}
	for i := range q.Graph.Initializers {
		s.inits[q.Graph.Initializers[i].Name] = &q.Graph.Initializers[i]
	}
	for i := range q.Graph.Nodes {
		if err := s.node(&q.Graph.Nodes[i]); err != nil {
			return nil, fmt.Errorf("quantize: simulate %s: %w", &q.Graph.Nodes[i], err)
		}
	}
	out := shallow(q)
	out.Graph.Nodes = s.nodes
	out.Graph.Initializers = append(append([]onnx.Tensor(nil), q.Graph.Initializers...), s.extra...)
	return out, nil
}

type simulator struct {
	inits map[string]*onnx.Tensor
	quant map[string]*onnx.Node // QuantizeLinear output -> the node
	names map[string]bool
	nodes []onnx.Node
	extra []onnx.Tensor
}

func (s *simulator) fresh(base string) string {
	n := base
	for i := 1; s.names[n]; i++ {
		n = fmt.Sprintf("%s_%d", base, i)
	}
	s.names[n] = true
	return n
}

// scalar adds a 0-d float initializer and returns its name.
func (s *simulator) scalar(base string, v float32) (string, error) {
	t, err := onnx.NewFloat32Tensor(s.fresh(base), nil, []float32{v})
	s.extra = append(s.extra, t)
	return t.Name, err
}

func (s *simulator) node(n *onnx.Node) error {
	switch n.OpType {
	case "QuantizeLinear":
		if len(n.Inputs) != 3 || len(n.Outputs) != 1 {
			return fmt.Errorf("want 3 inputs and 1 output")
		}
		s.quant[n.Outputs[0]] = n
		return nil
	case "DequantizeLinear":
		if len(n.Inputs) != 3 || len(n.Outputs) != 1 {
			return fmt.Errorf("want 3 inputs and 1 output")
		}
		if q := s.quant[n.Inputs[0]]; q != nil {
			return s.fakeQuant(q, n.Outputs[0])
		}
		return s.dequantize(n)
	}
	s.nodes = append(s.nodes, *n)
	return nil
}

// fakeQuant emits the float chain for QuantizeLinear q and names its
// result out.
func (s *simulator) fakeQuant(q *onnx.Node, out string) error {
	x, scaleName, zpName := q.Inputs[0], q.Inputs[1], q.Inputs[2]
	sc, zpt := s.inits[scaleName], s.inits[zpName]
	if sc == nil || zpt == nil || sc.Len() != 1 || zpt.Len() != 1 {
		return fmt.Errorf("activation scale and zero point must be scalar initializers")
	}
	zps, err := zpt.Int64s()
	if err != nil {
		return err
	}
	zp := float32(zps[0])
	qmin, qmax := float32(0), float32(255)
	if zpt.DataType == onnx.Int8 {
		qmin, qmax = -128, 127
	}
	var c [5]string
	for i, v := range []float32{zp + roundMagic, roundMagic, qmin, qmax, zp} {
		if c[i], err = s.scalar(x+"_sim_const", v); err != nil {
			return err
		}
	}
	t := [5]string{}
	for i := range t {
		t[i] = s.fresh(fmt.Sprintf("%s_sim%d", x, i))
	}
	s.nodes = append(s.nodes,
		onnx.Node{Name: t[0], OpType: "Div", Inputs: []string{x, scaleName}, Outputs: []string{t[0]}},
		onnx.Node{Name: t[1], OpType: "Add", Inputs: []string{t[0], c[0]}, Outputs: []string{t[1]}},
		onnx.Node{Name: t[2], OpType: "Sub", Inputs: []string{t[1], c[1]}, Outputs: []string{t[2]}},
		onnx.Node{Name: t[3], OpType: "Clip", Inputs: []string{t[2], c[2], c[3]}, Outputs: []string{t[3]}},
		onnx.Node{Name: t[4], OpType: "Sub", Inputs: []string{t[3], c[4]}, Outputs: []string{t[4]}},
		onnx.Node{Name: s.fresh(out + "_sim"), OpType: "Mul", Inputs: []string{t[4], scaleName}, Outputs: []string{out}})
	return nil
}

// dequantize turns a DequantizeLinear of initializers into a float
// initializer named as its output.
func (s *simulator) dequantize(n *onnx.Node) error {
	qt, st, zt := s.inits[n.Inputs[0]], s.inits[n.Inputs[1]], s.inits[n.Inputs[2]]
	if qt == nil || st == nil || zt == nil {
		return fmt.Errorf("DequantizeLinear of a value that is neither an initializer nor a QuantizeLinear output")
	}
	q, err := qt.Int64s()
	if err != nil {
		return err
	}
	scale, err := st.Float32s()
	if err != nil {
		return err
	}
	zp, err := zt.Int64s()
	if err != nil {
		return err
	}
	channels, inner := 1, 1
	if len(scale) > 1 {
		axis := 1
		if a := n.Attr("axis"); a != nil {
			axis = int(a.I)
		}
		if axis < 0 {
			axis += len(qt.Dims)
		}
		if axis < 0 || axis >= len(qt.Dims) || int(qt.Dims[axis]) != len(scale) || len(zp) != len(scale) {
			return fmt.Errorf("per-axis scale of %d values does not match dims %v", len(scale), qt.Dims)
		}
		channels = len(scale)
		for _, d := range qt.Dims[axis+1:] {
			inner *= int(d)
		}
	} else if len(scale) != 1 || len(zp) != 1 {
		return fmt.Errorf("scale and zero point must have one value or one per channel")
	}
	f := make([]float32, len(q))
	for i, v := range q {
		c := (i / inner) % channels
		f[i] = float32(v-zp[c]) * scale[c]
	}
	t, err := onnx.NewFloat32Tensor(n.Outputs[0], qt.Dims, f)
	s.extra = append(s.extra, t)
	return err
}
