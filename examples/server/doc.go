// Server is an example HTTP service that classifies uploaded images with
// a gorn model, built on the library's public API (gorn.Open and
// gorn.Classifier) alone.
//
// It loads the model once, at start-up, with the preprocessing and class
// names its metadata gives (as 'gorn classify' does; -resize, -crop and
// -labels override them), and serves any number of concurrent requests
// from it:
//
//	go run ./examples/server -model testdata/digits/digits_resnet.onnx
//	curl --data-binary @testdata/digits/heldout/0000.png http://127.0.0.1:8080/classify
//	curl -F image=@photo.jpg 'http://127.0.0.1:8080/classify?k=3'
//	curl http://127.0.0.1:8080/healthz
//	curl http://127.0.0.1:8080/metrics
//
// -model takes an .onnx export or a .safetensors state dict. 'server -h'
// lists every flag (exit status 0; a bad command line exits with 2, a
// failure to start with 1).
//
// # API
//
// POST /classify takes the image (JPEG or PNG) as the raw request body, or
// as the multipart/form-data field "image" (or the first file part). The
// optional query parameter k (1 to 100) sets the number of classes
// returned. The answer is JSON:
//
//	{"predictions":[{"index":258,"label":"Samoyed","probability":0.87}, ...],"ms":41.2}
//
// label is omitted for a model without class names.
//
// GET /healthz answers {"status":"ok", ...} with the number of running,
// admitted, queued, uploading, served and rejected requests.
//
// GET /metrics answers in the Prometheus text format: gorn_requests_total
// by status code, the gorn_request_duration_seconds histogram, and the
// gauges gorn_in_flight, gorn_queue, gorn_uploads, gorn_memory_bytes and
// gorn_memory_budget_bytes.
//
// Every failure has a JSON body {"error":"..."} and one of these codes:
//
//	400  malformed request: bad k, empty body, broken multipart form
//	404  no such endpoint
//	405  wrong method (with Allow)
//	408  upload slower than -min-rate
//	413  body larger than -max-bytes
//	422  not a decodable image; or over -max-pixels; or decoding it would
//	     take more than -max-decode-bytes (or the whole -memory budget)
//	503  busy (see below), with Retry-After: 1
//	504  the classification took longer than -timeout
//
// # Load control
//
// A request's body is read first, bounded in size (-max-bytes), in rate
// (after -rate-grace, at least -min-rate bytes per second, enforced with
// the connection's read deadline, so a client trickling bytes is cut off
// with 408 instead of holding the server for the -read-timeout) and in
// count (-uploads bodies at once). Only then is the request admitted: at
// most -inflight classifications run at once (default GOMAXPROCS, each on
// -threads threads, default 1: see the gorn package's figures on threads
// against concurrent requests), and up to -queue more wait, each for at
// most -queue-wait; beyond that, 503 at once. So slow uploads never hold
// an admission slot.
//
// Memory is bounded by a byte budget (-memory, 1 GiB): the bodies being
// read take their size from it as they grow (503 when it is spent), and
// each classification takes, before decoding, the memory the decoder will
// really need, estimated from the image header by preprocess.Inspect
// (bytes per pixel of the decoded image, 16-bit PNG samples, a progressive
// JPEG's coefficient buffers, the RGB copy), waiting for it like for a
// slot. An image that alone needs more than -max-decode-bytes is rejected
// with 422 before it is decoded: an 8000x5000 progressive JPEG of 230 KB
// or a 16-bit RGBA PNG of 6324x6324 pixels and 310 KB are.
//
// The http.Server bounds the time to read request headers (5 s) and whole
// requests (-read-timeout), and the time to write an answer. SIGINT or
// SIGTERM shuts the server down gracefully: it stops accepting
// connections and waits up to -shutdown-timeout for the requests in
// flight to be answered.
//
// 'make abuse' runs the load and abuse test (abuse_test.go): 5,000
// requests from 64 loopback clients mixing legitimate, corrupt, oversized
// and decompression-heavy images with slow uploads.
package main
