package gorn_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/gorn-ml/gorn"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/preprocess"
)

// Classify a handwritten digit with the demo model trained on scikit-learn's
// digits (32x32 inputs, labels "0".."9").
func ExampleClassifier_ClassifyReader() {
	m, err := onnx.LoadModel("testdata/digits/digits_resnet.onnx", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	labels := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	c, err := gorn.NewClassifier(m, labels, &preprocess.Options{Resize: 32})
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("testdata/digits/heldout/0000.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	top, err := c.ClassifyReader(context.Background(), f, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("digit %s (class %d)\n", top[0].Label, top[0].Index)
	// Output: digit 7 (class 7)
}

// A model can carry its preprocessing and class names in its ONNX metadata
// (see onnx.MetaResize and onnx.MetaLabels); the demo model does.
func ExampleNewClassifier_metadata() {
	file, err := onnx.Load("testdata/digits/digits_resnet.onnx")
	if err != nil {
		log.Fatal(err)
	}
	prep, err := file.Preprocessing() // resize 32, crop 32, ImageNet mean and std
	if err != nil {
		log.Fatal(err)
	}
	labels := file.Labels() // "0".."9"
	m, err := file.CompileGraph(nil)
	file.Close() // the model holds only its packed weights
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	c, err := gorn.NewClassifier(m, labels, prep)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Open("testdata/digits/heldout/0001.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	top, err := c.ClassifyReader(context.Background(), f, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resize %d, crop %dx%d: digit %s\n", prep.Resize, prep.CropWidth, prep.CropHeight, top[0].Label)
	// Output: resize 32, crop 32x32: digit 6
}

// Embed gives an image's feature vector: for a classifier, what its last
// fully connected layer reads (64 pooled activations for the demo model);
// for a graph that ends in pooled features, its output.
func ExampleClassifier_Embed() {
	c, err := gorn.Open("testdata/digits/digits_resnet.onnx", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	data, err := os.ReadFile("testdata/digits/heldout/0000.png")
	if err != nil {
		log.Fatal(err)
	}
	img, err := preprocess.DecodeBytes(data, nil)
	if err != nil {
		log.Fatal(err)
	}
	vec, err := c.Embed(context.Background(), img)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range c.Outputs() {
		fmt.Println(o.Name, o.Shape)
	}
	fmt.Println(len(vec), "features")
	// Output:
	// logits [1 10]
	// /Flatten_output_0 [1 64]
	// 64 features
}
