package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/internal/testutil"
)

// abuseKind is one kind of request of the abuse test.
type abuseKind struct {
	name  string
	codes []int // acceptable answers
	send  func(c *http.Client, url, addr string, i int) (code int, ok bool)
}

// peakRSS is the process's peak resident set (VmHWM) in bytes, or 0.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// abuseKinds are the requests the abuse test mixes, in proportion to
// their repetition: legitimate digits (with PyTorch's class checked), a
// legitimate 2000x1500 photo-sized JPEG, corrupt and oversized uploads,
// the decompression-heavy images of issue 15 and slow uploads.
func abuseKinds(t *testing.T, d *digits, maxBytes int) []abuseKind {
	big := image.NewRGBA(image.Rect(0, 0, 1280, 960))
	for i := range big.Pix {
		big.Pix[i] = byte(i * 7 / 3)
	}
	big.Set(0, 0, color.White)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, big, nil); err != nil {
		t.Fatal(err)
	}
	heavy := [][]byte{testutil.ProgressiveJPEG(8000, 5000, 1, 1, false), testutil.PNG(6324, 6324, 16, 6), testutil.PNG(40_000_000, 1, 8, 0)}
	corrupt := [][]byte{d.images[1][:len(d.images[1])/2], []byte("GIF89a, or not"), make([]byte, 3000), jb.Bytes()[:5000]}
	post := func(data func(i int) []byte, check func(i, top int) bool) func(*http.Client, string, string, int) (int, bool) {
		return func(c *http.Client, url, _ string, i int) (int, bool) {
			code, top, err := classifyRaw(c, url, data(i))
			return code, code == 0 || err == nil && check(i, top) // 0: no answer, judged by the codes
		}
	}
	any := func(int, int) bool { return true }
	legit := abuseKind{"legitimate digit", []int{200}, post(func(i int) []byte { return d.images[i%len(d.images)] },
		func(i, top int) bool { return top == d.preds[i%len(d.images)] })}
	kinds := []abuseKind{
		{"legitimate 1280x960 jpeg", []int{200}, post(func(int) []byte { return jb.Bytes() }, any)},
		{"corrupt", []int{400, 422}, post(func(i int) []byte { return corrupt[i%len(corrupt)] }, any)},
		// The server answers 413 and closes the connection (net/http
		// waits rstAvoidanceDelay, 500 ms, after its FIN); a client that is
		// still sending then may see a reset instead of the answer, which
		// it reports as status 0: refused either way, never a 5xx.
		{"oversized body", []int{413, 0}, post(func(int) []byte { return make([]byte, maxBytes+1) }, any)},
		{"decompression-heavy", []int{422}, post(func(i int) []byte { return heavy[i%len(heavy)] }, any)},
		{"slow upload", []int{408}, func(_ *http.Client, _, addr string, _ int) (int, bool) {
			stop := make(chan struct{})
			defer close(stop)
			line := slowUpload(addr, 100000, 50*time.Millisecond, stop)
			code, _ := strconv.Atoi(strings.TrimPrefix(line, "HTTP/1.1 "))
			return code, true
		}},
	}
	for range 15 { // three in four requests are legitimate digits
		kinds = append(kinds, legit)
	}
	return kinds
}

// TestAbuse is the load and abuse test of issue 15: many loopback clients
// send a mix of legitimate, corrupt, oversized, decompression-heavy and
// slow requests. Every answer must be the expected one (no 5xx at all),
// legitimate ones correct; afterwards goroutines and the heap return to
// their level before. 'make abuse' runs it at full size (GORN_ABUSE=1:
// 5,000 requests, 64 clients) and prints the figures; otherwise it runs
// 400 requests from 16 clients (200 with -short).
func TestAbuse(t *testing.T) {
	requests, clients := 400, 16
	if testing.Short() {
		requests = 200
	}
	if os.Getenv("GORN_ABUSE") == "1" {
		requests, clients = 5000, 64
	}
	d := loadDigits(t)
	const maxBytes = 4 << 20
	kinds := abuseKinds(t, d, maxBytes)
	srv := digitsServer(t, Config{MaxInFlight: runtime.GOMAXPROCS(0), MaxQueued: clients, QueueWait: time.Minute,
		MaxBytes: maxBytes, MinRate: 16 << 10, RateGrace: 500 * time.Millisecond, Timeout: time.Minute})
	url, addr := srv.URL+"/classify", strings.TrimPrefix(srv.URL, "http://")
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	c := &http.Client{Transport: tr, Timeout: time.Minute}
	classifyRaw(c, url, d.images[0]) // warm up
	tr.CloseIdleConnections()
	goroutines, heap := runtime.NumGoroutine(), heapInUse()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM where allowed

	var mu sync.Mutex
	codes := map[string]map[int]int{}
	var legit []time.Duration
	spent := map[string]time.Duration{}
	var next, wrong atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(10 * time.Minute)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= requests {
					return
				}
				k := kinds[i%len(kinds)]
				t0 := time.Now()
				code, ok := k.send(c, url, addr, i/len(kinds))
				el := time.Since(t0)
				mu.Lock()
				if codes[k.name] == nil {
					codes[k.name] = map[int]int{}
				}
				codes[k.name][code]++
				spent[k.name] += el
				if code == 200 && strings.HasPrefix(k.name, "legitimate") {
					legit = append(legit, el)
				}
				mu.Unlock()
				if !ok || !slices.Contains(k.codes, code) {
					if wrong.Add(1) <= 5 {
						t.Errorf("request %d (%s): status %d, answer ok %v; want %v", i, k.name, code, ok, k.codes)
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := peakRSS()
	tr.CloseIdleConnections()
	srv.CloseClientConnections()
	var after int
	for range 100 { // server goroutines end as their connections close
		if after = runtime.NumGoroutine(); after <= goroutines {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	heapAfter := heapInUse()

	sent := int(min(next.Load(), int64(requests)))
	slices.Sort(legit)
	pct := func(p float64) time.Duration {
		if len(legit) == 0 {
			return 0
		}
		return legit[min(len(legit)-1, int(p*float64(len(legit))))]
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%d requests from %d clients in %v (%.0f req/s), %d unexpected answers\n",
		sent, clients, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(), wrong.Load())
	names := make([]string, 0, len(codes))
	for n := range codes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		count := 0
		for _, c := range codes[n] {
			count += c
		}
		fmt.Fprintf(&report, "  %-26s %v, mean %v\n", n, codes[n], (spent[n] / time.Duration(count)).Round(10*time.Microsecond))
	}
	fmt.Fprintf(&report, "legitimate requests: %d, latency p50 %v, p99 %v\n", len(legit), pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond))
	fmt.Fprintf(&report, "peak RSS %.0f MB; goroutines %d before, %d after; heap in use %.1f MB before, %.1f MB after",
		float64(peak)/1e6, goroutines, after, float64(heap)/1e6, float64(heapAfter)/1e6)
	t.Log("\n" + report.String())
	if sent < requests {
		t.Errorf("only %d of %d requests sent within the time bound", sent, requests)
	}
	for _, n := range names {
		for code := range codes[n] {
			if code >= 500 || code == 0 && n != "oversized body" {
				t.Errorf("%s: %d answers with status %d", n, codes[n][code], code)
			}
		}
	}
	if after > goroutines+2 {
		t.Errorf("goroutines: %d before, %d after", goroutines, after)
	}
	if heapAfter > heap+16<<20 {
		t.Errorf("heap in use grew from %d to %d bytes", heap, heapAfter)
	}
}
