package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorn-ml/gorn/safetensors"
)

// Write a small state dict, then read one tensor back as float32.
func Example() {
	w, _ := safetensors.FromFloat32("fc.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	b, _ := safetensors.FromFloat32("fc.bias", []int{2}, []float32{0.5, -0.5})
	file, err := safetensors.Encode([]safetensors.Tensor{w, b}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}

	f, err := safetensors.Parse(file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Names(), f.Metadata["format"])
	t, err := f.Get("fc.weight")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := t.Float32s()
	fmt.Println(t.DType, t.Shape, v, err)
	// Output:
	// [fc.bias fc.weight] pt
	// F32 [2 3] [1 2 3 4 5 6] <nil>
}

// Open memory-maps a file; Close releases it.
func ExampleOpen() {
	f, err := safetensors.Open(filepath.Join("..", "testdata", "resnet18_w4.safetensors"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	for _, name := range []string{"conv1.weight", "layer2.0.downsample.0.weight", "fc.weight", "__input__"} {
		t, _ := f.Tensor(name)
		fmt.Println(name, t.DType, t.Shape)
	}
	// Output:
	// conv1.weight F32 [4 3 7 7]
	// layer2.0.downsample.0.weight F32 [8 4 1 1]
	// fc.weight F32 [10 32]
	// __input__ F32 [2 3 64 64]
}

// Malformed files give errors, not panics.
func ExampleParse_error() {
	_, err := safetensors.Parse([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'})
	fmt.Println(err)
	dir, _ := os.MkdirTemp("", "st")
	defer os.RemoveAll(dir)
	_, err = safetensors.Open(filepath.Join(dir, "missing.safetensors"))
	fmt.Println(err != nil)
	// Output:
	// safetensors: header length 4294967295 exceeds the 104857600-byte limit
	// true
}
