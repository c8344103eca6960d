package resnet

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
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
func (s LayerStat) GFLOPS() float64 {
	if s.Time <= 0 {
		return 0
	}
	return 2 * float64(s.MACs) / s.Time.Seconds() / 1e9
}

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
	ws := m.NewWorkspace()
	dst := make([]float32, batch*m.arch.Classes)
	if err := m.check(ws, dst, src, batch); err != nil {
		return nil, err
	}
	if err := m.pass(ctx, ws, dst, src, batch, nil); err != nil {
		return nil, err
	}
	total := make([]time.Duration, len(m.steps))
	timed := func(i int, run func() error) error {
		t0 := time.Now()
		err := run()
		total[i] += time.Since(t0)
		return err
	}
	for range runs {
		if err := m.pass(ctx, ws, dst, src, batch, timed); err != nil {
			return nil, err
		}
	}
	stats := make([]LayerStat, len(m.steps))
	for i := range m.steps {
		st := &m.steps[i]
		stats[i] = LayerStat{Name: st.name, Op: opNames[st.kind], Shape: st.describe(),
			MACs: st.macs * int64(batch), Time: total[i] / time.Duration(runs)}
	}
	return stats, nil
}

// describe is the step's shape for LayerStat.
func (st *step) describe() string {
	s := fmt.Sprintf("%dx%dx%d -> ", st.h, st.w, st.c)
	switch st.kind {
	case opConv:
		p := st.conv.Params()
		s += fmt.Sprintf("%dx%dx%d %dx%d/%d", st.oh, st.ow, p.Cout, p.KH, p.KW, p.StrideH)
		if p.Groups > 1 {
			s += fmt.Sprintf(" g%d", p.Groups)
		}
	case opGAP:
		s += fmt.Sprint(st.c)
	case opFC:
		s = fmt.Sprintf("%d -> %d", st.fc.In(), st.fc.Out())
	default:
		s += fmt.Sprintf("%dx%dx%d", st.oh, st.ow, st.c)
	}
	return s
}

// WriteProfile prints stats as a table: one row per layer with its time,
// share of the total and GFLOP/s, then the total.
func WriteProfile(w io.Writer, stats []LayerStat) error {
	var total time.Duration
	var macs int64
	for _, s := range stats {
		total += s.Time
		macs += s.MACs
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\top\tshape\tms\t%\tGFLOP/s\t")
	for _, s := range stats {
		share := 0.0
		if total > 0 {
			share = 100 * float64(s.Time) / float64(total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%.1f\t%.1f\t\n", s.Name, s.Op, s.Shape,
			float64(s.Time.Microseconds())/1e3, share, s.GFLOPS())
	}
	all := LayerStat{MACs: macs, Time: total}
	fmt.Fprintf(tw, "total\t\t\t%.3f\t100.0\t%.1f\t\n", float64(total.Microseconds())/1e3, all.GFLOPS())
	return tw.Flush()
}
