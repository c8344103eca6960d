package quantize

import (
	"context"
	"fmt"
	"iter"
	"math"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
)

// shallow copies m's exported fields: the copy shares the graph's slices
// but not the open files, so closing it is not closing m.
func shallow(m *onnx.Model) *onnx.Model {
	return &onnx.Model{IRVersion: m.IRVersion, ProducerName: m.ProducerName,
		ProducerVersion: m.ProducerVersion, Domain: m.Domain, ModelVersion: m.ModelVersion,
		DocString: m.DocString, Metadata: m.Metadata, Opsets: m.Opsets, Graph: m.Graph}
}

// withOutputs compiles a copy of m whose outputs are names.
func withOutputs(m *onnx.Model, names []string, o *onnx.CompileOptions) (*engine.Model, error) {
	cp := shallow(m)
	cp.Graph.Outputs = nil
	for _, s := range names {
		cp.Graph.Outputs = append(cp.Graph.Outputs, onnx.ValueInfo{Name: s})
	}
	return cp.CompileGraph(o)
}

// measure runs the float model and the simulated QDQ model (Simulate) on
// inputs, and fills each quantized layer's output error and the report's
// output error and arg-max agreement.
func (r *rewriter) measure(ctx context.Context, q *onnx.Model, inputs iter.Seq2[[]float32, error], o *Options) error {
	sim, err := Simulate(q)
	if err != nil {
		return err
	}
	names := []string{r.m.Graph.Outputs[0].Name}
	rows := []int{-1}
	for i, l := range r.report.Layers {
		if !l.Float && l.Output != "" {
			names, rows = append(names, l.Output), append(rows, i)
		}
	}
	fm, err := withOutputs(r.m, names, &o.Compile)
	if err != nil {
		return fmt.Errorf("error measurement, float graph: %w", err)
	}
	defer fm.Close()
	sm, err := withOutputs(sim, names, &o.Compile)
	if err != nil {
		return fmt.Errorf("error measurement, simulated graph: %w", err)
	}
	defer sm.Close()
	a, b := outputBufs(fm), outputBufs(sm)
	num, den := make([]float64, len(names)), make([]float64, len(names))
	agree, n := 0, 0
	for x, err := range inputs {
		if err != nil {
			return err
		}
		if err := fm.InferOutputs(ctx, x, 1, a); err != nil {
			return err
		}
		if err := sm.InferOutputs(ctx, x, 1, b); err != nil {
			return err
		}
		for k := range names {
			for i, v := range a[k] {
				d := float64(b[k][i]) - float64(v)
				num[k] += d * d
				den[k] += float64(v) * float64(v)
			}
		}
		if argmax(a[0]) == argmax(b[0]) {
			agree++
		}
		n++
	}
	relL2 := func(k int) float64 { return math.Sqrt(num[k] / max(den[k], math.SmallestNonzeroFloat64)) }
	for k, row := range rows {
		if row >= 0 {
			r.report.Layers[row].Error = relL2(k)
		}
	}
	r.report.OutputError, r.report.Agreement, r.report.Measured = relL2(0), agree, n
	return nil
}

func outputBufs(m *engine.Model) [][]float32 {
	var bufs [][]float32
	for _, info := range m.Outputs() {
		bufs = append(bufs, make([]float32, info.Len()))
	}
	return bufs
}

func argmax(v []float32) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	return k
}
