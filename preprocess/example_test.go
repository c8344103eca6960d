package preprocess_test

import (
	"fmt"
	"log"

	"github.com/gorn-ml/gorn/preprocess"
)

// Turn a photograph into the 3x224x224 tensor an ImageNet ResNet takes.
func ExampleFile() {
	x, err := preprocess.File("../testdata/preprocess/chelsea.png", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d values, first %.4f\n", len(x), x[0])
	// Output: 150528 values, first 0.7933
}

// Class names of torchvision's ImageNet weights.
func ExampleImageNetLabel() {
	fmt.Println(preprocess.ImageNetLabel(0), "|", preprocess.ImageNetLabel(281), "|", len(preprocess.ImageNetLabels()))
	// Output: tench | tabby | 1000
}
