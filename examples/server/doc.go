// Server is an example HTTP service that classifies uploaded images with
// a gorn model.
//
// It loads the model once, at start-up, and serves any number of
// concurrent requests from it (a compiled resnet.Model is safe for
// concurrent use; each inference takes its own workspace):
//
//	go run ./examples/server -model testdata/digits/digits_resnet.onnx -resize 32 -crop 32
//	curl --data-binary @testdata/digits/heldout/0000.png http://127.0.0.1:8080/classify
//	curl -F image=@photo.jpg 'http://127.0.0.1:8080/classify?k=3'
//	curl http://127.0.0.1:8080/healthz
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
// label is omitted for a model without class names (see -labels).
//
// GET /healthz answers {"status":"ok", ...} with the number of running,
// admitted, served and rejected requests.
//
// Failed requests get a JSON body {"error":"..."} and one of these codes:
//
//	400  malformed request: bad k, empty body, broken multipart form
//	405  wrong method
//	413  body larger than -max-bytes
//	422  the upload is not a decodable image, or larger than -max-pixels
//	503  busy (see below), with Retry-After: 1
//	504  the classification took longer than -timeout
//
// # Load control
//
// At most -inflight classifications run at once (a semaphore; default
// GOMAXPROCS, each with -threads threads). Up to -queue further requests are
// admitted and wait for a slot, each for at most -queue-wait; a request
// that finds the queue full, or waits too long, gets 503 at once rather
// than piling up: a client should retry later. Only admitted requests read
// their body, so memory is bounded by about (inflight + queue) x max-bytes
// plus the decoded images of the running classifications (each at most
// -max-pixels, checked from the image header before decoding).
//
// The http.Server bounds the time to read request headers (5 s) and whole
// requests (-read-timeout), and the time to write an answer. SIGINT or
// SIGTERM shuts the server down gracefully.
package main
