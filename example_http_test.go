package gorn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/gorn-ml/gorn"
)

// classifyHandler answers POST requests whose body is an image with the
// top 3 classes as JSON; a bad image is the client's fault (422).
func classifyHandler(c *gorn.Classifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			json.NewEncoder(w).Encode(map[string]string{"error": "POST an image"})
			return
		}
		body := http.MaxBytesReader(w, r.Body, 8<<20)
		top, err := c.ClassifyReader(r.Context(), body, 3)
		switch {
		case errors.Is(err, gorn.ErrBadImage):
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"error": "classification failed"})
		default:
			json.NewEncoder(w).Encode(top)
		}
	})
}

// An http.Handler that classifies uploaded images.
func Example_httpHandler() {
	c, err := gorn.Open("testdata/digits/digits_resnet.onnx", &gorn.Options{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	srv := httptest.NewServer(classifyHandler(c))
	defer srv.Close()

	img, err := os.Open("testdata/digits/heldout/0000.png")
	if err != nil {
		log.Fatal(err)
	}
	defer img.Close()
	for _, body := range []io.Reader{img, strings.NewReader("not an image")} {
		resp, err := http.Post(srv.URL, "image/png", body)
		if err != nil {
			log.Fatal(err)
		}
		var top []gorn.Prediction
		json.NewDecoder(resp.Body).Decode(&top)
		resp.Body.Close()
		if len(top) > 0 {
			fmt.Println(resp.StatusCode, "digit", top[0].Label)
		} else {
			fmt.Println(resp.StatusCode)
		}
	}
	// Output:
	// 200 digit 7
	// 422
}

// Open loads a model with the labels and preprocessing its metadata gives.
func ExampleOpen() {
	c, err := gorn.Open("testdata/digits/digits_resnet.onnx", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open("testdata/digits/heldout/0001.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	top, err := c.ClassifyReader(context.Background(), f, 1)
	if err != nil {
		log.Fatal(err)
	}
	h, w := c.InputSize()
	fmt.Printf("%dx%d input, %d classes: digit %s\n", w, h, c.Classes(), top[0].Label)
	// Output: 32x32 input, 10 classes: digit 6
}
