package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/onnx"
)

// TestQuantizeFlags checks every bad command line is refused with a usage
// error (exit 2) or an error (exit 1) that names the problem.
func TestQuantizeFlags(t *testing.T) {
	dir := t.TempDir()
	calib := filepath.Join(digitsDir, "heldout")
	out := filepath.Join(dir, "q.onnx")
	empty := t.TempDir()
	base := []string{"quantize", "-model", digitsModel, "-calib", calib, "-o", out}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"quantize", "-calib", calib, "-o", out}, 2, "-model is required"},
		{[]string{"quantize", "-model", digitsModel, "-o", out}, 2, "-calib is required"},
		{[]string{"quantize", "-model", digitsModel, "-calib", calib}, 2, "-o is required"},
		{append(base, "-method", "kl"), 2, "-method"},
		{append(base, "-activations", "int4"), 2, "-activations"},
		{append(base, "-percentile", "30"), 2, "-percentile"},
		{append(base, "-percentile", "101"), 2, "-percentile"},
		{append(base, "-limit", "-1"), 2, "-limit"},
		{append(base, "-crop", "0"), 2, "-crop"},
		{append(base, "-resize", "0"), 2, "-resize"},
		{append(base, "-std", "1,0,1"), 2, "-std"},
		{append(base, "-mean", "1,2"), 2, "-mean"},
		{append(base, "-filter", "nearest"), 2, "-filter"},
		{append(base, "-bogus"), 2, "bogus"},
		{append(base, "extra"), 2, "unexpected argument"},
		{append(base, "-keep-float", "nosuch", "-limit", "2"), 1, "nosuch"},
		{[]string{"quantize", "-model", digitsModel, "-calib", empty, "-o", out}, 1, "no .png"},
		{[]string{"quantize", "-model", digitsModel, "-calib", filepath.Join(dir, "missing"), "-o", out}, 1, "missing"},
		{[]string{"quantize", "-model", filepath.Join(dir, "none.onnx"), "-calib", calib, "-o", out}, 1, "none.onnx"},
		{append(base, "-crop", "20", "-limit", "2"), 1, ""}, // the model's input is 32x32
	} {
		code, _, stderr := runGorn(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args[1:], code, stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed run wrote the output")
	}
}

// TestQuantizeDigits runs gorn quantize on 20 digit images and checks the
// report and the written file.
func TestQuantizeDigits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "q.onnx")
	code, stdout, stderr := runGorn(t, "quantize", "-model", digitsModel, "-calib", filepath.Join(digitsDir, "heldout"),
		"-o", out, "-limit", "20", "-method", "percentile", "-keep-float", "first", "-threads", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"percentile ranges, UINT8 activations, 20 calibration images", "/fc/Gemm", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if !slices.ContainsFunc(strings.Split(stdout, "\n"), func(l string) bool {
		f := strings.Fields(l)
		return len(f) == 3 && f[0] == "/conv1/Conv" && f[2] == "(float)"
	}) {
		t.Errorf("report does not list /conv1/Conv as float:\n%s", stdout)
	}
	m, err := onnx.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ops := map[string]int{}
	for _, n := range m.Graph.Nodes {
		ops[n.OpType]++
	}
	// 12 convs and the fc: 11 convs + fc quantized, 4 Adds; weights and
	// biases each get a DequantizeLinear.
	if ops["QuantizeLinear"] == 0 || ops["DequantizeLinear"] <= ops["QuantizeLinear"] || ops["Conv"] != 12 {
		t.Fatalf("ops %v", ops)
	}
	if m.Metadata["gorn.preprocess.crop"] == "" || !strings.Contains(m.Metadata["gorn.quantize"], "percentile") {
		t.Fatalf("metadata %v", m.Metadata)
	}
}
