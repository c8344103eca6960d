package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// FuzzClassify sends arbitrary bodies and content types to /classify on
// the digits model: the answer is 200 or a 4xx, never a panic or a 5xx.
func FuzzClassify(f *testing.F) {
	png, err := os.ReadFile("../../testdata/digits/heldout/0000.png")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(png, "image/png")
	f.Add(png[:len(png)/2], "image/png")
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a\"\r\n\r\n"), "multipart/form-data; boundary=x")
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0}, "image/jpeg")
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x02\x00\x00\x00"), "")
	clf := digitsClassifier(f)
	h := NewServer(clf, Config{MaxInFlight: 1, MaxQueued: 4, QueueWait: time.Minute, MaxBytes: 1 << 16})
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		req := httptest.NewRequest("POST", "/classify", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if c := rec.Code; c != 200 && (c < 400 || c >= 500) {
			t.Fatalf("status %d: %s", c, rec.Body)
		}
	})
}
