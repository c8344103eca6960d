package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	addr        string
	model       ModelConfig
	cfg         Config
	readTimeout time.Duration
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address`")
	fs.StringVar(&o.model.Path, "model", "", "model `file`: .onnx (required)")
	fs.IntVar(&o.model.Threads, "threads", 1, "threads per inference")
	fs.IntVar(&o.model.Resize, "resize", 256, "resize the shorter image side to this many `pixels`")
	fs.IntVar(&o.model.Crop, "crop", 224, "then centre-crop a square of this many `pixels`")
	fs.IntVar(&o.cfg.MaxInFlight, "inflight", runtime.GOMAXPROCS(0), "classifications that run at once")
	fs.IntVar(&o.cfg.MaxQueued, "queue", 64, "requests that may wait for a slot; beyond them: 503")
	fs.DurationVar(&o.cfg.QueueWait, "queue-wait", 5*time.Second, "longest wait for a slot before 503")
	fs.Int64Var(&o.cfg.MaxBytes, "max-bytes", 8<<20, "largest upload in `bytes` (413 beyond)")
	fs.IntVar(&o.model.MaxPixels, "max-pixels", 40<<20, "largest image in `pixels` (422 beyond)")
	fs.DurationVar(&o.cfg.Timeout, "timeout", 30*time.Second, "longest classification (504 beyond)")
	fs.DurationVar(&o.readTimeout, "read-timeout", 30*time.Second, "longest time to read a request")
	fs.IntVar(&o.cfg.TopK, "topk", 5, "classes per answer unless the request asks ?k=")
	labels := fs.String("labels", "", "`file` naming the classes, one per line (default: ImageNet's for 1000 classes)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *labels != "" {
		b, err := os.ReadFile(*labels)
		if err != nil {
			return nil, err
		}
		o.model.Labels = strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
	}
	if o.model.Path == "" {
		return nil, errors.New("-model is required")
	}
	return o, nil
}

func serve(args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	clf, err := NewModelClassifier(o.model)
	if err != nil {
		return err
	}
	defer clf.Close()
	o.cfg.Log = log.New(os.Stderr, "", log.LstdFlags)
	srv := &http.Server{
		Handler:           NewServer(clf, o.cfg),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       o.readTimeout,
		WriteTimeout:      o.readTimeout + o.cfg.QueueWait + o.cfg.Timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Printf("serving %s on http://%s (POST /classify, GET /healthz)", o.model.Path, ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
