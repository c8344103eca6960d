// Package gorn classifies images with ResNet-family networks in pure Go.
//
// The work is done by its subpackages: onnx loads models exported with
// torch.onnx.export, resnet compiles and runs them, preprocess turns image
// files into tensors as torchvision does. This package ties them together
// for the common case:
//
//	m, err := onnx.LoadResNet("resnet50.onnx", nil)
//	c, err := gorn.NewClassifier(m, nil, nil) // ImageNet labels and preprocessing
//	top, err := c.ClassifyReader(ctx, file, 5)
//	for _, p := range top {
//		fmt.Printf("%.3f %s\n", p.Probability, p.Label)
//	}
//
// A PyTorch state dict saved as safetensors loads the same way, with the
// architecture read from its tensor shapes:
//
//	f, err := safetensors.Open("resnet50.safetensors")
//	arch, err := resnet.ArchFromShapes(f)
//	m, err := resnet.NewFrom(arch, f, nil) // decodes one layer at a time
//	f.Close()
//
// An ONNX model may carry its preprocessing and class names in its
// metadata (onnx.Model.Preprocessing and Labels), for NewClassifier's
// labels and opts.
package gorn
