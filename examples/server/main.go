package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/preprocess"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := serve(ctx, os.Args[1:], os.Stdout, nil)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// errUsage marks a bad command line (exit status 2).
var errUsage = errors.New("usage")

// options are the command-line settings.
type options struct {
	addr            string
	model           string
	open            gorn.Options
	cfg             Config
	readTimeout     time.Duration
	shutdownTimeout time.Duration
}

const usage = `Usage: server -model FILE [flags]

Serves POST /classify (an image as the body or the multipart field "image";
?k=N classes), GET /healthz and GET /metrics (Prometheus text format).
The model's metadata gives its preprocessing and labels, as for
'gorn classify'; -resize, -crop and -labels override them.

Flags:
`

func parseOptions(args []string, stdout io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address`")
	fs.StringVar(&o.model, "model", "", "model `file`: .onnx or .safetensors (required)")
	fs.IntVar(&o.open.Threads, "threads", 1, fmt.Sprintf("threads per inference, 1 to %d (0: all CPUs); concurrency comes from -inflight", gorn.MaxThreads))
	resize := fs.Int("resize", 0, "resize the shorter image side to this many `pixels` (0: the model's metadata, else 256; -1: none)")
	crop := fs.Int("crop", 0, "centre-crop a square of this many `pixels` (0: the model's input size, its metadata, else 224)")
	labels := fs.String("labels", "", "`file` naming the classes, one per line (default: the model's metadata, else ImageNet's for 1000 classes)")
	fs.IntVar(&o.cfg.MaxInFlight, "inflight", runtime.GOMAXPROCS(0), "classifications that run at once")
	fs.IntVar(&o.cfg.MaxQueued, "queue", 64, "requests (body read) that may wait for a slot; beyond them: 503")
	fs.DurationVar(&o.cfg.QueueWait, "queue-wait", 5*time.Second, "longest wait for a slot and memory before 503")
	fs.Int64Var(&o.cfg.MaxBytes, "max-bytes", 8<<20, "largest upload in `bytes` (413 beyond)")
	maxPixels := fs.Int("max-pixels", preprocess.DefaultMaxPixels, "largest image in `pixels` (422 beyond)")
	maxDecode := fs.Int64("max-decode-bytes", preprocess.DefaultMaxDecodeBytes, "most memory decoding one image may take, in `bytes` (422 beyond)")
	fs.Int64Var(&o.cfg.Memory, "memory", 1<<30, "byte budget of the bodies held and the decodes running (503 while spent)")
	fs.IntVar(&o.cfg.MaxUploads, "uploads", 0, "request bodies read at once (0: 4 x (inflight + queue))")
	fs.Int64Var(&o.cfg.MinRate, "min-rate", 16<<10, "slowest upload in `bytes/s` after -rate-grace (408 below; 0: none)")
	fs.DurationVar(&o.cfg.RateGrace, "rate-grace", 2*time.Second, "time an upload may take before -min-rate applies")
	fs.DurationVar(&o.cfg.Timeout, "timeout", 30*time.Second, "longest classification (504 beyond)")
	fs.DurationVar(&o.readTimeout, "read-timeout", 60*time.Second, "longest time to read a whole request")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "longest wait for running requests at shutdown")
	fs.IntVar(&o.cfg.TopK, "topk", 5, "classes per answer unless the request asks ?k=")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v (run 'server -h' for help)", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("%w: unexpected argument %q (flags go before arguments; the server takes none)", errUsage, fs.Arg(0))
	case o.model == "":
		return nil, fmt.Errorf("%w: -model is required", errUsage)
	case o.open.Threads < 0 || o.open.Threads > gorn.MaxThreads:
		return nil, fmt.Errorf("%w: -threads must be from 0 to %d", errUsage, gorn.MaxThreads)
	case *crop < 0 || *resize < -1 || *maxPixels < 1 || *maxDecode < 1 || o.cfg.Memory < 1:
		return nil, fmt.Errorf("%w: -crop, -resize, -max-pixels, -max-decode-bytes and -memory must be positive (-resize may be -1)", errUsage)
	}
	o.open.Preprocess = &preprocess.Options{Resize: *resize, CropWidth: *crop, CropHeight: *crop,
		MaxPixels: *maxPixels, MaxBytes: int(o.cfg.MaxBytes), MaxDecodeBytes: *maxDecode}
	if *labels != "" {
		b, err := os.ReadFile(*labels)
		if err != nil {
			return nil, err
		}
		o.open.Labels = strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
	}
	return o, nil
}

// serve runs the server until ctx is done, then shuts it down gracefully:
// it stops accepting connections and waits for the requests in flight.
// If ready is not nil it receives the listening address.
func serve(ctx context.Context, args []string, stdout io.Writer, ready chan<- string) error {
	o, err := parseOptions(args, stdout)
	if err != nil {
		return err
	}
	clf, err := gorn.Open(o.model, &o.open)
	if err != nil {
		return err
	}
	defer clf.Close()
	if clf.Classes() == 0 {
		return fmt.Errorf("%s: %w", o.model, gorn.ErrNoClasses)
	}
	logger := log.New(os.Stderr, "", log.LstdFlags)
	o.cfg.Log = logger
	srv := &http.Server{
		Handler:           NewServer(modelClassifier{clf}, o.cfg),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       o.readTimeout,
		WriteTimeout:      o.readTimeout + o.cfg.QueueWait + o.cfg.Timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          logger,
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	h, w := clf.InputSize()
	logger.Printf("serving %s (%dx%d, %d classes) on http://%s (POST /classify, GET /healthz, GET /metrics)",
		o.model, w, h, clf.Classes(), ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down: waiting up to %v for requests in flight", o.shutdownTimeout)
	shutdown, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdown)
}
