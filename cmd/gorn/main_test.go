package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/safetensors"
	"google.golang.org/protobuf/encoding/protowire"
)

const digitsDir = "../../testdata/digits"

var digitsModel = filepath.Join(digitsDir, "digits_resnet.onnx")

// runGorn runs the command line in-process and returns its exit status and
// output.
func runGorn(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeFile writes data to a new file called name in a temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	junkONNX := writeFile(t, "junk.onnx", []byte("this is not a protobuf\xff\xff\xff"))
	emptyONNX := writeFile(t, "empty.onnx", nil)
	junkST := writeFile(t, "junk.safetensors", []byte{1, 2, 3})
	noResNet := writeFile(t, "conv.safetensors", encodeStateDict(t, map[string][]int{"conv1.weight": {8, 3, 5, 5}, "fc.weight": {2, 8}}))
	badMeta := writeFile(t, "meta.onnx", withMetadata(t, digitsModel, "gorn.preprocess.crop", "a lot"))
	short := writeFile(t, "short.bin", make([]byte, 4*3*32*32-4))
	input := filepath.Join(digitsDir, "heldout_inputs.f32")
	notImage := writeFile(t, "x.png", []byte("hello"))
	truncated := writeFile(t, "t.png", mustRead(t, filepath.Join(digitsDir, "heldout", "0000.png"))[:100])
	out := filepath.Join(t.TempDir(), "out.bin")
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"unknown flag", []string{"info", "-bogus"}, 2},
		{"bad flag value", []string{"bench", "-batch", "x"}, 2},
		{"info without model", []string{"info"}, 2},
		{"info extra argument", []string{"info", "-model", digitsModel, "extra"}, 2},
		{"info missing file", []string{"info", "-model", "/nonexistent/m.onnx"}, 1},
		{"info junk onnx", []string{"info", "-model", junkONNX}, 1},
		{"info empty onnx", []string{"info", "-model", emptyONNX}, 1},
		{"info unknown extension", []string{"info", "-model", input}, 2},
		{"info onnx with arch", []string{"info", "-model", digitsModel, "-arch", "resnet18"}, 2},
		{"junk safetensors without arch", []string{"info", "-model", junkST}, 1},
		{"safetensors of no ResNet", []string{"info", "-model", noResNet}, 1},
		{"classify bad metadata", []string{"classify", "-model", badMeta, notImage}, 1},
		{"safetensors bad arch", []string{"info", "-model", junkST, "-arch", "resnet9"}, 2},
		{"junk safetensors", []string{"info", "-model", junkST, "-arch", "resnet18"}, 1},
		{"run without shape", []string{"run", "-model", digitsModel, "-input", input, "-output", out}, 2},
		{"run without output", []string{"run", "-model", digitsModel, "-input", input, "-shape", "1,3,32,32"}, 2},
		{"run three dims", []string{"run", "-model", digitsModel, "-input", input, "-shape", "3,32,32", "-output", out}, 2},
		{"run zero dim", []string{"run", "-model", digitsModel, "-input", input, "-shape", "0,3,32,32", "-output", out}, 2},
		{"run huge shape", []string{"run", "-model", digitsModel, "-input", input, "-shape", "65536,3,224,224", "-output", out}, 2},
		{"run wrong size", []string{"run", "-model", digitsModel, "-input", input, "-shape", "1,3,32,32", "-output", out}, 1},
		{"run short file", []string{"run", "-model", digitsModel, "-input", short, "-shape", "1,3,32,32", "-output", out}, 1},
		{"run missing input", []string{"run", "-model", digitsModel, "-input", "/nonexistent", "-shape", "1,3,32,32", "-output", out}, 1},
		{"run wrong image size", []string{"run", "-model", digitsModel, "-input", input, "-shape", "8,3,64,32", "-output", out}, 1},
		{"run wrong channels", []string{"run", "-model", digitsModel, "-input", input, "-shape", "96,1,32,32", "-output", out}, 1},
		{"run bad threads", []string{"run", "-model", digitsModel, "-input", input, "-shape", "32,3,32,32", "-output", out, "-threads", "-1"}, 2},
		{"run bad level", []string{"run", "-model", digitsModel, "-input", input, "-shape", "32,3,32,32", "-output", out, "-level", "sse9"}, 1},
		{"run unwritable output", []string{"run", "-model", digitsModel, "-input", input, "-shape", "32,3,32,32", "-output", "/nonexistent/o.bin"}, 1},
		{"bench zero batch", []string{"bench", "-batch", "0"}, 2},
		{"bench small size", []string{"bench", "-size", "16"}, 2},
		{"bench unknown arch", []string{"bench", "-arch", "resnet9"}, 2},
		{"bench bad version", []string{"bench", "-arch", "resnet18-v3"}, 2},
		{"bench zero runs", []string{"bench", "-n", "0"}, 2},
		{"classify without images", []string{"classify", "-model", digitsModel}, 2},
		{"classify without model", []string{"classify", notImage}, 2},
		{"classify bad filter", []string{"classify", "-model", digitsModel, "-filter", "lanczos", notImage}, 2},
		{"classify bad mean", []string{"classify", "-model", digitsModel, "-mean", "1,2", notImage}, 2},
		{"classify bad std", []string{"classify", "-model", digitsModel, "-std", "1,0,1", notImage}, 2},
		{"classify bad resize", []string{"classify", "-model", digitsModel, "-resize", "0", notImage}, 2},
		{"classify bad labels", []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", "-labels", "imagenet", notImage}, 1},
		{"classify missing labels", []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", "-labels", "/nonexistent", notImage}, 1},
		{"classify bad topk", []string{"classify", "-model", digitsModel, "-topk", "0", notImage}, 2},
		{"classify not an image", []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", notImage}, 1},
		{"classify truncated image", []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", truncated}, 1},
		{"classify missing image", []string{"classify", "-model", digitsModel, "-resize", "32", "-crop", "32", "/nonexistent.png"}, 1},
		{"classify wrong crop", []string{"classify", "-model", digitsModel, "-crop", "224", notImage}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runGorn(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr %q", code, tc.code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "gorn") {
				t.Errorf("stderr is not one line starting with gorn: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("unexpected stdout %q", stdout)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}} {
		code, stdout, stderr := runGorn(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Commands:") {
			t.Errorf("gorn %v: status %d, stderr %q, stdout %q", args, code, stderr, stdout)
		}
	}
	flags := map[string][]string{
		"classify": {"-model", "-topk", "-resize", "-crop", "-mean", "-std", "-labels", "-filter", "-threads"},
		"run":      {"-model", "-input", "-shape", "-output", "-output-name", "-threads", "-arch", "-level"},
		"bench":    {"-model", "-arch", "-batch", "-threads", "-n", "-size", "-profile", "-peak", "Peak:"},
		"info":     {"-model", "-arch"},
	}
	for _, c := range commands {
		code, stdout, stderr := runGorn(t, c.name, "-h")
		if code != 0 || stderr != "" {
			t.Errorf("%s -h: status %d, stderr %q", c.name, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage: gorn "+c.name) {
			t.Errorf("%s -h does not start with its usage line: %.80q", c.name, stdout)
		}
		for _, f := range flags[c.name] {
			if !strings.Contains(stdout, f) {
				t.Errorf("%s -h does not mention %s", c.name, f)
			}
		}
	}
}

func TestBench(t *testing.T) {
	code, stdout, stderr := runGorn(t, "bench", "-model", digitsModel, "-n", "3", "-batch", "2", "-peak", "100", "-profile")
	if code != 0 || stderr != "" {
		t.Fatalf("bench: status %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"latency     median", "p90", "img/s", "GFLOP/s", "% of 100 GFLOP/s", "kernels", "/layer1/layer1.0/conv1/Conv", "gorn.Conv", "/fc/Gemm", "total"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench output lacks %q:\n%s", want, stdout)
		}
	}
	if testing.Short() {
		return
	}
	code, stdout, stderr = runGorn(t, "bench", "-arch", "resnet18-v2", "-size", "32", "-classes", "10", "-n", "1", "-threads", "1", "-level", "generic")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "resnet18-v2 classes=10 (synthetic weights)") ||
		!strings.Contains(stdout, "kernels     generic") || !strings.Contains(stdout, "FMA lanes") {
		t.Errorf("bench -arch: status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

func TestStats(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		d := make([]time.Duration, len(v))
		for i, x := range v {
			d[i] = time.Duration(x) * time.Millisecond
		}
		return d
	}
	for _, tc := range []struct {
		sorted      []time.Duration
		median, p90 time.Duration
	}{
		{ms(5), 5 * time.Millisecond, 5 * time.Millisecond},
		{ms(1, 2), 1500 * time.Microsecond, 2 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5500 * time.Microsecond, 9 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 6 * time.Millisecond, 10 * time.Millisecond},
	} {
		if m, p := median(tc.sorted), percentile(tc.sorted, 90); m != tc.median || p != tc.p90 {
			t.Errorf("%v: median %v p90 %v, want %v %v", tc.sorted, m, p, tc.median, tc.p90)
		}
	}
}

func TestPeak(t *testing.T) {
	p := estimatePeak(1, "avx2")
	t.Logf("peak estimate: %v", p)
	if p.lanes < 4 || !(p.ghz > 0) || p.cores != 1 || !(p.gflops() > 0) {
		t.Errorf("implausible peak %+v", p)
	}
}

// encodeStateDict encodes F32 tensors of the given shapes (zeros) as safetensors.
func encodeStateDict(t *testing.T, shapes map[string][]int) []byte {
	t.Helper()
	var ts []safetensors.Tensor
	for name, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		st, err := safetensors.FromFloat32(name, shape, make([]float32, n))
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, st)
	}
	b, err := safetensors.Encode(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withMetadata returns the ONNX model at path with a metadata_props entry
// appended (a later entry for the same key replaces an earlier one).
func withMetadata(t *testing.T, path string, kv ...string) []byte {
	t.Helper()
	b := mustRead(t, path)
	for i := 0; i+1 < len(kv); i += 2 {
		var entry []byte
		entry = protowire.AppendTag(entry, 1, protowire.BytesType)
		entry = protowire.AppendString(entry, kv[i])
		entry = protowire.AppendTag(entry, 2, protowire.BytesType)
		entry = protowire.AppendString(entry, kv[i+1])
		b = protowire.AppendTag(b, 14, protowire.BytesType)
		b = protowire.AppendBytes(b, entry)
	}
	return b
}

// A .safetensors state dict needs no -arch: info, bench and run read the
// architecture from the shapes.
func TestSafetensorsWithoutArch(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "preact_bottleneck_w4.safetensors")
	code, stdout, stderr := runGorn(t, "info", "-model", path)
	if code != 0 || !strings.Contains(stdout, "architecture  resnet14-v2 width=4 classes=5 (from the tensor shapes)") {
		t.Errorf("info: status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = runGorn(t, "bench", "-model", path, "-n", "2", "-size", "45", "-threads", "1")
	if code != 0 || !strings.Contains(stdout, "-v2 width=4 classes=5 ("+path+")") {
		t.Errorf("bench: status %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// Preprocessing and labels come from an ONNX model's metadata unless flags
// say otherwise.
func TestClassifyMetadata(t *testing.T) {
	words := "zero,one,two,three,four,five,six,seven,eight,nine"
	model := writeFile(t, "digits.onnx", withMetadata(t, digitsModel, "gorn.labels", words))
	img := filepath.Join(digitsDir, "heldout", "0000.png") // a 7
	code, stdout, stderr := runGorn(t, "classify", "-model", model, "-topk", "1", img)
	if code != 0 || !strings.HasSuffix(stdout, "     7  seven\n") {
		t.Errorf("labels from metadata: status %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	code, stdout, stderr = runGorn(t, "classify", "-model", model, "-topk", "1", "-labels", "none", img)
	if code != 0 || !strings.HasSuffix(stdout, "     7\n") {
		t.Errorf("-labels none: status %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	// A crop of 30 from the metadata makes 30x30 inputs, which the model
	// (fixed at 32x32) rejects; -crop 32 overrides it.
	model = writeFile(t, "crop.onnx", withMetadata(t, digitsModel, "gorn.preprocess.crop", "30"))
	code, _, stderr = runGorn(t, "classify", "-model", model, img)
	if code != 1 || !strings.Contains(stderr, "crop 30x30, but the model takes 32x32 images") {
		t.Errorf("crop from metadata: status %d, stderr %q", code, stderr)
	}
	if code, _, stderr = runGorn(t, "classify", "-model", model, "-crop", "32", img); code != 0 {
		t.Errorf("-crop over metadata: status %d, stderr %q", code, stderr)
	}
	model = writeFile(t, "labels.onnx", withMetadata(t, digitsModel, "gorn.labels", "a,b"))
	code, _, stderr = runGorn(t, "classify", "-model", model, img)
	if code != 1 || !strings.Contains(stderr, "2 labels for 10 classes") {
		t.Errorf("too few labels: status %d, stderr %q", code, stderr)
	}
}
