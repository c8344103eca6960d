//go:build unix

package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestNonRegularFiles: an external data location or a model path that
// names a FIFO is refused at once; opening a FIFO for reading would wait
// for a writer forever.
func TestNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.bin")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	model := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(model, modelMsg(13, msg(nil).bytes(5, extTensor("e", "pipe.bin", 0, 4))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{model, fifo} {
		done := make(chan error, 1)
		go func() {
			m, err := Load(path)
			if err == nil {
				m.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: error %v, want a refusal of the FIFO", filepath.Base(path), err)
			}
		case <-time.After(time.Minute):
			// Unblock the reader so that the test process can end.
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
			t.Fatalf("%s: Load blocks on a FIFO", filepath.Base(path))
		}
	}
}
