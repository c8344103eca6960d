package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/internal/statedict"
	"github.com/gorn-ml/gorn/onnx"
)

// The rows of issue 15's table that the command line shows, one case each.
func TestIssue15Rows(t *testing.T) {
	img := filepath.Join(digitsDir, "heldout", "0000.png") // a 7
	full := mustRead(t, digitsModel)
	text := writeFile(t, "x.onnx", []byte("this is a text file\nnot a model\n"))
	empty := writeFile(t, "e.onnx", nil)
	trunc := writeFile(t, "t.onnx", full[:len(full)/2])
	truncPNG := writeFile(t, "t.png", mustRead(t, img)[:200])
	bigCrop := writeFile(t, "crop.safetensors", digitsStateDict(t, map[string]string{"gorn.preprocess.crop": "16384"}))
	for _, tc := range []struct {
		row  string
		args []string
		code int
		want []string // in stderr
		not  []string
	}{
		{"4", []string{"classify", "-model", digitsModel, "-threads", "10000000", img}, 2, []string{"-threads must be at most 256"}, nil},
		{"5", []string{"classify", "-model", digitsModel, "-threads", "-5", img}, 2, []string{"-threads must be >= 0"}, []string{"{Threads"}},
		{"5 bench", []string{"bench", "-threads", "-5"}, 2, []string{"-threads must be >= 0"}, nil},
		{"6", []string{"classify", "-model", bigCrop, img}, 1, []string{bigCrop, "16384x16384 exceeds"}, nil},
		{"12 text", []string{"classify", "-model", text, img}, 1, []string{text + ": not an ONNX model"}, []string{"model (onnx:", "onnx: " + text}},
		{"12 empty", []string{"info", "-model", empty}, 1, []string{empty + ": empty file"}, []string{"opset 0"}},
		{"12 truncated", []string{"info", "-model", trunc}, 1, []string{trunc + ": truncated"}, []string{"file (onnx:", "onnx: " + trunc}},
		{"13", []string{"classify", "-model", digitsModel, truncPNG}, 1, []string{truncPNG + ": preprocess: png:"}, []string{"png: png:"}},
		{"16", []string{"classify", "-model", digitsModel, img, "-threads", "1", "-topk", "2"}, 0, nil, []string{"open"}},
		{"16 --", []string{"classify", "-model", digitsModel, "--", "-threads"}, 1, []string{"open -threads"}, nil},
	} {
		code, _, stderr := runGorn(t, tc.args...)
		if code != tc.code {
			t.Errorf("row %s: %q: status %d, want %d; stderr %q", tc.row, tc.args, code, tc.code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("row %s: stderr %q lacks %q", tc.row, stderr, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(stderr, w) {
				t.Errorf("row %s: stderr %q contains %q", tc.row, stderr, w)
			}
		}
	}
}

// digitsStateDict is the digits model as a safetensors state dict with
// the given metadata.
func digitsStateDict(t *testing.T, meta map[string]string) []byte {
	t.Helper()
	m, err := onnx.Load(digitsModel)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b, err := statedict.Safetensors(m, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Row 14: a level the CPU has the instructions for but that is not enabled
// says so; one it lacks says that.
func TestLevelError(t *testing.T) {
	off := levelError("avx512", "AVX-512F and GORN_AVX512=1 (not yet verified on hardware)", true).Error()
	if strings.Contains(off, "lacks") || !strings.Contains(off, "this CPU has the instructions, but the level is not enabled") {
		t.Errorf("CPU with AVX-512F: %q", off)
	}
	lack := levelError("avx512", "AVX-512F", false).Error()
	if !strings.Contains(lack, "which this CPU lacks") {
		t.Errorf("CPU without: %q", lack)
	}
	code, _, stderr := runGorn(t, "bench", "-level", "sse9")
	if code != 1 || !strings.Contains(stderr, "no level") {
		t.Errorf("unknown level: %d %q", code, stderr)
	}
}

// Row 15: the peak is that of the level that runs: the generic level on an
// AVX2 or AVX-512 CPU gets the scalar width, not the vector one.
func TestPeakOfRunningLevel(t *testing.T) {
	for _, tc := range []struct {
		level string
		amd   bool
		lanes int
	}{{"avx512", false, 32}, {"avx512", true, 16}, {"avx2", true, 16}, {"avx2", false, 16}, {"neon", false, 8}, {"generic", false, 2}} {
		if got := fmaLanes(tc.level, tc.amd); got != tc.lanes {
			t.Errorf("%s (AMD %v): %d lanes, want %d", tc.level, tc.amd, got, tc.lanes)
		}
	}
	code, stdout, stderr := runGorn(t, "bench", "-model", digitsModel, "-n", "1", "-level", "generic", "-threads", "1")
	if code != 0 || !strings.Contains(stdout, "x 2 FMA lanes") {
		t.Errorf("bench -level generic: %d %q\n%s", code, stderr, stdout)
	}
}

// Row 18: gorn version; classify -json; -keep-going.
func TestVersionJSONKeepGoing(t *testing.T) {
	code, stdout, stderr := runGorn(t, "version")
	for _, w := range []string{"gorn ", "go       go1.", "kernels  ", "cpu      "} {
		if code != 0 || !strings.Contains(stdout, w) {
			t.Errorf("version: %d %q lacks %q:\n%s", code, stderr, w, stdout)
		}
	}
	imgs := []string{filepath.Join(digitsDir, "heldout", "0000.png"), filepath.Join(digitsDir, "heldout", "0001.png")}
	bad := writeFile(t, "bad.png", []byte("junk"))
	code, stdout, stderr = runGorn(t, "classify", "-model", digitsModel, "-json", "-topk", "2", "-keep-going", imgs[0], bad, imgs[1])
	if code != 1 || !strings.Contains(stderr, "bad.png: preprocess: not a JPEG or PNG image") || !strings.Contains(stderr, "1 of 3 images failed") {
		t.Errorf("-keep-going: status %d, stderr %q", code, stderr)
	}
	type line struct {
		File        string
		Error       string
		Predictions []map[string]any
	}
	var lines []line
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 || lines[1].Error == "" || len(lines[0].Predictions) != 2 || lines[2].File != imgs[1] {
		t.Fatalf("-json lines: %+v", lines)
	}
	if p := lines[0].Predictions[0]; p["index"] != 7.0 || p["label"] != "7" || p["probability"].(float64) < 0.5 {
		t.Errorf("first prediction %v", p)
	}
	// Without -keep-going, the first failure stops the run.
	code, stdout, _ = runGorn(t, "classify", "-model", digitsModel, bad, imgs[0])
	if code != 1 || stdout != "" {
		t.Errorf("without -keep-going: status %d, stdout %q", code, stdout)
	}
}
