package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/resnet"
)

// ortModels is where torchvision's ResNet ONNX files are (bench/ort's
// download, git-ignored); GORN_ORT_MODELS overrides it.
func ortModels() string {
	if d := os.Getenv("GORN_ORT_MODELS"); d != "" {
		return d
	}
	return filepath.Join("ort", "models")
}

// BenchmarkGraphResNet runs torchvision's ResNet-50 and ResNet-18 ONNX
// files (bench/ort/models, see bench/ort/README.md) at batch 1 on 224x224
// images: path=graph compiles them with onnx.LoadModel (the graph
// compiler: import, graph/opt passes, engine), path=recognizer with
// onnx.LoadResNet (the ResNet recogniser and resnet.Model), for the same
// file in the same run. It skips when the files are absent. Compare:
//
//	go test -run '^$' -bench 'GraphResNet/' -count 10 | tee graph.txt
//	benchstat -col /path graph.txt
func BenchmarkGraphResNet(b *testing.B) {
	for _, model := range []string{"resnet50", "resnet18"} {
		path := filepath.Join(ortModels(), model+".onnx")
		for _, threads := range []int{1, 2} {
			for _, via := range []string{"graph", "recognizer"} {
				name := fmt.Sprintf("model=%s/path=%s/threads=%d", model, via, threads)
				b.Run(name, func(b *testing.B) {
					if _, err := os.Stat(path); err != nil {
						b.Skipf("%s is absent (run `make` in bench/ort to fetch torchvision's ONNX files, or set GORN_ORT_MODELS): %v", path, err)
					}
					benchONNX(b, path, via, threads)
				})
			}
		}
	}
}

// inferer is what both paths' models offer.
type inferer interface {
	Infer(ctx context.Context, dst, src []float32, batch int) error
	Close()
}

func benchONNX(b *testing.B, path, via string, threads int) {
	var m inferer
	var in, out int
	switch via {
	case "graph":
		em, err := onnx.LoadModel(path, &onnx.CompileOptions{
			Import: onnx.ImportOptions{Height: 224, Width: 224},
			Engine: engine.Options{Threads: threads},
		})
		if err != nil {
			b.Fatal(err)
		}
		m, in, out = em, em.InputLen(), em.Outputs()[0].Len()
	default:
		rm, err := onnx.LoadResNet(path, &resnet.Options{Threads: threads})
		if err != nil {
			b.Fatal(err)
		}
		m, in, out = rm, rm.InputLen(), rm.Classes()
	}
	defer m.Close()
	src := make([]float32, in)
	for i := range src {
		src[i] = float32(i%251)/125 - 1
	}
	dst := make([]float32, out)
	ctx := context.Background()
	if err := m.Infer(ctx, dst, src, 1); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Infer(ctx, dst, src, 1); err != nil {
			b.Fatal(err)
		}
	}
	perImg := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perImg*1e3, "ms/img")
	b.ReportMetric(1/perImg, "img/s")
}
