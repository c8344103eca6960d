// Package proftab formats per-step profiles as tables; engine.WriteProfile
// and resnet.WriteProfile share it.
package proftab

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Row is one profiled step; engine.OpStat and resnet.LayerStat convert to
// it.
type Row struct {
	Name, Op, Shape string
	MACs            int64
	Time            time.Duration
}

// GFLOPS is 2*macs per t in GFLOP/s, 0 when t is not positive.
func GFLOPS(macs int64, t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	return 2 * float64(macs) / t.Seconds() / 1e9
}

// Write prints rows as a table whose first column is headed first: one row
// per step with its time, share of the total and GFLOP/s, then the total.
func Write(w io.Writer, first string, rows []Row) error {
	var total time.Duration
	var macs int64
	for _, s := range rows {
		total += s.Time
		macs += s.MACs
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\top\tshape\tms\t%%\tGFLOP/s\t\n", first)
	for _, s := range rows {
		share := 0.0
		if total > 0 {
			share = 100 * float64(s.Time) / float64(total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%.1f\t%.1f\t\n", s.Name, s.Op, s.Shape,
			float64(s.Time.Microseconds())/1e3, share, GFLOPS(s.MACs, s.Time))
	}
	fmt.Fprintf(tw, "total\t\t\t%.3f\t100.0\t%.1f\t\n", float64(total.Microseconds())/1e3, GFLOPS(macs, total))
	return tw.Flush()
}
