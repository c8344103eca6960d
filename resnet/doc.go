// Package resnet runs ResNet-family image classifiers: ResNet-18/34/50/101/152
// (v1, v1.5 and pre-activation v2), the wide ResNets and ResNeXt, at any
// input size from 32x32 and with any number of classes.
//
// # Use
//
// Describe the network with an [Arch] (or a constructor such as [ResNet50]),
// compile it once with [New] from its weights, and call [Model.Infer] from
// as many goroutines as you like:
//
//	m, err := resnet.New(resnet.ResNet50(), weights, &resnet.Options{Threads: 2})
//	...
//	logits := make([]float32, batch*1000)
//	err = m.Infer(ctx, logits, images, batch) // images: batch x 3 x 224 x 224, NCHW
//
// New builds the network's graph (package graph: every BatchNorm that
// directly follows a convolution folded into it, v2's pre-activations as
// per-channel scale-shifts, the pooled features as a second output) and
// compiles it with package engine, which packs the weights for the GEMM
// kernels once, fuses bias, residual addition and ReLU into each
// convolution's store, and plans the activations by lifetime so that an
// inference needs one small workspace ([Model.Engine] gives the compiled
// graph: its plan and the calls that fill both outputs). Infer converts
// the NCHW input to channels-last (NHWC) and runs the plan; it makes no heap
// allocations once warm. A Model is read-only after New: concurrent calls
// each take their own workspace (see [Model.NewWorkspace] to manage them
// yourself).
//
// # Weights
//
// [Weights] maps torchvision state-dict names to tensors ([Tensor]: a shape
// and float32 data, row-major). Shapes are PyTorch's: convolution weights
// are OIHW, [out, in/groups, k, k]; BatchNorm tensors and biases are [C];
// fc.weight is [classes, features] and fc.bias [classes]. For a v1 or v1.5
// network (torchvision's ResNet class):
//
//	conv1.weight                          stem convolution
//	bn1.{weight,bias,running_mean,running_var}
//	layerS.B.conv1.weight, layerS.B.bn1.* stage S = 1.., block B = 0..
//	layerS.B.conv2.weight, layerS.B.bn2.*
//	layerS.B.conv3.weight, layerS.B.bn3.* bottleneck blocks only
//	layerS.B.downsample.0.weight          projection shortcut (first block of
//	layerS.B.downsample.1.*               a stage, when the shape changes)
//	fc.weight, fc.bias
//
// BatchNorm may also come already fused, as ONNX exporters write it: a
// convolution then has a NAME.bias and its BatchNorm's four keys are absent.
// A convolution may have a bias together with its BatchNorm too. PyTorch's
// num_batches_tracked counters are ignored; any other unknown key is an
// error, as is a tensor of the wrong shape (the error names the key).
//
// # Weight sources
//
// [NewFrom] compiles from any [WeightSource]: names, shapes and, one tensor
// at a time, float32 values. It checks every name and shape first, then
// reads, folds and packs one layer at a time, so a model compiled from a
// file never holds a decoded copy of all its weights: a process that loads
// ResNet-50 this way peaks at the packed weights plus a layer's
// temporaries. [Weights] is a WeightSource; so is a *safetensors.File.
// [ArchFromShapes] works out the architecture of a state dict from its
// names and shapes alone. (ONNX files do not come through this package:
// package onnx imports their graphs, whatever the architecture, and
// compiles them with the same executor, package engine.)
//
// # Pre-activation (v2) weights
//
// A v2 block computes p = relu(bn1(x)), then the branch
// conv1(p) -> bn2 -> relu -> conv2 [-> bn3 -> relu -> conv3 for bottlenecks],
// and adds the shortcut: x itself, or downsample.0(p) (a 1x1 convolution of
// the pre-activated input, with no BatchNorm) when the shape changes. The sum
// is not activated. The stem is as in v1 (conv1, bn1, ReLU and, for the
// ImageNet stem, the max pool); after the last block come bn_final and ReLU,
// then pooling and fc. The names mirror torchvision's (and match the
// fixtures in testdata/, made by scripts/resnets.py):
//
//	conv1.weight, bn1.*                   stem, as in v1
//	layerS.B.bn1.*                        pre-activation of the block's input
//	layerS.B.conv1.weight, layerS.B.bn2.*
//	layerS.B.conv2.weight, layerS.B.bn3.* (bn3: bottlenecks only)
//	layerS.B.conv3.weight                 bottlenecks only
//	layerS.B.downsample.0.weight          projection shortcut, no BatchNorm
//	bn_final.*                            before global pooling
//	fc.weight, fc.bias
//
// A BatchNorm that follows a convolution (bn2, bn3) folds into it as in v1;
// the pre-activations (bn1 of each block, bn_final) cannot, because the
// shortcut needs the raw sum: they run as a per-channel scale, shift and ReLU.
//
// # Synthetic weights and counts
//
// [Random] and [NewRandom] make deterministic weights for benchmarks and
// examples. [Arch.MACs], [Arch.FLOPs] and [Arch.Params] count work and size
// as torchvision does (ResNet-50: 4.09 GMAC at 224x224, 25.6 M parameters).
package resnet
