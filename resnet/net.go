package resnet

import "fmt"

// convDef is one convolution of the network.
type convDef struct {
	name   string // weight key prefix: name+".weight", name+".bias"
	bn     string // key prefix of the BatchNorm that directly follows it, or ""
	cin    int
	cout   int
	k      int
	stride int
	pad    int
	groups int
}

// blockDef is one residual block.
type blockDef struct {
	name   string    // "layer1.0"
	preact string    // V2: BN (then ReLU) applied to the block's input; "" otherwise
	convs  []convDef // the residual branch; the last one adds the shortcut
	down   *convDef  // the projection shortcut, nil for identity
}

// netDef is the whole network in execution order.
type netDef struct {
	arch     Arch    // with defaults
	stem     convDef // followed by BN and ReLU in every version
	stemPool bool    // 3x3/2 max pool after the stem
	blocks   []blockDef
	final    string // V2: BN (then ReLU) before pooling; "" otherwise
	features int
	classes  int
}

// build lays out the network of a (which must be valid).
func (a Arch) build() *netDef {
	a = a.withDefaults()
	n := &netDef{arch: a, classes: a.Classes}
	v2 := a.Version == V2
	const stemBN = "bn1"
	if a.Stem == StemImageNet {
		n.stem = convDef{name: "conv1", bn: stemBN, cin: a.InChannels, cout: a.Width, k: 7, stride: 2, pad: 3, groups: 1}
		n.stemPool = true
	} else {
		n.stem = convDef{name: "conv1", bn: stemBN, cin: a.InChannels, cout: a.Width, k: 3, stride: 1, pad: 1, groups: 1}
	}
	in := a.Width
	for s, count := range a.Layers {
		planes := a.Width << s
		for i := range count {
			stride := 1
			if s > 0 && i == 0 {
				stride = 2
			}
			b := a.block(fmt.Sprintf("layer%d.%d", s+1, i), in, planes, stride)
			n.blocks = append(n.blocks, b)
			in = planes * a.expansion()
		}
	}
	n.features = in
	if v2 {
		n.final = "bn_final"
	}
	return n
}

// block lays out one block with in input channels.
func (a Arch) block(name string, in, planes, stride int) blockDef {
	v2 := a.Version == V2
	out := planes * a.expansion()
	b := blockDef{name: name}
	// bn(i) names the BN that follows the branch's i-th convolution (1-based):
	// bn1, bn2, ... in v1; in v2 the BNs precede the convolutions, so conv i
	// is followed by bn(i+1) and the last one by nothing.
	bn := func(i int) string {
		if v2 {
			if i == a.branchLen() {
				return ""
			}
			return fmt.Sprintf("%s.bn%d", name, i+1)
		}
		return fmt.Sprintf("%s.bn%d", name, i)
	}
	conv := func(i, cin, cout, k, stride, groups int) convDef {
		return convDef{name: fmt.Sprintf("%s.conv%d", name, i), bn: bn(i),
			cin: cin, cout: cout, k: k, stride: stride, pad: k / 2, groups: groups}
	}
	if v2 {
		b.preact = name + ".bn1"
	}
	if a.Block == Basic {
		b.convs = []convDef{conv(1, in, planes, 3, stride, 1), conv(2, planes, planes, 3, 1, 1)}
	} else {
		w := a.innerWidth(planes)
		s1, s3 := 1, stride
		if a.Version == V1 {
			s1, s3 = stride, 1
		}
		b.convs = []convDef{conv(1, in, w, 1, s1, 1), conv(2, w, w, 3, s3, a.Groups), conv(3, w, out, 1, 1, 1)}
	}
	if stride != 1 || in != out {
		d := convDef{name: name + ".downsample.0", bn: name + ".downsample.1",
			cin: in, cout: out, k: 1, stride: stride, groups: 1}
		if v2 {
			d.bn = ""
		}
		b.down = &d
	}
	return b
}

func (a Arch) branchLen() int {
	if a.Block == Bottleneck {
		return 3
	}
	return 2
}

// outSize is a convolution's or pool's output extent.
func outSize(in, k, stride, pad int) int {
	return (in+2*pad-k)/stride + 1
}

// convs calls f for every convolution in execution order with its input
// height and width.
func (n *netDef) convs(h, w int, f func(c *convDef, h, w int)) {
	f(&n.stem, h, w)
	h, w = outSize(h, n.stem.k, n.stem.stride, n.stem.pad), outSize(w, n.stem.k, n.stem.stride, n.stem.pad)
	if n.stemPool {
		h, w = outSize(h, 3, 2, 1), outSize(w, 3, 2, 1)
	}
	for i := range n.blocks {
		b := &n.blocks[i]
		if b.down != nil {
			f(b.down, h, w)
		}
		bh, bw := h, w
		for j := range b.convs {
			c := &b.convs[j]
			f(c, bh, bw)
			bh, bw = outSize(bh, c.k, c.stride, c.pad), outSize(bw, c.k, c.stride, c.pad)
		}
		h, w = bh, bw
	}
}

// MACs is the number of multiply-accumulates one image of h x w pixels
// takes through the convolutions and the fully connected layer (pooling,
// BatchNorm and additions are not counted). ResNet-50 at 224x224 takes
// 4.09 G.
func (a Arch) MACs(h, w int) int64 {
	if a.Validate() != nil {
		return 0
	}
	n := a.build()
	var total int64
	n.convs(h, w, func(c *convDef, h, w int) {
		oh, ow := outSize(h, c.k, c.stride, c.pad), outSize(w, c.k, c.stride, c.pad)
		total += int64(oh*ow) * int64(c.cout) * int64(c.cin/c.groups*c.k*c.k)
	})
	return total + int64(n.features)*int64(n.classes)
}

// FLOPs is 2*[Arch.MACs]: the floating-point operations of one image.
func (a Arch) FLOPs(h, w int) int64 { return 2 * a.MACs(h, w) }

// Params is the number of trainable parameters as PyTorch counts them:
// convolution weights, BatchNorm weights and biases, and the fully
// connected layer (25,557,032 for ResNet-50).
func (a Arch) Params() int64 {
	if a.Validate() != nil {
		return 0
	}
	var total int64
	for _, s := range a.build().specs() {
		if s.trainable {
			total += int64(s.size())
		}
	}
	return total
}
