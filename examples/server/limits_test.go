package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorn-ml/gorn/internal/testutil"
)

// The budget never hands out more than its size, serves waiters in order,
// and a waiter that gives up leaves no bytes taken.
func TestBudget(t *testing.T) {
	b := newBudget(100)
	if !b.tryAcquire(60) || b.tryAcquire(50) {
		t.Fatal("tryAcquire beyond the size")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	if err := b.acquire(ctx, 50); err == nil {
		t.Fatal("acquire beyond the size succeeded")
	}
	cancel()
	if err := b.acquire(context.Background(), 101); err == nil {
		t.Fatal("acquire of more than the size succeeded")
	}
	// 60 in use: a waiter for 50 queues; one for 30 would fit, but waits
	// behind it.
	got := make(chan int64, 2)
	var wg sync.WaitGroup
	for _, n := range []int64{50, 30} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.acquire(context.Background(), n); err == nil {
				got <- n
			}
		}()
		time.Sleep(20 * time.Millisecond) // in order
	}
	select {
	case n := <-got:
		t.Fatalf("waiter for %d served before the one ahead of it", n)
	case <-time.After(20 * time.Millisecond):
	}
	b.release(60)
	wg.Wait()
	if b.inUse() != 80 {
		t.Errorf("%d bytes in use, want 80", b.inUse())
	}
	b.release(80)
	if b.inUse() != 0 {
		t.Errorf("%d bytes in use after releasing all", b.inUse())
	}
}

// Issue 15, rows 7 and 9: decompression-heavy images and one whose resize
// is too large get 422 from the header, fast; a JSON error body names the
// limit; good requests still succeed.
func TestHeavyImages(t *testing.T) {
	d := loadDigits(t)
	srv := digitsServer(t, Config{MaxInFlight: 2, MaxQueued: 8, QueueWait: time.Minute})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"8000x5000 progressive jpeg", testutil.ProgressiveJPEG(8000, 5000, 1, 1, false)},
		{"6324x6324 16-bit rgba png", testutil.PNG(6324, 6324, 16, 6)},
		{"40000000x1 grey png", testutil.PNG(40_000_000, 1, 8, 0)},
	} {
		resp, err := http.Post(srv.URL+"/classify", "image/png", bytes.NewReader(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		var e errorBody
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(e.Error, "too large") {
			t.Errorf("%s: status %d, %q", tc.name, resp.StatusCode, e.Error)
		}
		if code, top, err := classifyRaw(srv.Client(), srv.URL+"/classify", d.images[0]); code != 200 || top != d.preds[0] {
			t.Errorf("after %s: %d %d %v", tc.name, code, top, err)
		}
	}
}

// The memory budget holds a decode the budget cannot cover at all to 422.
func TestMemoryBudget(t *testing.T) {
	d := loadDigits(t)
	srv := digitsServer(t, Config{MaxInFlight: 2, Memory: 1 << 20})
	big := testutil.PNG(1000, 1000, 8, 6) // about 7 MB to decode
	if code, _, _ := classifyRaw(srv.Client(), srv.URL+"/classify", big); code != 422 {
		t.Errorf("decode over the budget: status %d", code)
	}
	if code, top, _ := classifyRaw(srv.Client(), srv.URL+"/classify", d.images[0]); code != 200 || top != d.preds[0] {
		t.Errorf("small image: status %d", code)
	}
}

// slowUpload opens a connection and sends a request whose body trickles
// in at a byte per interval; it returns the status line read, or "".
func slowUpload(addr string, length int, interval time.Duration, stop <-chan struct{}) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n", length)
	go func() {
		for range length {
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
			if _, err := c.Write([]byte{0}); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	line := make([]byte, 12)
	if _, err := io.ReadFull(c, line); err != nil {
		return ""
	}
	return string(line)
}

// Issue 15, row 8: many connections uploading at a byte per 100 ms hold no
// admission slot: legitimate requests keep getting 200 meanwhile, and the
// slow ones get 408 once under the minimum rate.
func TestSlowClients(t *testing.T) {
	d := loadDigits(t)
	srv := digitsServer(t, Config{MaxInFlight: 1, MaxQueued: 2, QueueWait: time.Minute,
		MinRate: 1000, RateGrace: 300 * time.Millisecond, MaxUploads: 200})
	addr := strings.TrimPrefix(srv.URL, "http://")
	stop := make(chan struct{})
	defer close(stop)
	const slow = 66
	lines := make(chan string, slow)
	for range slow {
		go func() { lines <- slowUpload(addr, 100000, 100*time.Millisecond, stop) }()
	}
	time.Sleep(100 * time.Millisecond) // the slow uploads have started
	for i := range 10 {
		if code, top, err := classifyRaw(srv.Client(), srv.URL+"/classify", d.images[i]); code != 200 || top != d.preds[i] {
			t.Fatalf("legitimate request %d during slow uploads: status %d, %v", i, code, err)
		}
	}
	for range slow {
		if l := <-lines; l != "HTTP/1.1 408" {
			t.Errorf("slow upload answered %q, want 408", l)
		}
	}
}

// Issue 15, row 17: every status has a JSON body, 405 with Allow; /metrics
// counts requests by status in the Prometheus text format.
func TestJSONErrorsAndMetrics(t *testing.T) {
	d := loadDigits(t)
	srv := digitsServer(t, Config{MaxInFlight: 1})
	c := srv.Client()
	for _, tc := range []struct {
		method, path string
		code         int
	}{{"GET", "/classify", 405}, {"PUT", "/metrics", 405}, {"GET", "/nope", 404}, {"POST", "/classify?k=0", 400}} {
		req := httptest.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("x"))
		req.RequestURI = ""
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e errorBody
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.code || err != nil || e.Error == "" || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: status %d, body %+v, %v", tc.method, tc.path, resp.StatusCode, e, err)
		}
		if tc.code == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
	classifyRaw(c, srv.URL+"/classify", d.images[0])
	classifyRaw(c, srv.URL+"/classify", []byte("junk"))
	resp, err := c.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"# TYPE gorn_requests_total counter\n",
		`gorn_requests_total{code="200"} 1` + "\n",
		`gorn_requests_total{code="400"} 1` + "\n",
		`gorn_requests_total{code="422"} 1` + "\n",
		`gorn_request_duration_seconds_bucket{le="+Inf"} 3` + "\n",
		"gorn_request_duration_seconds_count 3\n",
		"# TYPE gorn_in_flight gauge\ngorn_in_flight 0\n",
		"gorn_queue 0\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
}
