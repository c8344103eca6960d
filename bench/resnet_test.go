package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/gorn-ml/gorn/resnet"
)

var resnetArchs = []struct {
	name string
	arch resnet.Arch
}{
	{"resnet18", resnet.ResNet18()},
	{"resnet50", resnet.ResNet50()},
}

// BenchmarkResNet runs whole networks on 224x224 images with synthetic
// weights. Compare thread counts with, e.g.,
//
//	go test -run '^$' -bench 'ResNet/' -count 10 | tee new.txt
//	benchstat -col /threads new.txt
func BenchmarkResNet(b *testing.B) {
	for _, a := range resnetArchs {
		for _, batch := range []int{1, 8} {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("arch=%s/batch=%d/threads=%d", a.name, batch, threads)
				b.Run(name, func(b *testing.B) { benchResNet(b, a.arch, batch, threads) })
			}
		}
	}
}

func benchResNet(b *testing.B, a resnet.Arch, batch, threads int) {
	m, err := resnet.NewRandom(a, 1, &resnet.Options{Threads: threads, MaxBatch: batch})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	src := make([]float32, batch*m.InputLen())
	for i := range src {
		src[i] = float32(i%251)/125 - 1
	}
	dst := make([]float32, batch*m.Classes())
	ctx := context.Background()
	if err := m.Infer(ctx, dst, src, batch); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Infer(ctx, dst, src, batch); err != nil {
			b.Fatal(err)
		}
	}
	perImg := b.Elapsed().Seconds() / float64(b.N) / float64(batch)
	b.ReportMetric(perImg*1e3, "ms/img")
	b.ReportMetric(1/perImg, "img/s")
	b.ReportMetric(float64(a.FLOPs(224, 224))/perImg/1e9, "GFLOP/s")
}

var profileArch = flag.String("resnet.profile", "", "print a per-layer profile of this network (resnet18 or resnet50) in TestResNetProfile")
var profileThreads = flag.Int("resnet.threads", 1, "threads for TestResNetProfile")
var profileBatch = flag.Int("resnet.batch", 1, "batch for TestResNetProfile")

// TestResNetProfile prints the time and GFLOP/s of every layer, e.g.
//
//	go test -run ResNetProfile -v -resnet.profile resnet50 -resnet.threads 2
func TestResNetProfile(t *testing.T) {
	if *profileArch == "" {
		t.Skip("set -resnet.profile to an architecture")
	}
	var arch *resnet.Arch
	for _, a := range resnetArchs {
		if a.name == *profileArch {
			arch = &a.arch
		}
	}
	if arch == nil {
		t.Fatalf("unknown architecture %q", *profileArch)
	}
	batch := *profileBatch
	m, err := resnet.NewRandom(*arch, 1, &resnet.Options{Threads: *profileThreads, MaxBatch: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src := make([]float32, batch*m.InputLen())
	stats, err := m.Profile(context.Background(), src, batch, 10)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%v batch %d threads %d level %s\n", *arch, batch, *profileThreads, m.Level().Name())
	if err := resnet.WriteProfile(os.Stdout, stats); err != nil {
		t.Fatal(err)
	}
}
