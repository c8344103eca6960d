// Package gorn classifies images with ResNet-family networks in pure Go.
//
// The work is done by its subpackages: onnx and safetensors read model
// files; onnx imports a graph into gorn's IR (package graph) and resnet
// builds the same IR from a named architecture; graph/opt folds and fuses
// it and engine runs it, whatever the network (one compile path for every
// model); preprocess turns image files into tensors as torchvision does.
// This package ties them together for the common case, in one call that
// honours what the model file says about itself:
//
//	c, err := gorn.Open("resnet50.onnx", nil) // or a .safetensors state dict
//	defer c.Close()
//	top, err := c.ClassifyReader(ctx, file, 5)
//	for _, p := range top {
//		fmt.Printf("%.3f %s\n", p.Probability, p.Label)
//	}
//
// Open reads the class names and the preprocessing (resize, crop, mean,
// standard deviation, filter) from the model's metadata (see
// onnx.MetaResize and onnx.MetaLabels; safetensors files take the same keys
// in their __metadata__), compiles the network for its input size one
// layer at a time, and closes the file. Options override any of it. A
// model embedded with go:embed opens with OpenBytes. An ONNX graph with a
// fixed input size runs at that size; one with a symbolic height and width
// is compiled for the crop of its preprocessing (224 by default, capped by
// Options.MaxInputPixels).
//
// # Outputs and embeddings
//
// A graph may have several outputs (Classifier.Outputs lists them). The
// logits are the first output that is not pooled features, or the one
// Options.Output names. A graph that ends in pooled features (after
// Flatten, or as [N, C, 1, 1]), with no classifier, is an embedding model:
// Embed returns each image's feature vector, and Classify fails with
// ErrNoClasses. For a classifier, Embed returns the features its last
// fully connected layer reads (Open exposes that value as an extra output
// when the graph does not list it; for a safetensors ResNet, its
// "features" output); Options.EmbeddingOutput names another output.
//
//	c, err := gorn.Open("resnet50-features.onnx", nil)
//	vec, err := c.Embed(ctx, img) // 2048 floats for ResNet-50
//
// # Limits
//
// Model files are input too. What a file asks for is checked before it is
// allocated: the input size against Options.MaxInputPixels
// (DefaultMaxInputPixels, 1024x1024), a metadata resize against the
// preprocessing's MaxPixels, the workspace the input size implies against
// Options.MaxWorkspaceBytes (DefaultMaxWorkspaceBytes, 1 GiB), threads
// against MaxThreads (256). Images are checked from their header before
// decoding: dimensions against preprocess.Options.MaxPixels, the memory the
// decoder really needs (preprocess.Inspect: a progressive JPEG or a 16-bit
// PNG needs several times its pixel count) against MaxDecodeBytes. An
// image that fails any check, or does not decode, gives an error wrapping
// ErrBadImage: a service answers it with a 4xx status (see the http.Handler
// example).
//
// # Threads in a service
//
// Options.Threads is the number of threads one inference uses. A service
// that handles concurrent requests gets more images per second from one
// thread per inference and as many concurrent classifications as cores
// (one Classifier, shared: it is safe for concurrent use) than from several
// threads per inference: the threads of one inference meet at every layer,
// and when other requests occupy the cores they wait for each other.
// Measured on an idle 2-core AMD Zen 3 (AVX2), Classify on one image in
// a loop from each of the concurrent goroutines for 4 s, preprocessing
// included (ResNet-50: torchvision's export, a 451x300 PNG resized and
// cropped to 224x224):
//
//	model                    threads x concurrent   images/s   mean latency
//	digits demo (32x32)      1 x 1                  13200      0.08 ms
//	                         2 x 1                  10550      0.09 ms
//	                         1 x 2                  24520      0.08 ms
//	                         2 x 2                  13520      0.15 ms
//	ResNet-50 (224x224)      1 x 1                   13.8      73.3 ms
//	                         2 x 1                   23.0      43.6 ms
//	                         1 x 2                   28.0      71.8 ms
//	                         2 x 2                   24.8      82.0 ms
//
// Two threads per inference shorten one ResNet-50 request (43.6 ms against
// 73.3) but serve fewer images per second than two one-thread requests at
// once (23.0 against 28.0), and with two concurrent requests of two threads
// each the threads wait for busy cores (24.8 images/s, 82 ms). A small
// model gains nothing from a second thread. So more threads per inference
// suit a batch job or a service with few, latency-bound requests;
// Threads: 1 with concurrency bounded by the core count (examples/server's
// -inflight) suits a busy one.
//
// # Lower-level use
//
// NewClassifier wraps an engine.Model compiled by other means, from an
// ONNX file or a named architecture:
//
//	m, err := onnx.LoadModel("resnet50.onnx", nil) // import, passes, engine
//	c, err := gorn.NewClassifier(m, nil, nil)     // ImageNet labels and preprocessing
//
//	f, err := safetensors.Open("resnet50.safetensors")
//	arch, err := resnet.ArchFromShapes(f)
//	rm, err := resnet.NewFrom(arch, f, nil) // decodes one layer at a time
//	f.Close()
//	c, err := gorn.NewClassifier(rm.Engine(), nil, nil)
package gorn
