package resnet

import (
	"errors"
	"fmt"
	"strings"
)

// Block is the kind of residual block a network is built from.
type Block int

const (
	// Basic is two 3x3 convolutions (ResNet-18 and -34); expansion 1.
	Basic Block = iota + 1
	// Bottleneck is 1x1, 3x3, 1x1 convolutions (ResNet-50 and deeper);
	// the block's output has four times the stage's planes.
	Bottleneck
)

// String returns "basic" or "bottleneck".
func (b Block) String() string {
	switch b {
	case Basic:
		return "basic"
	case Bottleneck:
		return "bottleneck"
	}
	return fmt.Sprintf("Block(%d)", int(b))
}

// Version selects where a block strides and where BatchNorm sits.
type Version int

const (
	// V1_5 is torchvision's ResNet: BN after every convolution, and a
	// downsampling bottleneck strides in its 3x3 convolution. It is the
	// default (the zero Version means V1_5).
	V1_5 Version = iota
	// V1 is the original ResNet (He et al. 2015, as in Caffe): like V1_5,
	// but a downsampling bottleneck strides in its first 1x1 convolution.
	// Basic blocks are the same in V1 and V1_5.
	V1
	// V2 is the pre-activation ResNet (He et al. 2016, "Identity Mappings in
	// Deep Residual Networks"): every block starts with BN and ReLU, the sum
	// is not activated, and the network ends with BN and ReLU before
	// pooling. Weight names are documented in the package overview.
	V2
)

// String returns "v1", "v1.5" or "v2".
func (v Version) String() string {
	switch v {
	case V1:
		return "v1"
	case V1_5:
		return "v1.5"
	case V2:
		return "v2"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// Stem is the layer group that runs before the first stage.
type Stem int

const (
	// StemImageNet is a 7x7 stride-2 convolution (padding 3) followed by a
	// 3x3 stride-2 max pool (padding 1): the input shrinks 4x. The default.
	StemImageNet Stem = iota
	// StemCIFAR is a single 3x3 stride-1 convolution (padding 1) with no
	// pool, for small images.
	StemCIFAR
)

// String returns "imagenet" or "cifar".
func (s Stem) String() string {
	switch s {
	case StemImageNet:
		return "imagenet"
	case StemCIFAR:
		return "cifar"
	}
	return fmt.Sprintf("Stem(%d)", int(s))
}

// Arch describes a ResNet-family network. Zero numeric fields take the
// defaults noted below, so the constructors [ResNet18] ... [ResNeXt50_32x4d]
// and a struct literal naming only Block and Layers both work.
type Arch struct {
	// Block is the residual block kind. Required.
	Block Block
	// Layers is the number of blocks in each stage; the first stage keeps
	// the resolution, each later one halves it. Required, e.g. {3, 4, 6, 3}.
	Layers []int
	// Version is the block layout; the zero value is V1_5 (torchvision).
	Version Version
	// Stem is the input layer group; the zero value is StemImageNet.
	Stem Stem
	// Width is the number of channels out of the stem and the planes of the
	// first stage; every later stage doubles it. 0 means 64.
	Width int
	// Groups is the number of groups of each bottleneck's 3x3 convolution
	// (ResNeXt's cardinality). 0 means 1. Basic blocks need 1.
	Groups int
	// WidthPerGroup sets a bottleneck's inner width, as in torchvision:
	// planes*WidthPerGroup/64*Groups channels. 0 means 64; 128 gives the
	// wide ResNets. Basic blocks need 64.
	WidthPerGroup int
	// InChannels is the number of input channels. 0 means 3.
	InChannels int
	// Classes is the number of outputs of the final fully connected layer.
	// 0 means 1000.
	Classes int
	// Eps is the BatchNorm epsilon. 0 means 1e-5 (PyTorch's default).
	Eps float64
}

// ResNet18 is torchvision's resnet18: basic blocks, 2-2-2-2.
func ResNet18() Arch { return Arch{Block: Basic, Layers: []int{2, 2, 2, 2}} }

// ResNet34 is torchvision's resnet34: basic blocks, 3-4-6-3.
func ResNet34() Arch { return Arch{Block: Basic, Layers: []int{3, 4, 6, 3}} }

// ResNet50 is torchvision's resnet50 (v1.5): bottlenecks, 3-4-6-3.
func ResNet50() Arch { return Arch{Block: Bottleneck, Layers: []int{3, 4, 6, 3}} }

// ResNet101 is torchvision's resnet101: bottlenecks, 3-4-23-3.
func ResNet101() Arch { return Arch{Block: Bottleneck, Layers: []int{3, 4, 23, 3}} }

// ResNet152 is torchvision's resnet152: bottlenecks, 3-8-36-3.
func ResNet152() Arch { return Arch{Block: Bottleneck, Layers: []int{3, 8, 36, 3}} }

// WideResNet50_2 is torchvision's wide_resnet50_2: ResNet-50 with bottleneck
// inner widths doubled.
func WideResNet50_2() Arch {
	a := ResNet50()
	a.WidthPerGroup = 128
	return a
}

// ResNeXt50_32x4d is torchvision's resnext50_32x4d: ResNet-50 with 32
// groups of 4 channels per group (scaled by the stage) in every 3x3.
func ResNeXt50_32x4d() Arch {
	a := ResNet50()
	a.Groups, a.WidthPerGroup = 32, 4
	return a
}

// WithVersion returns a copy of a with the given version.
func (a Arch) WithVersion(v Version) Arch {
	a.Layers = append([]int(nil), a.Layers...)
	a.Version = v
	return a
}

// WithClasses returns a copy of a with n output classes.
func (a Arch) WithClasses(n int) Arch {
	a.Layers = append([]int(nil), a.Layers...)
	a.Classes = n
	return a
}

// WithWidth returns a copy of a whose stem and first stage have w channels
// (64 in the standard networks); handy for small test networks.
func (a Arch) WithWidth(w int) Arch {
	a.Layers = append([]int(nil), a.Layers...)
	a.Width = w
	return a
}

// withDefaults fills the zero fields.
func (a Arch) withDefaults() Arch {
	a.Layers = append([]int(nil), a.Layers...)
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&a.Width, 64)
	def(&a.Groups, 1)
	def(&a.WidthPerGroup, 64)
	def(&a.InChannels, 3)
	def(&a.Classes, 1000)
	if a.Eps == 0 {
		a.Eps = 1e-5
	}
	return a
}

// ErrArch reports an invalid architecture.
var ErrArch = errors.New("resnet: invalid architecture")

// maxDim bounds every channel count and layer count, so that sizes computed
// from an Arch cannot overflow.
const maxDim = 1 << 16

// Validate reports whether a describes a network this package can build.
func (a Arch) Validate() error {
	d := a.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrArch}, args...)...)
	}
	if d.Block != Basic && d.Block != Bottleneck {
		return bad("block kind %v", d.Block)
	}
	if d.Version != V1 && d.Version != V1_5 && d.Version != V2 {
		return bad("version %v", d.Version)
	}
	if d.Stem != StemImageNet && d.Stem != StemCIFAR {
		return bad("stem %v", d.Stem)
	}
	if len(d.Layers) == 0 || len(d.Layers) > 8 {
		return bad("%d stages (want 1 to 8)", len(d.Layers))
	}
	for i, n := range d.Layers {
		if n < 1 || n > 1024 {
			return bad("stage %d has %d blocks", i+1, n)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Width", d.Width}, {"Groups", d.Groups}, {"WidthPerGroup", d.WidthPerGroup},
		{"InChannels", d.InChannels}, {"Classes", d.Classes}} {
		if f.v < 1 || f.v > maxDim {
			return bad("%s = %d", f.name, f.v)
		}
	}
	if top := d.Width << (len(d.Layers) - 1); top*d.expansion() > maxDim {
		return bad("last stage has %d channels", top*d.expansion())
	}
	if d.Eps < 0 || d.Eps > 1 {
		return bad("Eps = %g", d.Eps)
	}
	if d.Block == Basic && (d.Groups != 1 || d.WidthPerGroup != 64) {
		return bad("basic blocks need Groups 1 and WidthPerGroup 64 (got %d, %d)", d.Groups, d.WidthPerGroup)
	}
	if d.Block == Bottleneck && d.Width*d.WidthPerGroup/64 < 1 {
		return bad("bottleneck inner width %d*%d/64 rounds to zero", d.Width, d.WidthPerGroup)
	}
	if d.Block == Bottleneck && d.innerWidth(d.Width<<(len(d.Layers)-1)) > maxDim {
		return bad("bottleneck inner width too large")
	}
	return nil
}

func (a Arch) expansion() int {
	if a.Block == Bottleneck {
		return 4
	}
	return 1
}

// innerWidth is a bottleneck's 3x3 channel count for a stage of planes.
func (a Arch) innerWidth(planes int) int {
	return planes * a.WidthPerGroup / 64 * a.Groups
}

// Features is the number of channels entering the fully connected layer.
func (a Arch) Features() int {
	d := a.withDefaults()
	return (d.Width << (len(d.Layers) - 1)) * d.expansion()
}

// String names the architecture, e.g. "resnet50", "resnext50_32x4d",
// "resnet18-v2 classes=10", or a full description for non-standard ones.
func (a Arch) String() string {
	d := a.withDefaults()
	var b strings.Builder
	b.WriteString(d.baseName())
	if d.Version != V1_5 && !(d.Version == V1 && d.Block == Basic) {
		b.WriteString("-" + d.Version.String())
	}
	if d.Stem != StemImageNet {
		b.WriteString(" stem=" + d.Stem.String())
	}
	if d.Width != 64 {
		fmt.Fprintf(&b, " width=%d", d.Width)
	}
	if d.InChannels != 3 {
		fmt.Fprintf(&b, " in=%d", d.InChannels)
	}
	if d.Classes != 1000 {
		fmt.Fprintf(&b, " classes=%d", d.Classes)
	}
	return b.String()
}

func (a Arch) baseName() string {
	depth := 2 // stem conv and fc
	per := 2
	if a.Block == Bottleneck {
		per = 3
	}
	std := len(a.Layers) == 4
	for _, n := range a.Layers {
		depth += per * n
	}
	if !std {
		return fmt.Sprintf("resnet[%s %v]", a.Block, a.Layers)
	}
	switch {
	case a.Groups == 1 && a.WidthPerGroup == 64:
		return fmt.Sprintf("resnet%d", depth)
	case a.Groups == 1 && a.WidthPerGroup%64 == 0:
		return fmt.Sprintf("wide_resnet%d_%d", depth, a.WidthPerGroup/64)
	case a.Groups > 1:
		return fmt.Sprintf("resnext%d_%dx%dd", depth, a.Groups, a.WidthPerGroup)
	}
	return fmt.Sprintf("resnet%d wpg=%d", depth, a.WidthPerGroup)
}
