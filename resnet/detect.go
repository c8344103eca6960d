package resnet

import "fmt"

// ArchFromShapes works out the architecture of a torchvision-style state
// dict from its names and shapes alone (src's Keys and Shape; no tensor is
// read):
//
//   - the stem from conv1.weight [width, in, k, k]: a 7x7 kernel is the
//     ImageNet stem, a 3x3 one the CIFAR stem; the width and the number of
//     input channels are its first two dimensions;
//   - the block kind from layer1.0: bottleneck if it has a conv3, basic
//     otherwise; the stage depths by counting layerS.B.conv1 for S = 1, 2, ...;
//   - for bottlenecks, the groups and width per group (ResNeXt, wide
//     ResNets) from each stage's conv1 and conv2 shapes;
//   - pre-activation (V2) if there is a bn_final, V1_5 otherwise;
//   - the number of classes from fc.weight.
//
// This covers torchvision's resnet18, 34, 50, 101 and 152, wide_resnet50_2
// and wide_resnet101_2, resnext50_32x4d and the other ResNeXts, at any
// width and class count, and their pre-activation forms. Two things are not
// in the shapes: V1 and V1_5 differ only in where a bottleneck strides (the
// result is V1_5, torchvision's layout: set Version to V1 for a Caffe-style
// network), and the BatchNorm epsilon (the result has the default, 1e-5).
//
// Finally it checks every name and shape against the architecture it found,
// as [NewFrom] does; weights that fit no architecture this package builds
// give an error wrapping [ErrArch] that names the offending key.
func ArchFromShapes(src WeightSource) (Arch, error) {
	a, err := archFromShapes(src)
	if err != nil {
		return Arch{}, fmt.Errorf("%w: the weights fit no known ResNet: %w", ErrArch, err)
	}
	if err := a.build().check(src); err != nil {
		return Arch{}, fmt.Errorf("%w: the weights fit no known ResNet (the closest is %v): %w", ErrArch, a, err)
	}
	return a, nil
}

// archFromShapes reads the architecture from the stem, the stage and block
// counts, the first block of each stage and fc.
func archFromShapes(src WeightSource) (Arch, error) {
	stem, ok := src.Shape("conv1.weight")
	if !ok {
		return Arch{}, fmt.Errorf("no conv1.weight (not a torchvision ResNet state dict, or a variant with a different stem)")
	}
	if len(stem) != 4 || stem[2] != stem[3] || stem[2] != 7 && stem[2] != 3 {
		return Arch{}, fmt.Errorf("conv1.weight has shape %v; want [width, channels, 7, 7] (ImageNet stem) or [width, channels, 3, 3] (CIFAR stem)", stem)
	}
	if min(stem[0], stem[1]) < 1 || max(stem[0], stem[1]) > maxDim {
		return Arch{}, fmt.Errorf("conv1.weight has shape %v: not 1 to %d channels", stem, maxDim)
	}
	a := Arch{Block: Basic, Width: stem[0], InChannels: stem[1], Groups: 1, WidthPerGroup: 64}
	if stem[2] == 3 {
		a.Stem = StemCIFAR
	}
	fc, ok := src.Shape("fc.weight")
	if !ok || len(fc) != 2 {
		return Arch{}, fmt.Errorf("fc.weight is missing or not a matrix (shape %v)", fc)
	}
	a.Classes = fc[0]
	for s := 1; ; s++ {
		n := 0
		for n <= 1024 && has(src, fmt.Sprintf("layer%d.%d.conv1.weight", s, n)) {
			n++
		}
		if n == 0 {
			break
		}
		if len(a.Layers) == 8 || n > 1024 {
			return Arch{}, fmt.Errorf("more than 8 stages or 1024 blocks in a stage")
		}
		a.Layers = append(a.Layers, n)
	}
	if len(a.Layers) == 0 {
		return Arch{}, fmt.Errorf("no layer1.0.conv1.weight")
	}
	if has(src, "layer1.0.conv3.weight") {
		a.Block = Bottleneck
		var err error
		if a.Groups, a.WidthPerGroup, err = groupsFromShapes(src, a.Width, len(a.Layers)); err != nil {
			return Arch{}, err
		}
	}
	if has(src, "bn_final.weight") || has(src, "bn_final.running_mean") {
		a.Version = V2
	}
	if err := a.Validate(); err != nil {
		return Arch{}, err
	}
	return a, nil
}

// groupsFromShapes finds the groups and width per group of a bottleneck
// network of the given width and stages. Stage s (from 0) has planes
// width<<s and inner width (planes*wpg/64)*groups, rounded down as
// torchvision rounds; the smallest wpg that gives every stage's inner
// width is returned (it is exact when planes >= 64, as in the standard
// networks).
func groupsFromShapes(src WeightSource, width, stages int) (groups, wpg int, err error) {
	lo, hi := 1, maxDim
	for s := range stages {
		c1, _ := src.Shape(fmt.Sprintf("layer%d.0.conv1.weight", s+1))
		key := fmt.Sprintf("layer%d.0.conv2.weight", s+1)
		c2, ok := src.Shape(key)
		if len(c1) != 4 || !ok || len(c2) != 4 || c2[1] < 1 {
			return 0, 0, fmt.Errorf("%s is missing or not a convolution (shape %v)", key, c2)
		}
		inner := c1[0]
		if inner < 1 || inner > maxDim {
			return 0, 0, fmt.Errorf("layer%d.0.conv1.weight has shape %v: not 1 to %d channels", s+1, c1, maxDim)
		}
		if s == 0 {
			groups = inner / c2[1]
		}
		if groups < 1 || inner%groups != 0 || c2[1]*groups != inner {
			return 0, 0, fmt.Errorf("%s has shape %v: not %d channels in groups of the same size as in layer1", key, c2, inner)
		}
		// floor(planes*wpg/64) = q  <=>  64q <= planes*wpg < 64(q+1).
		planes, q := width<<s, inner/groups
		lo = max(lo, (64*q+planes-1)/planes)
		hi = min(hi, (64*(q+1)+planes-1)/planes-1)
		if lo > hi {
			return 0, 0, fmt.Errorf("%s: bottleneck inner width %d does not follow from the widths of the earlier stages", key, inner)
		}
	}
	return groups, lo, nil
}

func has(src WeightSource, key string) bool {
	_, ok := src.Shape(key)
	return ok
}
