package resnet_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/resnet"
)

// Build a network, run a batch of images through it and pick each image's
// top class. Real weights come from a model file (see package onnx or
// safetensors); here they are synthetic.
func Example() {
	arch := resnet.ResNet18().WithWidth(16).WithClasses(5) // a narrow ResNet-18 keeps the example quick
	weights, err := resnet.Random(arch, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := resnet.New(arch, weights, &resnet.Options{Height: 64, Width: 64, MaxBatch: 2, Threads: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	const batch = 2
	images := make([]float32, batch*m.InputLen()) // NCHW: 2 x 3 x 64 x 64
	for i := range images {
		images[i] = float32(i%7) / 7
		if i >= m.InputLen() { // a different second image
			images[i] = -images[i]
		}
	}
	logits := make([]float32, batch*m.Classes())
	if err := m.Infer(context.Background(), logits, images, batch); err != nil {
		fmt.Println(err)
		return
	}
	for i := range batch {
		row := logits[i*m.Classes() : (i+1)*m.Classes()]
		fmt.Printf("image %d: class %d\n", i, slices.Index(row, slices.Max(row)))
	}
	// Output:
	// image 0: class 1
	// image 1: class 1
}

// New checks every weight against the architecture and names the first
// one that does not fit.
func ExampleNew_errors() {
	arch := resnet.ResNet18().WithWidth(16)
	weights, _ := resnet.Random(arch, 1)
	weights["layer2.0.conv1.weight"] = resnet.Tensor{Shape: []int{32, 16, 1, 1}, Data: make([]float32, 32*16)}
	_, err := resnet.New(arch, weights, nil)
	fmt.Println(err)
	// Output: resnet: bad weights: layer2.0.conv1.weight has shape [32 16 1 1], want [32 16 3 3]
}

// The size of a network, as torchvision counts it.
func ExampleArch_MACs() {
	for _, a := range []resnet.Arch{resnet.ResNet18(), resnet.ResNet50(), resnet.ResNeXt50_32x4d()} {
		fmt.Printf("%s: %.2f GMAC, %.1f M parameters\n", a, float64(a.MACs(224, 224))/1e9, float64(a.Params())/1e6)
	}
	// Output:
	// resnet18: 1.81 GMAC, 11.7 M parameters
	// resnet50: 4.09 GMAC, 25.6 M parameters
	// resnext50_32x4d: 4.23 GMAC, 25.0 M parameters
}

// A per-layer profile shows where the time goes.
func ExampleModel_Profile() {
	m, err := resnet.NewRandom(resnet.ResNet50().WithWidth(16).WithClasses(10), 1, &resnet.Options{Height: 32, Width: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	stats, err := m.Profile(context.Background(), make([]float32, m.InputLen()), 1, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stats[:4] {
		fmt.Println(s.Name, s.Op, s.Shape)
	}
	// To print the whole table: resnet.WriteProfile(os.Stdout, stats)

	// Output:
	// input input 32x32x3 -> 32x32x3
	// conv1 conv 32x32x3 -> 16x16x16 7x7/2
	// maxpool maxpool 16x16x16 -> 8x8x16
	// layer1.0.downsample.0 conv 8x8x16 -> 8x8x64 1x1/1
}

// A state dict's architecture follows from its tensor shapes; NewFrom then
// compiles it from any WeightSource (here the in-memory Weights; a
// *safetensors.File decodes each tensor from the mapped file as NewFrom
// asks for it).
func ExampleArchFromShapes() {
	weights, _ := resnet.Random(resnet.ResNeXt50_32x4d().WithWidth(16).WithClasses(10), 1)
	arch, err := resnet.ArchFromShapes(weights)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(arch, arch.Layers, arch.Groups, arch.WidthPerGroup)
	m, err := resnet.NewFrom(arch, weights, &resnet.Options{Height: 32, Width: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	fmt.Println(m.Classes(), "classes")

	delete(weights, "layer4.2.conv3.weight")
	_, err = resnet.ArchFromShapes(weights)
	fmt.Println(err)
	// Output:
	// resnext50_32x4d width=16 classes=10 [3 4 6 3] 32 4
	// 10 classes
	// resnet: invalid architecture: the weights fit no known ResNet (the closest is resnext50_32x4d width=16 classes=10): resnet: bad weights: missing layer4.2.conv3.weight
}
