package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the latency
// histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// metrics counts requests by status and their latency, for /metrics.
type metrics struct {
	mu      sync.Mutex
	byCode  map[int]int64
	buckets []int64 // per latencyBuckets entry, non-cumulative; then +Inf
	sum     float64
	count   int64
}

func newMetrics() *metrics {
	return &metrics{byCode: map[int]int64{}, buckets: make([]int64, len(latencyBuckets)+1)}
}

// observe records one /classify request.
func (m *metrics) observe(code int, d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, s)
	m.mu.Lock()
	m.byCode[code]++
	m.buckets[i]++
	m.sum += s
	m.count++
	m.mu.Unlock()
}

// gauge is one instantaneous value for /metrics.
type gauge struct {
	name, help string
	value      float64
}

// write writes the metrics in the Prometheus text exposition format
// (version 0.0.4).
func (m *metrics) write(w io.Writer, gauges []gauge) {
	m.mu.Lock()
	codes := make([]int, 0, len(m.byCode))
	for c := range m.byCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	fmt.Fprintln(w, "# HELP gorn_requests_total Classification requests answered, by HTTP status.")
	fmt.Fprintln(w, "# TYPE gorn_requests_total counter")
	for _, c := range codes {
		fmt.Fprintf(w, "gorn_requests_total{code=\"%d\"} %d\n", c, m.byCode[c])
	}
	fmt.Fprintln(w, "# HELP gorn_request_duration_seconds Time from a request's arrival to its answer.")
	fmt.Fprintln(w, "# TYPE gorn_request_duration_seconds histogram")
	var cum int64
	for i, le := range latencyBuckets {
		cum += m.buckets[i]
		fmt.Fprintf(w, "gorn_request_duration_seconds_bucket{le=\"%g\"} %d\n", le, cum)
	}
	cum += m.buckets[len(latencyBuckets)]
	fmt.Fprintf(w, "gorn_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	fmt.Fprintf(w, "gorn_request_duration_seconds_sum %g\n", m.sum)
	fmt.Fprintf(w, "gorn_request_duration_seconds_count %d\n", m.count)
	m.mu.Unlock()
	for _, g := range gauges {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", g.name, g.help, g.name, g.name, g.value)
	}
}
