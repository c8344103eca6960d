package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/gorn-ml/gorn"
)

// A server for the demo digits model, asked to classify one held-out image.
func ExampleNewServer() {
	clf, err := gorn.Open("../../testdata/digits/digits_resnet.onnx", &gorn.Options{Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clf.Close()
	srv := httptest.NewServer(NewServer(modelClassifier{clf}, Config{MaxInFlight: 4, MaxQueued: 16}))
	defer srv.Close()

	img, _ := os.ReadFile("../../testdata/digits/heldout/0000.png")
	resp, err := srv.Client().Post(srv.URL+"/classify?k=3", "image/png", bytes.NewReader(img))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var a Answer
	json.NewDecoder(resp.Body).Decode(&a)
	top := a.Predictions[0]
	fmt.Println(resp.Status, len(a.Predictions), "classes, most likely", top.Index, "labelled", top.Label)
	// Output:
	// 200 OK 3 classes, most likely 7 labelled 7
}
