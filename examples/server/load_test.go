package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorn-ml/gorn"
)

const digitsDir = "../../testdata/digits"

// digits is the held-out set of the demo model and PyTorch's predictions.
type digits struct {
	images [][]byte // PNG files
	preds  []int
}

func loadDigits(t testing.TB) *digits {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(digitsDir, "pytorch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Files       []string
		Predictions []int
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	d := &digits{preds: s.Predictions}
	for _, f := range s.Files {
		img, err := os.ReadFile(filepath.Join(digitsDir, "heldout", f))
		if err != nil {
			t.Fatal(err)
		}
		d.images = append(d.images, img)
	}
	return d
}

// digitsServer serves the demo model.
func digitsServer(t testing.TB, cfg Config) *httptest.Server {
	t.Helper()
	clf := digitsClassifier(t)
	srv := httptest.NewServer(NewServer(clf, cfg)) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// digitsClassifier opens the demo model, as the server does: its
// preprocessing and labels come from its metadata.
func digitsClassifier(t testing.TB) modelClassifier {
	t.Helper()
	clf, err := gorn.Open(filepath.Join(digitsDir, "digits_resnet.onnx"), &gorn.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clf.Close)
	return modelClassifier{clf}
}

// classifyRaw posts img and returns the status and the top class (-1 if
// none).
func classifyRaw(c *http.Client, url string, img []byte) (int, int, error) {
	resp, err := c.Post(url, "image/png", bytes.NewReader(img))
	if err != nil {
		return 0, -1, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, -1, err
	}
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return resp.StatusCode, -1, fmt.Errorf("status %d, body %q: %v", resp.StatusCode, body, err)
	}
	if len(a.Predictions) == 0 {
		return resp.StatusCode, -1, nil
	}
	return resp.StatusCode, a.Predictions[0].Index, nil
}

// heapInUse is the heap in use after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestLoad sends many requests from many concurrent clients over loopback:
// every answer must be 200 with PyTorch's class, and the heap in use after
// the run must stay close to the heap after a warm-up.
func TestLoad(t *testing.T) {
	requests, clients := 2000, 32
	if testing.Short() { // quick enough for qemu
		requests, clients = 60, 8
	}
	d := loadDigits(t)
	srv := digitsServer(t, Config{MaxInFlight: runtime.GOMAXPROCS(0), MaxQueued: clients, QueueWait: time.Minute,
		MaxBytes: 1 << 20, Timeout: time.Minute})
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	url := srv.URL + "/classify"

	// run sends n requests from clients goroutines; image i%len is the i-th.
	run := func(n int) (errs int64) {
		var next atomic.Int64
		var wg sync.WaitGroup
		var once sync.Once
		for range clients {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					j := i % len(d.images)
					code, top, err := classifyRaw(c, url, d.images[j])
					if err != nil || code != 200 || top != d.preds[j] {
						atomic.AddInt64(&errs, 1)
						once.Do(func() { t.Errorf("request %d: status %d, class %d (want %d), %v", i, code, top, d.preds[j], err) })
					}
				}
			})
		}
		wg.Wait()
		return errs
	}
	warm := requests / 10
	if errs := run(warm); errs != 0 {
		t.Fatalf("warm-up: %d errors", errs)
	}
	before := heapInUse()
	start := time.Now()
	errs := run(requests)
	elapsed := time.Since(start)
	after := heapInUse()
	t.Logf("%d requests from %d clients in %v (%.0f req/s), %d errors; heap in use %.2f MB after warm-up, %.2f MB after",
		requests, clients, elapsed.Round(time.Millisecond), float64(requests)/elapsed.Seconds(), errs,
		float64(before)/1e6, float64(after)/1e6)
	if errs != 0 {
		t.Errorf("%d of %d requests failed", errs, requests)
	}
	const slack = 8 << 20 // generous: the heap must not grow with the number of requests
	if after > before+slack {
		t.Errorf("heap in use grew from %d to %d bytes", before, after)
	}
	checkHealth(t, c, srv.URL)
}

// TestMalformedUploads interleaves bad uploads with good ones: every bad
// one gets a 4xx answer and every good one still succeeds.
func TestMalformedUploads(t *testing.T) {
	d := loadDigits(t)
	const maxBytes = 64 << 10
	srv := digitsServer(t, Config{MaxInFlight: 2, MaxQueued: 8, QueueWait: time.Minute, MaxBytes: maxBytes})
	c := srv.Client()
	url := srv.URL + "/classify"

	img, err := png.Decode(bytes.NewReader(d.images[0]))
	if err != nil {
		t.Fatal(err)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	good := jb.Bytes()
	formType, form := multipartBody(t, "image", "digit.jpg", good)
	bad := []struct {
		name string
		body []byte
		code int
	}{
		{"truncated JPEG", good[:len(good)/2], 422},
		{"JPEG header only", good[:20], 422},
		{"truncated PNG", d.images[1][:len(d.images[1])-30], 422},
		{"not an image", []byte("GIF89a? no, just text"), 422},
		{"zeros", make([]byte, 1000), 422},
		{"oversized body", bytes.Repeat(good, maxBytes/len(good)+1), 413},
		{"empty body", nil, 400},
	}
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for round := range rounds {
		for _, b := range bad {
			code, _, _ := classifyRaw(c, url, b.body)
			if code != b.code {
				t.Errorf("round %d, %s: status %d, want %d", round, b.name, code, b.code)
			}
			// A good request right after the bad one.
			j := (round*len(bad) + len(b.name)) % len(d.images)
			if code, top, err := classifyRaw(c, url, d.images[j]); code != 200 || top != d.preds[j] || err != nil {
				t.Errorf("round %d, after %s: status %d, class %d (want %d), %v", round, b.name, code, top, d.preds[j], err)
			}
		}
	}
	// The JPEG itself, as a multipart upload, classifies like the PNG.
	var a Answer
	if code := post(t, c, url, formType, form, &a); code != 200 || a.Predictions[0].Index != d.preds[0] {
		t.Errorf("multipart JPEG: status %d, answer %+v, want class %d", code, a, d.preds[0])
	}
	h := checkHealth(t, c, srv.URL)
	if h["rejected"] != float64(rounds*len(bad)) {
		t.Errorf("healthz counts %v rejected requests, want %d", h["rejected"], rounds*len(bad))
	}
}
