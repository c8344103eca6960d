package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var digitsPath = filepath.Join(digitsDir, "digits_resnet.onnx")

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-model", "m.onnx", "-inflight", "3", "-resize", "32", "-crop", "32"}, io.Discard)
	if err != nil || o.model != "m.onnx" || o.cfg.MaxInFlight != 3 || o.open.Preprocess.CropWidth != 32 {
		t.Errorf("parseOptions: %+v, %v", o, err)
	}
	for _, args := range [][]string{{}, {"-model", "m.onnx", "-bogus"}, {"-model", "m.onnx", "extra"},
		{"-model", "m.onnx", "-threads", "-5"}, {"-model", "m.onnx", "-threads", "10000000"}} {
		if _, err := parseOptions(args, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("parseOptions(%q): %v, want a usage error", args, err)
		}
	}
	if _, err := parseOptions([]string{"-model", "m.onnx", "-labels", "/nonexistent"}, io.Discard); err == nil {
		t.Error("missing labels file accepted")
	}
	var help bytes.Buffer
	if _, err := parseOptions([]string{"-h"}, &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "-min-rate") {
		t.Errorf("-h: %v, printed %q", err, help.String())
	}
	ctx := context.Background()
	if err := serve(ctx, []string{"-model", "/nonexistent.onnx"}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("serve with a missing model: %v", err)
	}
	if err := serve(ctx, []string{"-model", digitsPath, "-crop", "8"}, io.Discard, nil); err == nil {
		t.Error("serve with crop 8 accepted")
	}
}

// Issue 15, row 17: -h exits 0 and a usage error 2, as gorn's do. The
// server is built and run as a program.
func TestExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server")
	}
	bin := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"-h"}, 0}, {[]string{"-bogus"}, 2}, {[]string{"-model", "/nonexistent.onnx"}, 1}} {
		err := exec.Command(bin, tc.args...).Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		if code != tc.code {
			t.Errorf("server %q: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}

// startServer runs serve on a free port until the returned stop is
// called; stop returns serve's error.
func startServer(t *testing.T, args ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return "", nil
}

// Issue 15, row 2: without -resize or -crop the server takes the model's
// metadata (32x32, labels "0".."9") and gets PyTorch's answers, from an
// .onnx file and from a .safetensors one.
func TestServeModelDefaults(t *testing.T) {
	d := loadDigits(t)
	st := digitsSafetensors(t)
	for _, model := range []string{digitsPath, st} {
		base, stop := startServer(t, "-model", model, "-threads", "1")
		for i := range 10 {
			resp, err := http.Post(base+"/classify", "image/png", bytes.NewReader(d.images[i]))
			if err != nil {
				t.Fatal(err)
			}
			var a Answer
			err = json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || a.Predictions[0].Index != d.preds[i] || a.Predictions[0].Label != string(rune('0'+d.preds[i])) {
				t.Fatalf("%s, image %d: status %d, %+v, %v; PyTorch says %d", model, i, resp.StatusCode, a, err, d.preds[i])
			}
		}
		if err := stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
}

// digitsSafetensors converts the demo model to a safetensors state dict
// with the same metadata.
func digitsSafetensors(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digits.safetensors")
	data, err := os.ReadFile(digitsPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSafetensors(path, data); err != nil {
		t.Fatal(err)
	}
	return path
}

// Graceful shutdown drains: a request whose upload is still arriving when
// shutdown starts gets its answer; new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	d := loadDigits(t)
	base, stop := startServer(t, "-model", digitsPath, "-threads", "1")
	pr, pw := io.Pipe()
	answer := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/classify", "image/png", pr)
		if err != nil {
			answer <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	pw.Write(d.images[0][:10]) // the request is in flight
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}
	pw.Write(d.images[0][10:])
	pw.Close()
	if code := <-answer; code != 200 {
		t.Errorf("request in flight at shutdown: status %d", code)
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
