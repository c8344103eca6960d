package quantize

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/gorn-ml/gorn/onnx"
)

// Quantize returns a QDQ copy of the float model m calibrated on inputs,
// and a report of what it did. Each input is one image, NCHW float32,
// preprocessed as the model expects (batch 1, InputLen floats; set
// opts.Compile.Import's Height and Width for a graph with a symbolic input
// size). The sequence is read once per pass: once for MinMax, twice for
// Percentile and Entropy (ranges, then histograms), and once more for the
// error measurement unless opts.SkipError; it must be repeatable. m must
// stay open until the returned model has been written: the new model
// shares m's unquantized initializers.
//
// The model's default opset must be 13 or later (per-axis
// DequantizeLinear); its graph must have one input. Calibration compiles a
// float copy of the graph whose outputs are every tensor to calibrate, so
// its workspace holds them all at once (ResNet-50 at 224x224: 0.7 GB peak
// RSS for the whole run, 0.9 GB with the error measurement).
func Quantize(ctx context.Context, m *onnx.Model, inputs iter.Seq2[[]float32, error], opts *Options) (*onnx.Model, *Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if v := m.Opset(); v < 13 {
		return nil, nil, fmt.Errorf("quantize: opset %d: per-channel DequantizeLinear needs opset 13 or later (re-export the model)", v)
	}
	p, err := newPlan(m, &o)
	if err != nil {
		return nil, nil, err
	}
	c, err := newCalibrator(m, p.tensors, &o)
	if err != nil {
		return nil, nil, err
	}
	err = c.run(ctx, inputs, o.Method)
	c.release()
	if err != nil {
		return nil, nil, err
	}
	r := &rewriter{m: m, p: p, act: map[string]Params{}, dt: o.Activations,
		names: usedNames(&m.Graph), qw: map[string]string{}, wScale: map[string][]float32{},
		reduce: o.ReduceRange,
		report: &Report{Method: o.Method, Activations: o.Activations, Images: c.images}}
	for _, t := range p.tensors {
		lo, hi := c.rangeOf(t, p.method(t, o.Method))
		r.act[t] = ActivationParams(lo, hi, o.Activations == onnx.Int8)
	}
	out, err := r.build(c, &o)
	if err == nil && !o.SkipError {
		err = r.measure(ctx, out, inputs, &o)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("quantize: %w", err)
	}
	return out, r.report, nil
}

// build writes the QDQ graph: Q/DQ pairs after the producer of every
// quantized activation (first for graph inputs), weights and biases
// through DequantizeLinear, consumers reading the DQ outputs.
func (r *rewriter) build(c *calibrator, o *Options) (*onnx.Model, error) {
	g := &r.m.Graph
	deq := map[string]string{}
	emit := func(x string) error {
		if _, ok := r.act[x]; !ok || deq[x] != "" {
			return nil
		}
		out, err := r.qdq(x)
		deq[x] = out
		return err
	}
	if err := emit(c.input); err != nil {
		return nil, err
	}
	targets := map[int]*target{}
	for i := range r.p.targets {
		targets[r.p.targets[i].node] = &r.p.targets[i]
	}
	for i := range g.Nodes {
		n := g.Nodes[i]
		n.Inputs = slices.Clone(n.Inputs)
		t := targets[i]
		if !r.p.kept[i] {
			for k, s := range n.Inputs {
				if d := deq[s]; d != "" {
					n.Inputs[k] = d
				}
			}
		}
		if t != nil && t.weight != "" {
			if err := r.rewriteWeights(&n, t, c, o); err != nil {
				return nil, fmt.Errorf("%s: %w", &g.Nodes[i], err)
			}
		} else if t != nil {
			r.report.add(t, c, r.p.method(t.output, o.Method), r.act[t.output], nil)
		}
		r.nodes = append(r.nodes, n)
		for _, s := range n.Outputs {
			if err := emit(s); err != nil {
				return nil, err
			}
		}
	}
	for i := range g.Nodes {
		if r.p.kept[i] {
			r.report.Layers = append(r.report.Layers, Layer{Name: nodeName(&g.Nodes[i]), Op: g.Nodes[i].OpType, Float: true})
		}
	}
	return r.model(), nil
}

// rewriteWeights points n's weight and bias at their DequantizeLinear.
func (r *rewriter) rewriteWeights(n *onnx.Node, t *target, c *calibrator, o *Options) error {
	w, err := r.weight(t.weight, t.axis)
	if err != nil {
		return err
	}
	n.Inputs[1] = w
	ws := r.wScale[t.weight]
	if t.bias != "" {
		b, err := r.bias(t.bias, r.act[t.inputs[0]].Scale, ws)
		if err != nil {
			return err
		}
		n.Inputs[2] = b
	}
	r.report.add(t, c, r.p.method(t.inputs[0], o.Method), r.act[t.inputs[0]], ws)
	return nil
}

// model assembles the output model; float initializers that no node reads
// any more are dropped (and their graph-input entries with them).
func (r *rewriter) model() *onnx.Model {
	src := r.m
	m := shallow(src)
	g := r.m.Graph
	read := map[string]bool{}
	for _, n := range r.nodes {
		for _, s := range n.Inputs {
			read[s] = true
		}
	}
	for _, v := range g.Outputs {
		read[v.Name] = true
	}
	g.Initializers = nil
	for _, t := range r.m.Graph.Initializers {
		if read[t.Name] {
			g.Initializers = append(g.Initializers, t)
		}
	}
	g.Initializers = append(g.Initializers, r.inits...)
	dropped := func(v onnx.ValueInfo) bool { return r.p.inits[v.Name] != nil && !read[v.Name] }
	g.Inputs = slices.DeleteFunc(slices.Clone(g.Inputs), dropped)
	g.ValueInfo = slices.DeleteFunc(slices.Clone(g.ValueInfo), dropped)
	g.Nodes = r.nodes
	m.Graph = g
	m.Metadata = maps.Clone(r.m.Metadata)
	if m.Metadata == nil {
		m.Metadata = map[string]string{}
	}
	m.Metadata["gorn.quantize"] = fmt.Sprintf("method=%s activations=%s images=%d",
		r.report.Method, r.report.Activations, r.report.Images)
	m.Opsets = slices.Clone(src.Opsets)
	return m
}

func nodeName(n *onnx.Node) string {
	if n.Name == "" && len(n.Outputs) > 0 {
		return n.Outputs[0]
	}
	return n.Name
}
