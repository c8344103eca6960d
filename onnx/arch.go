package onnx

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gorn-ml/gorn/resnet"
)

// arch infers the resnet.Arch of the recognised graph and checks the
// geometry the Arch implies but the weight shapes do not show: strides,
// kernel sizes, where the stride sits, grouping, and version consistency.
func (r *recognizer) arch() (resnet.Arch, error) {
	if len(r.blocks) == 0 {
		return resnet.Arch{}, unsupported("no residual blocks between %v and the head", r.stem.node)
	}
	a := resnet.Arch{Block: resnet.Basic, Width: r.stem.cout, InChannels: r.stem.cin,
		Classes: r.head.classes, Groups: 1, WidthPerGroup: 64}
	if len(r.blocks[0].convs) == 3 {
		a.Block = resnet.Bottleneck
	}
	if !r.pool {
		a.Stem = resnet.StemCIFAR
	}
	v2 := r.final != nil
	if v2 {
		a.Version = resnet.V2
	}
	if !r.stemReLU {
		return a, unsupported("%v: the stem convolution is not followed by (BatchNormalization and) Relu", r.stem.node)
	}
	if a.Block == resnet.Bottleneck {
		b0 := r.blocks[0]
		a.Groups = b0.convs[1].groups
		inner := b0.convs[0].cout
		if d := a.Width * a.Groups; inner*64%d != 0 {
			return a, unsupported("%v: inner width %d is not a whole number of groups", b0.convs[0].node, inner)
		}
		a.WidthPerGroup = inner * 64 / (a.Width * a.Groups)
	}
	for i, b := range r.blocks {
		v, err := r.checkBlock(a, b)
		if err != nil {
			return a, err
		}
		if v == resnet.V1 {
			a.Version = v
		}
		switch {
		case i == 0 && b.stride != 1:
			return a, unsupported("%v: the first block must not downsample", b.convs[0].node)
		case i == 0 || b.stride == 2:
			a.Layers = append(a.Layers, 1)
		default:
			a.Layers[len(a.Layers)-1]++
		}
	}
	eps, err := r.eps()
	if err != nil {
		return a, err
	}
	a.Eps = eps
	if err := a.Validate(); err != nil {
		return a, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if a.Features() != r.head.features {
		return a, unsupported("fully connected layer takes %d features, the blocks give %d", r.head.features, a.Features())
	}
	return a, nil
}

// checkBlock checks one block's kernels, strides, groups and BN placement
// against the network's Arch. It returns V1 when a bottleneck strides in
// its first 1x1 convolution, and V1_5 otherwise.
func (r *recognizer) checkBlock(a resnet.Arch, b *blockLayer) (resnet.Version, error) {
	c := b.convs
	ver := resnet.V1_5
	kernels := []int{3, 3}
	if a.Block == resnet.Bottleneck {
		kernels = []int{1, 3, 1}
	}
	if len(c) != len(kernels) {
		return ver, unsupported("%v: block with %d convolutions in a %v network", c[0].node, len(c), a.Block)
	}
	if (b.preact != nil) != (a.Version == resnet.V2) {
		return ver, unsupported("%v: block does not match the network's version %v", c[0].node, a.Version)
	}
	for i, cv := range c {
		wantGroups := 1
		if a.Block == resnet.Bottleneck && i == 1 {
			wantGroups = a.Groups
		}
		if cv.k != kernels[i] || cv.groups != wantGroups {
			return ver, unsupported("%v: %dx%d kernel with %d groups, want %dx%d with %d",
				cv.node, cv.k, cv.k, cv.groups, kernels[i], kernels[i], wantGroups)
		}
		if cv.stride != 1 && !(i == 0 || a.Block == resnet.Bottleneck && i == 1) {
			return ver, unsupported("%v: stride %d in this position", cv.node, cv.stride)
		}
		if cv.stride != 1 && i == 0 && a.Block == resnet.Bottleneck {
			ver = resnet.V1
		}
		if a.Version == resnet.V2 && i == len(c)-1 && cv.bn != nil {
			return ver, unsupported("%v: a pre-activation block's last convolution has a BatchNormalization", cv.node)
		}
	}
	if ver == resnet.V1 && a.Version == resnet.V2 {
		return ver, unsupported("%v: a pre-activation bottleneck strides in its 3x3 convolution", c[0].node)
	}
	if b.stride != 1 && b.stride != 2 {
		return ver, unsupported("%v: block stride %d", c[0].node, b.stride)
	}
	if d := b.down; d != nil {
		if d.k != 1 || d.groups != 1 || d.stride != b.stride {
			return ver, unsupported("%v: projection shortcut must be a 1x1 stride-%d convolution", d.node, b.stride)
		}
		if a.Version == resnet.V2 && d.bn != nil {
			return ver, unsupported("%v: a pre-activation projection has a BatchNormalization", d.node)
		}
	} else if b.stride != 1 {
		return ver, unsupported("%v: a downsampling block without a projection shortcut", b.add)
	}
	return ver, nil
}

// eps returns the BatchNorm epsilon shared by every kept BN (1e-5 if none),
// as the shortest decimal that rounds to the stored float32 (so 1e-5
// stays 1e-5).
func (r *recognizer) eps() (float64, error) {
	var bns []*bnLayer
	add := func(c *convLayer) {
		if c != nil && c.bn != nil {
			bns = append(bns, c.bn)
		}
	}
	add(r.stem)
	for _, b := range r.blocks {
		if b.preact != nil {
			bns = append(bns, b.preact)
		}
		for _, c := range b.convs {
			add(c)
		}
		add(b.down)
	}
	if r.final != nil {
		bns = append(bns, r.final)
	}
	if len(bns) == 0 {
		return 1e-5, nil
	}
	for _, b := range bns[1:] {
		if b.eps != bns[0].eps {
			return 0, unsupported("%v: epsilon %g differs from %g of %v", b.node, b.eps, bns[0].eps, bns[0].node)
		}
	}
	return strconv.ParseFloat(strconv.FormatFloat(float64(bns[0].eps), 'g', -1, 32), 64)
}

// weights maps the recognised layers to torchvision state-dict names, as
// a source that decodes each tensor when it is asked for.
func (r *recognizer) weights(a resnet.Arch) *weightSource {
	w := &weightSource{m: r.m, entries: map[string]srcEntry{}}
	put := func(key string, t *Tensor) {
		if t == nil {
			return
		}
		shape := make([]int, len(t.Dims))
		for i, d := range t.Dims {
			shape[i] = int(d)
		}
		w.entries[key] = srcEntry{t: t, shape: shape}
	}
	bn := func(name string, b *bnLayer) {
		put(name+".weight", b.scale)
		put(name+".bias", b.bias)
		put(name+".running_mean", b.mean)
		put(name+".running_var", b.vr)
	}
	// conv stores a convolution; bnName is the BN the Arch expects after
	// it ("" for none). A fused conv without a bias gets a zero one.
	conv := func(name, bnName string, c *convLayer) {
		put(name+".weight", c.w)
		put(name+".bias", c.b)
		switch {
		case c.bn != nil:
			bn(bnName, c.bn)
		case c.b == nil && bnName != "":
			w.entries[name+".bias"] = srcEntry{shape: []int{c.cout}, data: make([]float32, c.cout)}
		}
	}
	v2 := a.Version == resnet.V2
	conv("conv1", "bn1", r.stem)
	i := 0
	for s, n := range a.Layers {
		for j := range n {
			b := r.blocks[i]
			i++
			name := fmt.Sprintf("layer%d.%d", s+1, j)
			r.blockWeights(name, b, v2, conv, bn)
		}
	}
	if r.final != nil {
		bn("bn_final", r.final)
	}
	w.entries["fc.weight"] = srcEntry{shape: []int{r.head.classes, r.head.features}, data: r.head.weight}
	w.entries["fc.bias"] = srcEntry{shape: []int{r.head.classes}, data: r.head.bias}
	return w
}

// weightSource is a resnet.WeightSource over a recognised graph: an
// initializer is decoded to float32 when resnet asks for it, and the
// mapped file pages behind it are dropped, so compiling a model holds one
// layer's decoded weights at a time. It reads the model's files: it is
// valid until the Model is closed.
type weightSource struct {
	m       *Model
	entries map[string]srcEntry
}

// srcEntry is one tensor: an initializer, or values already in memory (a
// zero bias, the fully connected layer).
type srcEntry struct {
	t     *Tensor
	shape []int
	data  []float32
}

// Keys lists the state-dict names, sorted.
func (w *weightSource) Keys() []string {
	keys := make([]string, 0, len(w.entries))
	for k := range w.entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Shape returns the shape of the tensor called key.
func (w *weightSource) Shape(key string) ([]int, bool) {
	e, ok := w.entries[key]
	return e.shape, ok
}

// Float32s decodes the tensor called key into a new slice and drops the
// file pages it was read from.
func (w *weightSource) Float32s(key string) ([]float32, error) {
	e, ok := w.entries[key]
	switch {
	case !ok:
		return nil, fmt.Errorf("onnx: no tensor for %s", key)
	case e.t == nil:
		return e.data, nil
	}
	data, err := e.t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	w.m.release(e.t)
	return data, nil
}

func (r *recognizer) blockWeights(name string, b *blockLayer, v2 bool,
	conv func(name, bnName string, c *convLayer), bn func(string, *bnLayer)) {
	if v2 {
		bn(name+".bn1", b.preact)
	}
	for k, c := range b.convs {
		bnName := fmt.Sprintf("%s.bn%d", name, k+1)
		if v2 {
			bnName = fmt.Sprintf("%s.bn%d", name, k+2)
			if k == len(b.convs)-1 {
				bnName = ""
			}
		}
		conv(fmt.Sprintf("%s.conv%d", name, k+1), bnName, c)
	}
	if b.down != nil {
		bnName := name + ".downsample.1"
		if v2 {
			bnName = ""
		}
		conv(name+".downsample.0", bnName, b.down)
	}
}
