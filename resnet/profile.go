package resnet

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gorn-ml/gorn/graph"
	"github.com/gorn-ml/gorn/internal/proftab"
)

// LayerStat is one step of a model's plan as [Model.Profile] measured it.
type LayerStat struct {
	// Name is the layer's weight prefix ("layer1.0.conv2") or its role
	// ("input", "maxpool", "avgpool", "fc").
	Name string
	// Op is the operation: "input" (NCHW to NHWC), "conv", "maxpool",
	// "scale-shift" (a v2 pre-activation), "avgpool" or "fc".
	Op string
	// Shape describes input and output, e.g. "56x56x64 -> 56x56x256 1x1/1";
	// convolutions add the kernel size and stride (and groups, if more
	// than one).
	Shape string
	// MACs is the number of multiply-accumulates of one pass (all images).
	MACs int64
	// Time is the mean duration of one pass through the layer.
	Time time.Duration
}

// GFLOPS is the layer's arithmetic rate, 2*MACs per Time, in GFLOP/s (0 for
// layers without multiply-accumulates).
func (s LayerStat) GFLOPS() float64 { return proftab.GFLOPS(s.MACs, s.Time) }

// Profile runs src (batch images, at most [Model.MaxBatch]) once to warm up
// and then runs more times, and returns the mean time of each layer, in
// execution order. Timing each layer adds a little overhead; use Infer to
// measure the whole network.
func (m *Model) Profile(ctx context.Context, src []float32, batch, runs int) ([]LayerStat, error) {
	if batch > m.maxBatch {
		return nil, fmt.Errorf("%w: Profile runs one pass: batch %d > MaxBatch %d", ErrInput, batch, m.maxBatch)
	}
	if runs < 1 {
		return nil, fmt.Errorf("%w: %d runs", ErrInput, runs)
	}
	if err := m.checkSrc(src, batch); err != nil {
		return nil, err
	}
	es, err := m.eng.Profile(ctx, src, batch, runs)
	if err != nil {
		return nil, err
	}
	stats := make([]LayerStat, len(es))
	for i, s := range es {
		stats[i] = LayerStat{Name: s.Name, Op: opNames[s.Op], Shape: m.shapes[s.Name], MACs: s.MACs, Time: s.Time}
	}
	return stats, nil
}

// opNames maps the engine's operators to the names LayerStat gives them.
var opNames = map[string]string{"input": "input", graph.OpConv: "conv", "MaxPool": "maxpool",
	graph.OpScaleShift: "scale-shift", "GlobalAveragePool": "avgpool", "Gemm": "fc"}

// WriteProfile prints stats as a table: one row per layer with its time,
// share of the total and GFLOP/s, then the total.
func WriteProfile(w io.Writer, stats []LayerStat) error {
	rows := make([]proftab.Row, len(stats))
	for i, s := range stats {
		rows[i] = proftab.Row(s)
	}
	return proftab.Write(w, "layer", rows)
}
