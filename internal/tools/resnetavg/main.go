// Command resnetavg summarizes BenchmarkSgemm results for ResNet-50: the
// median GFLOP/s of each shape, per level and thread count, and the
// FLOP-weighted average over the network, where each shape counts its FLOPs
// times the number of times it occurs in ResNet-50 (batch 1, 224x224). The
// average is total FLOPs over total time, which is what the network sees.
// With BenchmarkFMAPeak results in the input it also prints % of peak,
// taking T times the one-thread FMA peak as the peak of T threads.
//
// Usage:
//
//	go test -run '^$' -bench 'Sgemm|FMAPeak' -count 10 ./kernels/ > bench.txt
//	benchstat -col /impl bench.txt
//	go run ./internal/tools/resnetavg bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
)

// shape is one GEMM (m = output pixels, n = Cout, k = kh*kw*Cin) and how
// many times ResNet-50 v1.5 runs it.
type shape struct{ m, n, k, count int }

// resnet50 counts each benchmarked shape over the network: the stem, the
// 3x3 convolutions of the four stages (3, 4, 6, 3 blocks), the 1x1
// expansions (plus stage 1's projection, which has the same shape), the 1x1
// reductions of every block but the first of a stage, and the fc. The first
// blocks' reductions and the strided projections are not benchmarked.
var resnet50 = []shape{
	{12544, 64, 147, 1},
	{3136, 64, 64, 1},   // stage 1, block 1 conv1
	{3136, 64, 576, 3},  // stage 1 conv2
	{3136, 256, 64, 4},  // stage 1 conv3 x3 + projection
	{3136, 64, 256, 2},  // stage 1 conv1, blocks 2-3
	{784, 128, 1152, 4}, // stage 2 conv2
	{784, 512, 128, 4},  // stage 2 conv3
	{784, 128, 512, 3},  // stage 2 conv1, blocks 2-4
	{196, 256, 2304, 6}, // stage 3 conv2
	{196, 256, 1024, 5}, // stage 3 conv1, blocks 2-6
	{196, 1024, 256, 6}, // stage 3 conv3
	{49, 512, 4608, 3},  // stage 4 conv2
	{49, 2048, 512, 3},  // stage 4 conv3
	{49, 512, 2048, 2},  // stage 4 conv1, blocks 2-3
	{1, 1000, 2048, 1},  // fc
}

func (s shape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

var (
	gemmLine = regexp.MustCompile(`^BenchmarkSgemm/impl=(\w+)/m=(\d+)/n=(\d+)/k=(\d+)/threads=(\d+)(?:-\d+)?\s.*?\s([\d.]+) GFLOP/s`)
	peakLine = regexp.MustCompile(`^BenchmarkFMAPeak/impl=\w+/threads=(\d+)(?:-\d+)?\s.*?\s([\d.]+) GFLOP/s`)
)

type key struct {
	impl           string
	m, n, k, thrds int
}

func main() {
	var in []io.Reader
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = append(in, f)
	}
	if len(in) == 0 {
		in = append(in, os.Stdin)
	}
	gemm, peak := map[key][]float64{}, map[int][]float64{}
	for _, r := range in {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := gemmLine.FindStringSubmatch(sc.Text()); m != nil {
				k := key{impl: m[1], m: atoi(m[2]), n: atoi(m[3]), k: atoi(m[4]), thrds: atoi(m[5])}
				gemm[k] = append(gemm[k], atof(m[6]))
			} else if m := peakLine.FindStringSubmatch(sc.Text()); m != nil {
				peak[atoi(m[1])] = append(peak[atoi(m[1])], atof(m[2]))
			}
		}
	}
	report(os.Stdout, gemm, peak)
}

func report(w io.Writer, gemm map[key][]float64, peak map[int][]float64) {
	type run struct {
		impl  string
		thrds int
	}
	var runs []run
	for k := range gemm {
		if r := (run{k.impl, k.thrds}); !slices.Contains(runs, r) {
			runs = append(runs, r)
		}
	}
	sort.Slice(runs, func(i, j int) bool {
		if runs[i].impl != runs[j].impl {
			return runs[i].impl < runs[j].impl
		}
		return runs[i].thrds < runs[j].thrds
	})
	// The peak of T threads is T times the one-thread FMA peak: the
	// measured T-thread probe also counts the pool's wake-up time.
	core := median(peak[1])
	for _, t := range slices.Sorted(maps.Keys(peak)) {
		fmt.Fprintf(w, "FMA probe, %d thread(s): %.1f GFLOP/s (median of %d)\n", t, median(peak[t]), len(peak[t]))
	}
	if core > 0 {
		fmt.Fprintf(w, "peak used for %%peak: %.1f GFLOP/s per thread\n", core)
	}
	for _, r := range runs {
		pk := core * float64(r.thrds)
		fmt.Fprintf(w, "\nimpl=%s threads=%d\n%-16s %5s %9s %7s\n", r.impl, r.thrds, "m/n/k", "count", "GFLOP/s", "%peak")
		var flops, secs float64
		complete := true
		for _, s := range resnet50 {
			v := gemm[key{r.impl, s.m, s.n, s.k, r.thrds}]
			if len(v) == 0 {
				complete = false
				continue
			}
			g := median(v)
			fmt.Fprintf(w, "%-16s %5d %9.1f %7s\n", fmt.Sprintf("%d/%d/%d", s.m, s.n, s.k), s.count, g, pct(g, pk))
			f := s.flops() * float64(s.count)
			flops += f
			secs += f / (g * 1e9)
		}
		if secs > 0 {
			avg := flops / secs / 1e9
			note := ""
			if !complete {
				note = " (some shapes missing)"
			}
			fmt.Fprintf(w, "%-16s %5s %9.1f %7s%s\n", "weighted", "", avg, pct(avg, pk), note)
		}
	}
}

func pct(g, peak float64) string {
	if peak == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*g/peak)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func atoi(s string) int {
	v, _ := strconv.Atoi(s)
	return v
}

func atof(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}
