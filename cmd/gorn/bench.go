package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/kernels"
	"github.com/gorn-ml/gorn/resnet"
)

const benchUsage = `
Usage: gorn bench [-model M | -arch NAME] [-batch B] [-threads T] [-n RUNS] [-size S] [-profile]

Measures inference speed. With -model it runs that file; with only -arch
(default resnet50) it runs the architecture with synthetic weights
(resnet.NewRandom, seed 1, -classes outputs). The input is a fixed
pseudo-random batch of B images of S x S pixels (default: the model's input
size, or 224).

After -warmup untimed runs, each of RUNS timed runs calls Infer once on the
whole batch. It prints:
  latency     median and 90th percentile (nearest rank) of run time / B,
              in ms per image
  throughput  B / median run time in images per second, and GFLOP/s: the
              model's FLOPs per image (2 x the MACs of the compiled plan:
              convolutions and fully connected layers) x images per second
  peak        GFLOP/s as a percentage of this CPU's float32 peak
  kernels     the kernels level the model runs on and the best level this
              CPU has (kernels.Active)
  levels      every level compiled in: in use, available or not, and why
-profile then adds a per-step table in execution order (engine.Model.Profile:
step, operator, shape, mean ms per batch, share of the total, GFLOP/s),
measured over RUNS more runs; timing each layer adds a little overhead.

` + peakHelp + "\n" + modelHelp

// benchConfig holds the bench flags.
type benchConfig struct {
	mf      modelFlags
	batch   int
	runs    int
	warmup  int
	size    int
	classes int
	profile bool
	peak    float64
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", benchUsage)
	var c benchConfig
	c.mf.register(fs, true)
	fs.IntVar(&c.batch, "batch", 1, "images per Infer call")
	fs.IntVar(&c.runs, "n", 20, "timed runs")
	fs.IntVar(&c.warmup, "warmup", 2, "untimed runs first")
	fs.IntVar(&c.size, "size", 0, "input height and width in `pixels` (0: the model's, or 224)")
	fs.IntVar(&c.classes, "classes", 1000, "classes of the synthetic model (-arch without -model)")
	fs.BoolVar(&c.profile, "profile", false, "print the per-layer table")
	fs.Float64Var(&c.peak, "peak", 0, "this CPU's float32 peak in `GFLOP/s` for the percentage (0: estimate)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case c.batch < 1 || c.batch > 1024:
		return usageErrorf("-batch %d: want 1 to 1024", c.batch)
	case c.runs < 1 || c.warmup < 0:
		return usageErrorf("-n must be at least 1 and -warmup at least 0")
	case c.size != 0 && (c.size < 32 || c.size > 4096):
		return usageErrorf("-size %d: want 32 to 4096", c.size)
	case c.classes < 1:
		return usageErrorf("-classes must be at least 1")
	case c.peak < 0 || c.mf.threads < 0:
		return usageErrorf("-peak and -threads cannot be negative")
	}
	m, desc, err := c.open()
	if err != nil {
		return err
	}
	defer m.Close()
	times, err := c.measure(ctx, m)
	if err != nil {
		return err
	}
	c.report(e, m, desc, times)
	if c.profile {
		return c.printProfile(ctx, e, m)
	}
	return nil
}

// benchModel is a compiled model and how to release it.
type benchModel struct {
	*engine.Model
	close func()
}

func (m *benchModel) Close() { m.close() }

// open compiles the model to measure and describes it.
func (c *benchConfig) open() (*benchModel, string, error) {
	if c.mf.path == "" {
		name := c.mf.arch
		if name == "" {
			name = "resnet50"
		}
		a, err := parseArch(name)
		if err != nil {
			return nil, "", usageErrorf("-arch: %v", err)
		}
		if err := checkLevel(c.mf.level); err != nil {
			return nil, "", err
		}
		a = a.WithClasses(c.classes)
		size := c.sizeOr(224)
		opt := &resnet.Options{Threads: c.mf.threads, MaxBatch: c.batch, Height: size, Width: size, Level: c.mf.level}
		m, err := resnet.NewRandom(a, 1, opt)
		if err != nil {
			return nil, "", err
		}
		return &benchModel{m.Engine(), m.Close}, a.String() + " (synthetic weights)", nil
	}
	f, err := c.mf.loadFile()
	if err != nil {
		return nil, "", err
	}
	desc := fmt.Sprintf("%s (%s)", c.mf.path, f.Format)
	if f.Graph == nil {
		desc = fmt.Sprintf("%s (%s)", f.Arch, c.mf.path)
	}
	m, err := c.mf.compile(f, c.size, c.size, c.batch)
	if err != nil {
		return nil, "", err
	}
	return &benchModel{m.Model.Model, m.Close}, desc, nil
}

// sizeOr is -size, or def when it is not given.
func (c *benchConfig) sizeOr(def int) int {
	if c.size != 0 {
		return c.size
	}
	return def
}

// benchInput is a deterministic pseudo-random batch in [-2, 2).
func benchInput(n int) []float32 {
	src := make([]float32, n)
	x := uint32(2463534242)
	for i := range src {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		src[i] = float32(x>>8)/(1<<24)*4 - 2
	}
	return src
}

// measure returns the time of each timed run.
func (c *benchConfig) measure(ctx context.Context, m *benchModel) ([]time.Duration, error) {
	src := benchInput(c.batch * m.InputLen())
	dst := make([]float32, c.batch*m.Outputs()[0].Len())
	for range c.warmup {
		if err := m.Infer(ctx, dst, src, c.batch); err != nil {
			return nil, err
		}
	}
	times := make([]time.Duration, c.runs)
	for i := range times {
		t := time.Now()
		if err := m.Infer(ctx, dst, src, c.batch); err != nil {
			return nil, err
		}
		times[i] = time.Since(t)
	}
	return times, nil
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	r := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(r, 1), len(sorted))-1]
}

// median is the middle value of sorted (the mean of the two middle ones
// for an even count).
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func (c *benchConfig) report(e *env, m *benchModel, desc string, times []time.Duration) {
	slices.Sort(times)
	in := m.Input().Shape
	h, w := in[2], in[3]
	flops := float64(2 * m.MACs())
	med, p90 := median(times), percentile(times, 90)
	perImg := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(c.batch) }
	imgs := float64(c.batch) / med.Seconds()
	gflops := flops * imgs / 1e9
	out := e.stdout
	fmt.Fprintf(out, "model       %s\n", desc)
	fmt.Fprintf(out, "input       %d x %d x %d x %d, %d threads\n", c.batch, m.InputLen()/(h*w), h, w, m.Threads())
	fmt.Fprintf(out, "kernels     %s (best on this CPU: %s)\n", m.Level(), kernels.Active())
	printLevels(out, "levels", 12, m.Level())
	fmt.Fprintf(out, "work        %s per image (%.3g GFLOP)\n", macString(m.MACs()), flops/1e9)
	fmt.Fprintf(out, "runs        %d timed after %d warm-up\n", c.runs, c.warmup)
	fmt.Fprintf(out, "latency     median %.3f ms/img, p90 %.3f ms/img\n", perImg(med), perImg(p90))
	fmt.Fprintf(out, "throughput  %.1f img/s, %.1f GFLOP/s\n", imgs, gflops)
	if c.peak > 0 {
		fmt.Fprintf(out, "peak        %.1f %% of %.0f GFLOP/s (given with -peak)\n", 100*gflops/c.peak, c.peak)
		return
	}
	p := estimatePeak(m.Threads(), m.Level().Name())
	fmt.Fprintf(out, "peak        %.1f %% of %s\n", 100*gflops/p.gflops(), p)
}

// macString formats a MAC count in GMAC, or MMAC below 10^9.
func macString(n int64) string {
	if v := float64(n); v >= 1e9 {
		return fmt.Sprintf("%.3f GMAC", v/1e9)
	}
	return fmt.Sprintf("%.3f MMAC", float64(n)/1e6)
}

// printProfile prints the per-step table (engine.WriteProfile).
func (c *benchConfig) printProfile(ctx context.Context, e *env, m *benchModel) error {
	src := benchInput(c.batch * m.InputLen())
	stats, err := m.Profile(ctx, src, c.batch, c.runs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nper step, mean of %d runs of batch %d:\n", c.runs, c.batch)
	return engine.WriteProfile(e.stdout, stats)
}
