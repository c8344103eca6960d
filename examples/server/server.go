package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Prediction is one class in an answer.
type Prediction struct {
	Index       int     `json:"index"`
	Label       string  `json:"label,omitempty"`
	Probability float32 `json:"probability"`
}

// Answer is the JSON body of a successful /classify request.
type Answer struct {
	Predictions []Prediction `json:"predictions"`
	// Milliseconds is the time spent decoding and running the model,
	// excluding the wait for a free slot.
	Milliseconds float64 `json:"ms"`
}

// errorBody is the JSON body of a failed request.
type errorBody struct {
	Error string `json:"error"`
}

// Classifier classifies one encoded image (JPEG, PNG, ...) into its k most
// likely classes. It must be safe for concurrent use. An error wrapping
// errBadImage means the image could not be decoded (the client's fault).
type Classifier interface {
	Classify(ctx context.Context, image []byte, k int) ([]Prediction, error)
}

// errBadImage marks an undecodable upload.
var errBadImage = errors.New("bad image")

// Config bounds what the server accepts and does at once.
type Config struct {
	// MaxInFlight is the number of classifications that run at once.
	MaxInFlight int
	// MaxQueued is the number of requests admitted beyond those running;
	// they wait for a slot. Requests beyond MaxInFlight+MaxQueued get 503.
	MaxQueued int
	// QueueWait is how long an admitted request waits for a slot before it
	// gets 503.
	QueueWait time.Duration
	// MaxBytes is the largest request body accepted (413 beyond).
	MaxBytes int64
	// Timeout bounds the classification of one request (504 beyond).
	Timeout time.Duration
	// TopK is the default number of classes returned; a request may ask
	// for 1 to MaxTopK with ?k=.
	TopK int
	// Log receives one line per failed request; nil discards them.
	Log *log.Logger
}

// MaxTopK is the largest k a request may ask for.
const MaxTopK = 100

// Server is the HTTP handler of the classification service.
type Server struct {
	clf      Classifier
	cfg      Config
	slots    chan struct{} // semaphore: one token per running classification
	admitted atomic.Int64  // requests holding or waiting for a slot
	mux      *http.ServeMux
	served   atomic.Int64
	rejected atomic.Int64
}

// NewServer returns a handler serving POST /classify and GET /healthz.
func NewServer(clf Classifier, cfg Config) *Server {
	cfg.MaxInFlight = max(cfg.MaxInFlight, 1)
	cfg.MaxQueued = max(cfg.MaxQueued, 0)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 8 << 20
	}
	if cfg.TopK <= 0 {
		cfg.TopK = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	s := &Server{clf: clf, cfg: cfg, slots: make(chan struct{}, cfg.MaxInFlight), mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /classify", s.classify)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":    "ok",
		"in_flight": len(s.slots),
		"admitted":  s.admitted.Load(),
		"served":    s.served.Load(),
		"rejected":  s.rejected.Load(),
	})
}

// classify answers POST /classify. The image is the multipart form field
// "image" (or the first file part), or else the raw request body.
func (s *Server) classify(w http.ResponseWriter, r *http.Request) {
	code, err := s.classifyErr(w, r)
	if err != nil {
		s.rejected.Add(1)
		if s.cfg.Log != nil {
			s.cfg.Log.Printf("%s %s: %d %v", r.Method, r.URL.Path, code, err)
		}
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, code, errorBody{Error: err.Error()})
	}
}

// classifyErr does the work of classify; on failure it returns the status
// code and the error to report, having written nothing.
func (s *Server) classifyErr(w http.ResponseWriter, r *http.Request) (int, error) {
	k := s.cfg.TopK
	if q := r.URL.Query().Get("k"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > MaxTopK {
			return http.StatusBadRequest, fmt.Errorf("k must be an integer from 1 to %d", MaxTopK)
		}
		k = v
	}
	// Admission: bound the requests that hold a body in memory.
	if s.admitted.Add(1) > int64(s.cfg.MaxInFlight+s.cfg.MaxQueued) {
		s.admitted.Add(-1)
		return http.StatusServiceUnavailable, errors.New("server busy")
	}
	defer s.admitted.Add(-1)

	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBytes)
	img, code, err := readImage(r)
	if err != nil {
		return code, err
	}
	if err := s.acquire(r.Context()); err != nil {
		return http.StatusServiceUnavailable, err
	}
	defer func() { <-s.slots }()

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	preds, err := s.clf.Classify(ctx, img, k)
	switch {
	case errors.Is(err, errBadImage):
		return http.StatusUnprocessableEntity, err
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, errors.New("classification timed out")
	case err != nil:
		return http.StatusInternalServerError, err
	}
	s.served.Add(1)
	writeJSON(w, http.StatusOK, Answer{Predictions: preds, Milliseconds: float64(time.Since(start).Microseconds()) / 1000})
	return 0, nil
}

// acquire waits for a classification slot, at most QueueWait.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.cfg.QueueWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errors.New("server busy: no free slot")
	case <-ctx.Done():
		return fmt.Errorf("gave up waiting: %w", ctx.Err())
	}
}

// readImage returns the uploaded image bytes: the multipart field "image"
// (or the first file part), or the raw body for any other content type.
func readImage(r *http.Request) ([]byte, int, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body io.Reader = r.Body
	if mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("multipart: %v", err)
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				return nil, readErrCode(err, http.StatusBadRequest), fmt.Errorf("multipart: no image part (%v)", err)
			}
			if p.FormName() == "image" || p.FileName() != "" {
				body = p
				break
			}
		}
	}
	img, err := io.ReadAll(body)
	if err != nil {
		return nil, readErrCode(err, http.StatusBadRequest), fmt.Errorf("reading upload: %v", err)
	}
	if len(img) == 0 {
		return nil, http.StatusBadRequest, errors.New("empty upload")
	}
	return img, 0, nil
}

// readErrCode is 413 for a body over the limit, otherwise def.
func readErrCode(err error, def int) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	return def
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
