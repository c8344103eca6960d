package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
)

// A server for the demo digits model, asked to classify one held-out image.
func ExampleNewServer() {
	clf, err := NewModelClassifier(ModelConfig{Path: "../../testdata/digits/digits_resnet.onnx", Resize: 32, Crop: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clf.Close()
	srv := httptest.NewServer(NewServer(clf, Config{MaxInFlight: 4, MaxQueued: 16}))
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
	fmt.Println(resp.Status, len(a.Predictions), "classes, most likely", a.Predictions[0].Index)
	// Output:
	// 200 OK 3 classes, most likely 7
}
