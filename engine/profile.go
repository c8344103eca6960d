package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gorn-ml/gorn/internal/proftab"
)

// OpStat is one step of a model's plan as [Model.Profile] measured it.
type OpStat struct {
	// Name is the node's name (or its output's).
	Name string
	// Op is the operator ("gorn.Conv", "MaxPool", ..., "input").
	Op string
	// Shape describes input and output per image, e.g. "[64 56 56] -> [256
	// 56 56] 1x1/1".
	Shape string
	// MACs is the number of multiply-accumulates of one pass (all images).
	MACs int64
	// Time is the mean duration of one pass through the step.
	Time time.Duration
}

// GFLOPS is the step's arithmetic rate, 2*MACs per Time, in GFLOP/s (0 for
// steps without multiply-accumulates).
func (s OpStat) GFLOPS() float64 { return proftab.GFLOPS(s.MACs, s.Time) }

// Profile runs src (batch images, at most [Model.MaxBatch]) once to warm up
// and then runs more times, and returns the mean time of each step, in
// execution order.
func (m *Model) Profile(ctx context.Context, src []float32, batch, runs int) ([]OpStat, error) {
	if batch > m.maxBatch {
		return nil, fmt.Errorf("%w: Profile runs one pass: batch %d > MaxBatch %d", ErrInput, batch, m.maxBatch)
	}
	if runs < 1 {
		return nil, fmt.Errorf("%w: %d runs", ErrInput, runs)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ws := m.NewWorkspace()
	if err := m.check(ws, src, batch, nil); err != nil {
		return nil, err
	}
	if err := m.pass(ctx, ws, src, batch, nil); err != nil {
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
		if err := m.pass(ctx, ws, src, batch, timed); err != nil {
			return nil, err
		}
	}
	stats := make([]OpStat, len(m.steps))
	for i := range m.steps {
		st := &m.steps[i]
		stats[i] = OpStat{Name: st.name, Op: st.kind, Shape: st.shape,
			MACs: st.macs * int64(batch), Time: total[i] / time.Duration(runs)}
	}
	return stats, nil
}

// WriteProfile prints stats as a table: one row per step with its time,
// share of the total and GFLOP/s, then the total.
func WriteProfile(w io.Writer, stats []OpStat) error {
	rows := make([]proftab.Row, len(stats))
	for i, s := range stats {
		rows[i] = proftab.Row(s)
	}
	return proftab.Write(w, "step", rows)
}

// Plan describes the compiled plan for people (gorn info -v): the passes'
// log, each step with its operator, shapes, fused epilogue or in-place
// note and the workspace slots it reads and writes, the nodes that became
// views, and the slots with their sizes, offsets and lifetimes.
func (m *Model) Plan() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "level %s, %d threads, max batch %d; weights %d KiB, workspace %d KiB\n",
		m.im.Name(), m.threads, m.maxBatch, m.weights>>10, m.WorkspaceBytes()>>10)
	fmt.Fprintf(&sb, "steps: %s; %d views\n", strings.Join(m.histogram(), ", "), len(m.views))
	for _, l := range m.log {
		fmt.Fprintf(&sb, "pass: %s\n", l)
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "#\top\tname\tshape\treads\twrites\tnote")
	for i, st := range m.steps {
		r, w := slotList(st.reads), slotList(st.writes)
		if st.scratch > 0 {
			w += fmt.Sprintf(" scratch s%d", st.scratch-1)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i, st.kind, st.name, st.shape, r, w, st.note)
	}
	tw.Flush()
	for _, v := range m.views {
		fmt.Fprintf(&sb, "view: %s\n", v)
	}
	for _, o := range m.outputs {
		fmt.Fprintf(&sb, "output %q %v in s%d\n", o.name, o.shape, o.buf.slot)
	}
	for i, s := range m.slots {
		fmt.Fprintf(&sb, "slot s%d: %d floats at %d, steps %d..%d\n", i, s.Size, s.Off, s.First, s.Last)
	}
	return sb.String()
}

func slotList(bs []*buffer) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("s%d", b.slot))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// histogram counts the steps by operator ("gorn.Conv x53"), most frequent
// first, and the in-place residual additions.
func (m *Model) histogram() []string {
	count := map[string]int{}
	var kinds []string
	inPlace := 0
	for _, st := range m.steps {
		if count[st.kind] == 0 {
			kinds = append(kinds, st.kind)
		}
		count[st.kind]++
		if strings.Contains(st.note, "residual added in place") {
			inPlace++
		}
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return count[b] - count[a] })
	out := make([]string, len(kinds), len(kinds)+1)
	for i, k := range kinds {
		out[i] = fmt.Sprintf("%s x%d", k, count[k])
	}
	if inPlace > 0 {
		out = append(out, fmt.Sprintf("%d residual additions in place", inPlace))
	}
	return out
}
