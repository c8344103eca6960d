// Command resnetrun builds a ResNet with synthetic weights and runs it: a
// tool for measuring speed, per-layer profiles and memory (peak RSS with
// /usr/bin/time -v) without a model file.
//
//	go run ./resnet/internal/resnetrun -arch resnet50 -n 100 -threads 1
//	go run ./resnet/internal/resnetrun -arch resnet18 -profile
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorn-ml/gorn/resnet"
)

var archs = map[string]func() resnet.Arch{
	"resnet18": resnet.ResNet18, "resnet34": resnet.ResNet34, "resnet50": resnet.ResNet50,
	"resnet101": resnet.ResNet101, "resnet152": resnet.ResNet152,
	"wide_resnet50_2": resnet.WideResNet50_2, "resnext50_32x4d": resnet.ResNeXt50_32x4d,
}

func main() {
	arch := flag.String("arch", "resnet50", "architecture: resnet18, resnet34, resnet50, resnet101, resnet152, wide_resnet50_2, resnext50_32x4d")
	batch := flag.Int("batch", 1, "images per inference")
	threads := flag.Int("threads", 1, "threads per inference")
	size := flag.Int("size", 224, "input height and width")
	n := flag.Int("n", 100, "inferences to run")
	level := flag.String("level", "", "kernels level (default: the best this CPU runs)")
	profile := flag.Bool("profile", false, "print a per-layer profile of n runs instead")
	fromMap := flag.Bool("map", false, "make all weights first (resnet.Random) and compile them with resnet.New, as a model file would be, instead of resnet.NewRandom")
	flag.Parse()
	if err := run(*arch, *batch, *threads, *size, *n, *level, *profile, *fromMap); err != nil {
		fmt.Fprintln(os.Stderr, "resnetrun:", err)
		os.Exit(1)
	}
}

func run(name string, batch, threads, size, n int, level string, profile, fromMap bool) error {
	mk, ok := archs[name]
	if !ok {
		return fmt.Errorf("unknown arch %q", name)
	}
	a := mk()
	t0 := time.Now()
	opt := &resnet.Options{Threads: threads, MaxBatch: batch, Height: size, Width: size, Level: level}
	var m *resnet.Model
	var err error
	if fromMap {
		var w resnet.Weights
		if w, err = resnet.Random(a, 1); err == nil {
			m, err = resnet.New(a, w, opt)
		}
	} else {
		m, err = resnet.NewRandom(a, 1, opt)
	}
	if err != nil {
		return err
	}
	defer m.Close()
	build := time.Since(t0)
	src := make([]float32, batch*m.InputLen())
	for i := range src {
		src[i] = float32(i%255)/128 - 1
	}
	dst := make([]float32, batch*m.Classes())
	ctx := context.Background()
	fmt.Printf("%v %dx%d batch %d threads %d level %s: weights %.1f MB, workspace %.1f MB, built in %v\n",
		a, size, size, batch, threads, m.Level().Name(), float64(m.WeightBytes())/1e6, float64(m.WorkspaceBytes())/1e6, build.Round(time.Millisecond))
	if profile {
		stats, err := m.Profile(ctx, src, batch, n)
		if err != nil {
			return err
		}
		return resnet.WriteProfile(os.Stdout, stats)
	}
	cpu0 := cpuTime()
	times := make([]time.Duration, n)
	for i := range times {
		t := time.Now()
		if err := m.Infer(ctx, dst, src, batch); err != nil {
			return err
		}
		times[i] = time.Since(t)
	}
	cpu := (cpuTime() - cpu0) / time.Duration(n*batch)
	slices.Sort(times)
	med := times[n/2]
	ms := float64(med.Microseconds()) / 1e3 / float64(batch)
	gf := float64(a.FLOPs(size, size)) * float64(batch) / med.Seconds() / 1e9
	var ms2 runtime.MemStats
	runtime.ReadMemStats(&ms2)
	fmt.Printf("median %.2f ms/img (min %.2f, p90 %.2f per pass), %.1f img/s, %.1f GFLOP/s; CPU time %.2f ms/img; heap in use %.1f MB, from OS %.1f MB\n",
		ms, float64(times[0].Microseconds())/1e3, float64(times[n*9/10].Microseconds())/1e3,
		1000/ms, gf, float64(cpu.Microseconds())/1e3, float64(ms2.HeapInuse)/1e6, float64(ms2.Sys)/1e6)
	return nil
}

// cpuTime is the process's user and system CPU time so far, read from
// /proc/self/stat (Linux; 0 elsewhere), at the kernel's 100 Hz tick.
func cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the ")" closing the command name: state is field 3,
	// utime and stime are fields 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}
