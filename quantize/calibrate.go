package quantize

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
)

// stat is what the calibration saw of one tensor.
type stat struct {
	min, max float64
	hist     []int64 // Percentile: over [min, max], or of |x| over [0, absmax]
	lo, hi   float64 // the histogram's range
	n        int64
}

// calibrator runs the float graph with the tensors to calibrate as outputs.
type calibrator struct {
	em      *engine.Model
	names   []string // outputs, in order
	input   string   // the graph input's name
	stats   map[string]*stat
	bufs    [][]float32
	images  int
	nodeOut map[int]string // first output of each node, by index
	signed  bool
	bins    int
	percent float64
}

// newCalibrator compiles a float copy of m whose outputs are tensors.
func newCalibrator(m *onnx.Model, tensors []string, o *Options) (*calibrator, error) {
	c := &calibrator{stats: map[string]*stat{}, signed: o.Activations == onnx.Int8,
		bins: o.Bins, percent: o.Percentile / 100}
	inputs := graphInputs(m)
	if len(inputs) != 1 {
		return nil, fmt.Errorf("quantize: the graph has %d inputs, want 1", len(inputs))
	}
	c.input = inputs[0]
	c.nodeOut = map[int]string{}
	for i, n := range m.Graph.Nodes {
		if len(n.Outputs) > 0 {
			c.nodeOut[i] = n.Outputs[0]
		}
	}
	cp := shallow(m)
	cp.Graph.Outputs = nil
	for _, t := range tensors {
		c.stats[t] = &stat{min: math.Inf(1), max: math.Inf(-1)}
		if t != c.input {
			cp.Graph.Outputs = append(cp.Graph.Outputs, onnx.ValueInfo{Name: t})
			c.names = append(c.names, t)
		}
	}
	if len(c.names) == 0 { // only the input is quantized: any output will do
		cp.Graph.Outputs = m.Graph.Outputs
	}
	em, err := cp.CompileGraph(&o.Compile)
	if err != nil {
		return nil, fmt.Errorf("quantize: calibration graph: %w", err)
	}
	c.em = em
	for _, info := range em.Outputs() {
		c.bufs = append(c.bufs, make([]float32, info.Len()))
	}
	return c, nil
}

// outputOf returns the output of target t's node.
func (c *calibrator) outputOf(t *target) string {
	return c.nodeOut[t.node]
}

// release closes the calibration graph and drops it and its buffers (the
// statistics stay), so that its weights are garbage before the error
// measurement compiles two more models.
func (c *calibrator) release() {
	c.em.Close()
	c.em, c.bufs = nil, nil
}

// graphInputs lists the graph inputs that are not initializers.
func graphInputs(m *onnx.Model) []string {
	var names []string
	for _, in := range m.Graph.Inputs {
		if !slices.ContainsFunc(m.Graph.Initializers, func(t onnx.Tensor) bool { return t.Name == in.Name }) {
			names = append(names, in.Name)
		}
	}
	return names
}

// pass runs every input through the graph and feeds each tensor to visit.
func (c *calibrator) pass(ctx context.Context, inputs iter.Seq2[[]float32, error], visit func(*stat, []float32)) error {
	n := 0
	for x, err := range inputs {
		if err != nil {
			return fmt.Errorf("quantize: calibration input %d: %w", n, err)
		}
		if len(x) != c.em.InputLen() {
			return fmt.Errorf("quantize: calibration input %d has %d floats, the model takes %d (%v)",
				n, len(x), c.em.InputLen(), c.em.Input().Shape)
		}
		if err := c.em.InferOutputs(ctx, x, 1, c.bufs); err != nil {
			return fmt.Errorf("quantize: calibration input %d: %w", n, err)
		}
		if s := c.stats[c.input]; s != nil {
			visit(s, x)
		}
		for i, name := range c.names {
			visit(c.stats[name], c.bufs[i])
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("quantize: no calibration inputs")
	}
	c.images = n
	return nil
}

// run calibrates: a MinMax pass, then for Percentile and Entropy a
// histogram pass (Entropy: histograms of |x|).
func (c *calibrator) run(ctx context.Context, inputs iter.Seq2[[]float32, error], method Method) error {
	err := c.pass(ctx, inputs, func(s *stat, x []float32) {
		for _, v := range x {
			f := float64(v)
			if math.IsNaN(f) {
				continue
			}
			s.min, s.max = min(s.min, f), max(s.max, f)
		}
		s.n += int64(len(x))
	})
	if err != nil || method == MinMax {
		return err
	}
	abs := c.signed || method == Entropy
	for _, s := range c.stats {
		s.hist = make([]int64, c.bins)
		s.lo, s.hi = s.min, s.max
		if abs {
			s.lo, s.hi = 0, max(-s.min, s.max, 0)
		}
	}
	return c.pass(ctx, inputs, func(s *stat, x []float32) { s.add(x, abs) })
}

// add counts x into the histogram (of |x| when abs).
func (s *stat) add(x []float32, abs bool) {
	w := s.hi - s.lo
	nb := len(s.hist)
	for _, v := range x {
		f := float64(v)
		if abs {
			f = math.Abs(f)
		}
		if math.IsNaN(f) {
			continue
		}
		k := nb - 1
		if w > 0 {
			k = int((f - s.lo) / w * float64(nb))
		}
		s.hist[min(max(k, 0), nb-1)]++
	}
}

// rangeOf returns the tensor's calibrated range.
func (c *calibrator) rangeOf(name string, method Method) (lo, hi float64) {
	s := c.stats[name]
	if s == nil || s.min > s.max { // never seen (all NaN)
		return 0, 0
	}
	if method == MinMax || s.hist == nil {
		return s.min, s.max
	}
	if method == Entropy {
		// The threshold bounds |x|; an asymmetric range keeps the side
		// calibration saw of each sign.
		levels := EntropyLevels
		if !c.signed && s.min >= 0 {
			levels = 2 * EntropyLevels
		}
		t := EntropyThreshold(s.hist, s.hi, levels)
		if c.signed {
			return -t, t
		}
		return max(s.min, -t), min(s.max, t)
	}
	if c.signed {
		t := PercentileAbs(s.hist, s.hi, c.percent)
		return -t, t
	}
	return PercentileRange(s.hist, s.lo, s.hi, c.percent)
}
