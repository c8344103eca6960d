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

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/preprocess"
)

// Answer is the JSON body of a successful /classify request.
type Answer struct {
	Predictions []gorn.Prediction `json:"predictions"`
	// Milliseconds is the time spent decoding and running the model,
	// excluding the upload and the wait for a free slot.
	Milliseconds float64 `json:"ms"`
}

// errorBody is the JSON body of a failed request.
type errorBody struct {
	Error string `json:"error"`
}

// Classifier classifies one encoded image (JPEG or PNG). It must be safe
// for concurrent use. Errors wrapping gorn.ErrBadImage are the client's
// fault (422).
type Classifier interface {
	// Cost is the memory classifying data takes, from its header.
	Cost(data []byte) (int64, error)
	Classify(ctx context.Context, data []byte, k int) ([]gorn.Prediction, error)
}

// modelClassifier is a Classifier backed by a *gorn.Classifier.
type modelClassifier struct{ *gorn.Classifier }

// Cost is the decoder's memory (preprocess.Inspect) plus the input tensor.
func (m modelClassifier) Cost(data []byte) (int64, error) {
	in, err := preprocess.Inspect(data)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", gorn.ErrBadImage, err)
	}
	h, w := m.InputSize()
	return in.DecodeBytes + int64(12*h*w), nil
}

func (m modelClassifier) Classify(ctx context.Context, data []byte, k int) ([]gorn.Prediction, error) {
	return m.ClassifyBytes(ctx, data, k)
}

// Config bounds what the server accepts and does at once.
type Config struct {
	// MaxInFlight is the number of classifications that run at once.
	MaxInFlight int
	// MaxQueued is the number of requests, with their body read, admitted
	// beyond those running; they wait for a slot. Requests beyond
	// MaxInFlight+MaxQueued get 503.
	MaxQueued int
	// QueueWait is how long an admitted request waits for a slot and for
	// memory before it gets 503.
	QueueWait time.Duration
	// MaxBytes is the largest request body accepted (413 beyond).
	MaxBytes int64
	// MaxUploads is the number of request bodies read at once (503
	// beyond); 0 means 4 x (MaxInFlight + MaxQueued).
	MaxUploads int
	// MinRate is the slowest upload accepted, in bytes per second after
	// RateGrace (408 below), so that slow clients cannot hold upload
	// slots; 0 means no minimum.
	MinRate   int64
	RateGrace time.Duration
	// Memory is the byte budget of the request bodies being held and of
	// the decoding of the running classifications, as the decoder really
	// needs it (preprocess.Inspect). A body that finds it spent gets 503;
	// an image whose decoding alone exceeds it, 422. 0 means 1 GiB.
	Memory int64
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
	mem      *budget
	admitted atomic.Int64 // requests holding or waiting for a slot
	waiting  atomic.Int64 // requests waiting for a slot or memory
	uploads  atomic.Int64 // bodies being read
	served   atomic.Int64
	rejected atomic.Int64
	metrics  *metrics
}

// NewServer returns a handler serving POST /classify, GET /healthz and GET
// /metrics, with JSON errors for every failure.
func NewServer(clf Classifier, cfg Config) *Server {
	cfg.MaxInFlight = max(cfg.MaxInFlight, 1)
	cfg.MaxQueued = max(cfg.MaxQueued, 0)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 8 << 20
	}
	if cfg.MaxUploads <= 0 {
		cfg.MaxUploads = 4 * (cfg.MaxInFlight + cfg.MaxQueued)
	}
	if cfg.Memory <= 0 {
		cfg.Memory = 1 << 30
	}
	if cfg.TopK <= 0 {
		cfg.TopK = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.RateGrace <= 0 {
		cfg.RateGrace = 2 * time.Second
	}
	return &Server{clf: clf, cfg: cfg, slots: make(chan struct{}, cfg.MaxInFlight),
		mem: newBudget(cfg.Memory), metrics: newMetrics()}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var allow string
	switch r.URL.Path {
	case "/classify":
		if r.Method == http.MethodPost {
			s.classify(w, r)
			return
		}
		allow = http.MethodPost
	case "/healthz", "/metrics":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if r.URL.Path == "/healthz" {
				s.healthz(w)
			} else {
				s.writeMetrics(w)
			}
			return
		}
		allow = "GET, HEAD"
	default:
		writeJSON(w, http.StatusNotFound, errorBody{Error: "no such endpoint: POST /classify, GET /healthz, GET /metrics"})
		return
	}
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: fmt.Sprintf("method %s not allowed (allowed: %s)", r.Method, allow)})
}

func (s *Server) healthz(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":    "ok",
		"in_flight": len(s.slots),
		"admitted":  s.admitted.Load(),
		"queued":    s.waiting.Load(),
		"uploads":   s.uploads.Load(),
		"served":    s.served.Load(),
		"rejected":  s.rejected.Load(),
	})
}

func (s *Server) writeMetrics(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, []gauge{
		{"gorn_in_flight", "Classifications running.", float64(len(s.slots))},
		{"gorn_queue", "Requests with their body read, waiting for a slot or memory.", float64(s.waiting.Load())},
		{"gorn_uploads", "Request bodies being read.", float64(s.uploads.Load())},
		{"gorn_memory_bytes", "Bytes of the memory budget in use (bodies and decoding).", float64(s.mem.inUse())},
		{"gorn_memory_budget_bytes", "The memory budget (-memory).", float64(s.cfg.Memory)},
	})
}

// classify answers POST /classify. The image is the multipart form field
// "image" (or the first file part), or else the raw request body.
func (s *Server) classify(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	code, err := s.classifyErr(w, r)
	if err != nil {
		s.rejected.Add(1)
		if s.cfg.Log != nil {
			s.cfg.Log.Printf("%s %s from %s: %d %v", r.Method, r.URL.Path, r.RemoteAddr, code, err)
		}
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		if code == http.StatusRequestTimeout || code == http.StatusRequestEntityTooLarge {
			w.Header().Set("Connection", "close")
		}
		writeJSON(w, code, errorBody{Error: err.Error()})
	} else {
		code = http.StatusOK
	}
	s.metrics.observe(code, time.Since(start))
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
	// The upload: bounded in count, size, rate and memory, and admitted to
	// the queue only once it has arrived, so that slow clients hold no slot.
	if s.uploads.Add(1) > int64(s.cfg.MaxUploads) {
		s.uploads.Add(-1)
		return http.StatusServiceUnavailable, errors.New("server busy: too many uploads")
	}
	var reserved int64
	defer func() { s.mem.release(reserved) }()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBytes)
	img, code, err := s.readImage(w, r, &reserved)
	s.uploads.Add(-1)
	if err != nil {
		return code, err
	}
	cost, err := s.clf.Cost(img)
	switch {
	case err != nil:
		return http.StatusUnprocessableEntity, err
	case cost+reserved > s.cfg.Memory:
		return http.StatusUnprocessableEntity, fmt.Errorf("%w: decoding it takes about %d MB, over the server's %d MB",
			gorn.ErrBadImage, cost>>20, s.cfg.Memory>>20)
	}
	if s.admitted.Add(1) > int64(s.cfg.MaxInFlight+s.cfg.MaxQueued) {
		s.admitted.Add(-1)
		return http.StatusServiceUnavailable, errors.New("server busy")
	}
	defer s.admitted.Add(-1)
	if err := s.acquire(r.Context(), cost); err != nil {
		return http.StatusServiceUnavailable, err
	}
	defer func() { <-s.slots; s.mem.release(cost) }()

	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	preds, err := s.clf.Classify(ctx, img, k)
	switch {
	case errors.Is(err, gorn.ErrBadImage):
		return http.StatusUnprocessableEntity, err
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, errors.New("classification timed out")
	case r.Context().Err() != nil:
		return 499, errors.New("client went away") // nginx's code; nobody reads it
	case err != nil:
		return http.StatusInternalServerError, err
	}
	s.served.Add(1)
	writeJSON(w, http.StatusOK, Answer{Predictions: preds, Milliseconds: float64(time.Since(start).Microseconds()) / 1000})
	return 0, nil
}

// acquire waits, at most QueueWait in all, for a classification slot and
// then for cost bytes of memory.
func (s *Server) acquire(ctx context.Context, cost int64) error {
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.QueueWait)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
	default:
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("server busy: no free slot (%w)", context.Cause(ctx))
		}
	}
	if err := s.mem.acquire(ctx, cost); err != nil {
		<-s.slots
		return fmt.Errorf("server busy: no memory for a %d MB decode (%w)", cost>>20, err)
	}
	return nil
}

// readImage returns the uploaded image bytes: the multipart field "image"
// (or the first file part), or the raw body for any other content type.
func (s *Server) readImage(w http.ResponseWriter, r *http.Request, reserved *int64) ([]byte, int, error) {
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
	img, err := readBody(body, http.NewResponseController(w), s.cfg.MinRate, s.cfg.RateGrace, s.mem, reserved)
	if err != nil {
		return nil, readErrCode(err, http.StatusBadRequest), fmt.Errorf("reading upload: %w", err)
	}
	if len(img) == 0 {
		return nil, http.StatusBadRequest, errors.New("empty upload")
	}
	return img, 0, nil
}

// readErrCode is 413 for a body over the limit, 408 for a slow one, 503
// when the memory budget is spent, otherwise def.
func readErrCode(err error, def int) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	switch {
	case errors.Is(err, errTooSlow):
		return http.StatusRequestTimeout
	case errors.Is(err, errNoMemory):
		return http.StatusServiceUnavailable
	}
	return def
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
