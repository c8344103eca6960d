package quantize

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/gorn-ml/gorn/onnx"
)

// Report is what Quantize did, layer by layer.
type Report struct {
	Method      Method
	Activations onnx.DataType
	// Images is the number of calibration inputs.
	Images int
	// Layers lists the quantized nodes in graph order, then the nodes
	// left in float.
	Layers []Layer
	// Measured is the number of calibration inputs the error measurement
	// ran (0 when Options.SkipError); OutputError is the relative L2 error
	// of the graph's first output against float over them, Agreement the
	// number of inputs whose arg-max matches float. Both come from
	// Simulate: the QDQ file's own arithmetic in float32, not an int8
	// engine's.
	Measured    int
	OutputError float64
	Agreement   int
}

// Layer is one node of the Report.
type Layer struct {
	Name, Op string
	// Tensor is the activation quantized: a Conv, Gemm or MatMul's input,
	// an Add's output.
	Tensor string
	// SeenMin and SeenMax are the smallest and largest values calibration
	// saw; Min and Max the range the method chose.
	SeenMin, SeenMax float64
	Min, Max         float64
	Params           Params
	// WeightScaleMin and WeightScaleMax span the per-channel weight scales
	// (zero for an Add).
	WeightScaleMin, WeightScaleMax float32
	// Channels is the number of weight channels (0 for an Add).
	Channels int
	// Output is the node's output; Error its relative L2 error against
	// the float model over the calibration set, every layer before it
	// quantized too (see Report.Measured).
	Output string
	Error  float64
	// Float is set for nodes left in float32.
	Float bool
}

// add records a quantized target.
func (r *Report) add(t *target, c *calibrator, method Method, p Params, ws []float32) {
	x := t.output
	if x == "" {
		x = t.inputs[0]
	}
	l := Layer{Name: t.name, Op: t.op, Tensor: x, Params: p, Channels: len(ws), Output: c.outputOf(t)}
	if s := c.stats[x]; s != nil {
		l.SeenMin, l.SeenMax = s.min, s.max
	}
	l.Min, l.Max = c.rangeOf(x, method)
	if len(ws) > 0 {
		l.WeightScaleMin, l.WeightScaleMax = slices.Min(ws), slices.Max(ws)
	}
	r.Layers = append(r.Layers, l)
}

// WriteText prints the report as a table, one line per layer.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "# %s ranges, %s activations, %d calibration images\n", r.Method, r.Activations, r.Images)
	fmt.Fprintln(tw, "layer\top\ttensor\tseen min..max\trange\tscale\tzero point\tweight scales\toutput error")
	for _, l := range r.Layers {
		if l.Float {
			fmt.Fprintf(tw, "%s\t%s\t(float)\n", l.Name, l.Op)
			continue
		}
		ws := "-"
		if l.Channels > 0 {
			ws = fmt.Sprintf("%.3g..%.3g (%d ch)", l.WeightScaleMin, l.WeightScaleMax, l.Channels)
		}
		e := "-"
		if r.Measured > 0 {
			e = fmt.Sprintf("%.2f%%", 100*l.Error)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4g..%.4g\t%.4g..%.4g\t%.4g\t%d\t%s\t%s\n", l.Name, l.Op, l.Tensor,
			l.SeenMin, l.SeenMax, l.Min, l.Max, l.Params.Scale, l.Params.ZeroPoint, ws, e)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Measured > 0 {
		_, err := fmt.Fprintf(w, "output: %.2f%% relative L2 error, arg-max agrees with float on %d/%d calibration inputs (QDQ arithmetic simulated in float32)\n",
			100*r.OutputError, r.Agreement, r.Measured)
		return err
	}
	return nil
}
