// Command gorn runs ResNet-family image classifiers on the CPU: it
// classifies image files, runs a model on raw tensors, measures speed and
// describes model files.
//
// Usage:
//
//	gorn <command> [flags] [arguments]
//
// The commands are:
//
//	classify  print the top classes of images
//	run       run a model on a raw float32 tensor, write a raw output
//	bench     measure inference speed
//	info      describe a model file
//
// Every command explains its flags with -h. On bad input a command prints
// one line to standard error and exits with status 1 (2 for a mistake in
// the command line itself).
//
// Models are ONNX files (any graph of the supported operators, compiled by
// gorn's graph compiler: PyTorch, timm, tf2onnx and model-zoo exports of
// ResNet-family networks, classifiers or embedding models), or
// torchvision/timm state dicts in safetensors format, whose architecture
// is read from the tensor shapes or given with -arch. For example, with
// the demo model
// in testdata/digits (a small ResNet trained on 8x8 handwritten digits
// upscaled to 32x32):
//
//	gorn info -model testdata/digits/digits_resnet.onnx
//	gorn classify -model testdata/digits/digits_resnet.onnx -resize 32 -crop 32 testdata/digits/heldout/0000.png
//	gorn run -model testdata/digits/digits_resnet.onnx -input testdata/digits/heldout_inputs.f32 -shape 32,3,32,32 -output logits.bin
//	gorn bench -arch resnet50 -threads 1
//
// classify preprocesses as torchvision's ImageNet evaluation transform does
// (resize the shorter side to 256, centre-crop 224, scale to [0,1],
// normalise with the ImageNet mean and std); flags change each step. run
// takes and writes raw little-endian float32 NCHW data, for scripting and
// for comparing gorn with other runtimes (any graph output, with
// -output-name: logits, or the features of an embedding model). info lists
// a model's inputs and outputs, operators, what the compiler folded and
// fused, and the memory it needs (with -v, the compiled plan). bench
// prints latency, throughput,
// GFLOP/s and the percentage of this CPU's estimated peak.
package main
