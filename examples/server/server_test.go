package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorn-ml/gorn"
)

// fakeClassifier answers class 7 for any image starting with "IMG", blocks
// while gate is open and not closed, and reports a bad image otherwise.
type fakeClassifier struct {
	entered chan struct{} // receives when a call starts, if not nil
	gate    chan struct{} // calls wait for it to close, if not nil
}

func (f *fakeClassifier) Cost(img []byte) (int64, error) { return 1000, nil }

func (f *fakeClassifier) Classify(ctx context.Context, img []byte, k int) ([]gorn.Prediction, error) {
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !bytes.HasPrefix(img, []byte("IMG")) {
		return nil, gorn.ErrBadImage
	}
	return []gorn.Prediction{{Index: 7, Label: "7", Probability: 1}}[:min(k, 1)], nil
}

// post sends body to url with the content type and decodes the JSON
// answer into v (an *Answer or *errorBody).
func post(t *testing.T, c *http.Client, url, ctype string, body io.Reader, v any) int {
	t.Helper()
	resp, err := c.Post(url, ctype, body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Errorf("status %d: decoding the answer: %v", resp.StatusCode, err)
	}
	return resp.StatusCode
}

// multipartBody returns a form with one part.
func multipartBody(t *testing.T, field, filename string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	var part io.Writer
	var err error
	if filename != "" {
		part, err = w.CreateFormFile(field, filename)
	} else {
		part, err = w.CreateFormField(field)
	}
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return w.FormDataContentType(), &b
}

func TestRequests(t *testing.T) {
	srv := httptest.NewServer(NewServer(&fakeClassifier{}, Config{MaxInFlight: 2, MaxBytes: 1000, TopK: 3}))
	defer srv.Close()
	c := srv.Client()
	url := srv.URL + "/classify"
	formType, form := multipartBody(t, "image", "a.png", []byte("IMG multipart"))
	otherType, other := multipartBody(t, "upload", "b.png", []byte("IMG other field name"))
	noFileType, noFile := multipartBody(t, "comment", "", []byte("IMG but not a file"))
	bigType, big := multipartBody(t, "image", "a.png", bytes.Repeat([]byte("IMG"), 400))
	for _, tc := range []struct {
		name  string
		path  string
		ctype string
		body  io.Reader
		code  int
	}{
		{"raw", "", "image/png", strings.NewReader("IMG raw"), 200},
		{"raw no type", "", "", strings.NewReader("IMG raw"), 200},
		{"multipart", "", formType, form, 200},
		{"multipart other field", "", otherType, other, 200},
		{"k", "?k=1", "image/png", strings.NewReader("IMG"), 200},
		{"bad k", "?k=0", "image/png", strings.NewReader("IMG"), 400},
		{"huge k", "?k=1000", "image/png", strings.NewReader("IMG"), 400},
		{"not an image", "", "image/png", strings.NewReader("hello"), 422},
		{"empty", "", "image/png", strings.NewReader(""), 400},
		{"too large", "", "image/png", strings.NewReader(strings.Repeat("IMG", 400)), 413},
		{"multipart too large", "", bigType, big, 413},
		{"multipart without file", "", noFileType, noFile, 400},
		{"multipart without boundary", "", "multipart/form-data", strings.NewReader("IMG"), 400},
		{"multipart garbage", "", formType, strings.NewReader("IMG"), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ans struct {
				Answer
				errorBody
			}
			code := post(t, c, url+tc.path, tc.ctype, tc.body, &ans)
			if code != tc.code {
				t.Errorf("status %d, want %d (error %q)", code, tc.code, ans.Error)
			}
			if code == 200 && (len(ans.Predictions) == 0 || ans.Predictions[0].Index != 7) {
				t.Errorf("answer %+v", ans.Answer)
			}
			if code != 200 && ans.Error == "" {
				t.Errorf("status %d without an error message", code)
			}
		})
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /classify: status %d", resp.StatusCode)
	}
	checkHealth(t, c, srv.URL)
}

func checkHealth(t *testing.T, c *http.Client, base string) map[string]any {
	t.Helper()
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 || h["status"] != "ok" {
		t.Fatalf("healthz: status %d, %v, err %v", resp.StatusCode, h, err)
	}
	return h
}

// postAsync posts body in the background; the channel gets the status
// code (or -1).
func postAsync(c *http.Client, url, body string) <-chan int {
	ch := make(chan int, 1)
	go func() {
		resp, err := c.Post(url, "image/png", strings.NewReader(body))
		if err != nil {
			ch <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ch <- resp.StatusCode
	}()
	return ch
}

// busyServer starts a server whose single slot is held by a request that
// waits until the returned release function is called.
func busyServer(t *testing.T, cfg Config) (srv *httptest.Server, release func() int) {
	fc := &fakeClassifier{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	cfg.MaxInFlight = 1
	srv = httptest.NewServer(NewServer(fc, cfg))
	t.Cleanup(srv.Close)
	first := postAsync(srv.Client(), srv.URL+"/classify", "IMG first")
	<-fc.entered
	return srv, func() int { close(fc.gate); return <-first }
}

// TestBusy checks the answers to excess requests while the only slot is
// taken: 503 at once beyond the queue, 503 after QueueWait inside it, and
// success for a queued request once the slot frees up.
func TestBusy(t *testing.T) {
	t.Run("no queue", func(t *testing.T) {
		srv, release := busyServer(t, Config{MaxQueued: 0, QueueWait: time.Hour})
		var e errorBody
		if code := post(t, srv.Client(), srv.URL+"/classify", "image/png", strings.NewReader("IMG"), &e); code != 503 {
			t.Errorf("status %d (%q), want 503", code, e.Error)
		}
		if code := release(); code != 200 {
			t.Errorf("first request: status %d", code)
		}
	})
	t.Run("queue wait", func(t *testing.T) {
		srv, release := busyServer(t, Config{MaxQueued: 1, QueueWait: 10 * time.Millisecond})
		var e errorBody
		if code := post(t, srv.Client(), srv.URL+"/classify", "image/png", strings.NewReader("IMG"), &e); code != 503 {
			t.Errorf("status %d (%q), want 503", code, e.Error)
		}
		if code := release(); code != 200 {
			t.Errorf("first request: status %d", code)
		}
	})
	t.Run("queued then served", func(t *testing.T) {
		srv, release := busyServer(t, Config{MaxQueued: 1, QueueWait: time.Hour})
		second := postAsync(srv.Client(), srv.URL+"/classify", "IMG second")
		for checkHealth(t, srv.Client(), srv.URL)["admitted"] != 2.0 {
			time.Sleep(time.Millisecond)
		}
		var e errorBody // the queue is full now
		if code := post(t, srv.Client(), srv.URL+"/classify", "image/png", strings.NewReader("IMG"), &e); code != 503 {
			t.Errorf("third request: status %d (%q), want 503", code, e.Error)
		}
		if code := release(); code != 200 {
			t.Errorf("first request: status %d", code)
		}
		if code := <-second; code != 200 {
			t.Errorf("queued request: status %d", code)
		}
	})
}

func TestReadImageErrors(t *testing.T) {
	if readErrCode(errors.New("x"), 400) != 400 {
		t.Error("plain error is not 400")
	}
	if readErrCode(&http.MaxBytesError{Limit: 1}, 400) != 413 {
		t.Error("MaxBytesError is not 413")
	}
}
