package onnx

import (
	"fmt"

	"github.com/gorn-ml/gorn/resnet"
)

// ResNet recognises the model's graph as a ResNet-family network and
// returns its architecture and its weights under torchvision state-dict
// names, ready for resnet.New. BatchNorm that the exporter fused into the
// convolutions comes back as convolution biases; BatchNorm kept as
// BatchNormalization nodes comes back as bnX.weight, bias, running_mean
// and running_var. The weights are copies: they stay valid after Close.
// (ResNetSource gives the same tensors without decoding them all at once.)
//
// A graph it cannot place gives an error wrapping ErrUnsupported that
// names the node and operator.
func (m *Model) ResNet() (resnet.Arch, resnet.Weights, error) {
	a, src, _, err := m.resnet()
	if err != nil {
		return resnet.Arch{}, nil, err
	}
	w := resnet.Weights{}
	for _, k := range src.Keys() {
		shape, _ := src.Shape(k)
		data, err := src.Float32s(k)
		if err != nil {
			return resnet.Arch{}, nil, err
		}
		w[k] = resnet.Tensor{Shape: shape, Data: data}
	}
	return a, w, nil
}

// ResNetSource is ResNet with the weights as a resnet.WeightSource for
// resnet.NewFrom: it decodes each tensor from the model's (mapped) file
// only when asked for it, and drops the file pages it read, so that
// compiling never holds every weight decoded at once. The source reads the
// Model's files: use it before Close.
func (m *Model) ResNetSource() (resnet.Arch, resnet.WeightSource, error) {
	a, src, _, err := m.resnet()
	if err != nil {
		return resnet.Arch{}, nil, err
	}
	return a, src, nil
}

func (m *Model) resnet() (resnet.Arch, *weightSource, *recognizer, error) {
	r, err := m.recognize()
	if err != nil {
		return resnet.Arch{}, nil, nil, err
	}
	a, err := r.arch()
	if err != nil {
		return resnet.Arch{}, nil, nil, err
	}
	if err := r.checkInput(a); err != nil {
		return resnet.Arch{}, nil, nil, err
	}
	return a, r.weights(a), r, nil
}

// Info describes a recognised model, for listing (gorn info).
type Info struct {
	// Arch is the recognised architecture; Name its name ("resnet50").
	Arch resnet.Arch
	Name string
	// Opset is the default-domain operator set version.
	Opset     int64
	IRVersion int64
	Producer  string // producer name and version
	// Domain, ModelVersion, DocString and Metadata are the model's (see
	// Model); Metadata is shared with it.
	Domain       string
	ModelVersion int64
	DocString    string
	Metadata     map[string]string
	// Input is the graph input's name. Batch, Height and Width are its
	// fixed sizes, 0 where dynamic; BatchParam names a symbolic batch.
	Input         string
	Batch         int
	BatchParam    string
	Channels      int
	Height, Width int
	// FusedBN reports that no BatchNormalization follows a convolution
	// (the exporter folded them); pre-activation BNs do not count.
	FusedBN bool
	// Params is the trainable parameter count as PyTorch reports it;
	// MACs the multiply-accumulates of one image at MACsHeight x
	// MACsWidth (the input size, or 224x224 when it is dynamic).
	Params                int64
	MACs                  int64
	MACsHeight, MACsWidth int
	// Nodes and Initializers count the graph's entries; WeightBytes is
	// the size of all initializer data.
	Nodes, Initializers int
	WeightBytes         int64
}

// Info recognises the model and describes it.
func (m *Model) Info() (*Info, error) {
	r, err := m.recognize()
	if err != nil {
		return nil, err
	}
	a, err := r.arch()
	if err != nil {
		return nil, err
	}
	if err := r.checkInput(a); err != nil {
		return nil, err
	}
	in := &Info{Arch: a, Name: a.String(), Opset: m.Opset(), IRVersion: m.IRVersion,
		Producer: m.ProducerName, Domain: m.Domain, ModelVersion: m.ModelVersion, DocString: m.DocString,
		Metadata: m.Metadata, Input: r.input.Name,
		Nodes: len(m.Graph.Nodes), Initializers: len(m.Graph.Initializers)}
	if m.ProducerVersion != "" {
		in.Producer += " " + m.ProducerVersion
	}
	if s := r.input.Shape; len(s) == 4 {
		if s[0].Known() {
			in.Batch = int(s[0].Value)
		}
		in.BatchParam = s[0].Param
		in.Channels, in.Height, in.Width = knownInt(s[1]), knownInt(s[2]), knownInt(s[3])
	}
	in.FusedBN = !r.keptBN()
	in.Params = a.Params()
	in.MACsHeight, in.MACsWidth = 224, 224
	if in.Height > 0 && in.Width > 0 {
		in.MACsHeight, in.MACsWidth = in.Height, in.Width
	}
	in.MACs = a.MACs(in.MACsHeight, in.MACsWidth)
	for i := range m.Graph.Initializers {
		t := &m.Graph.Initializers[i]
		in.WeightBytes += t.n * int64(t.DataType.Size())
	}
	return in, nil
}

func knownInt(d Dim) int {
	if d.Known() {
		return int(d.Value)
	}
	return 0
}

// keptBN reports whether any convolution is followed by a kept BN.
func (r *recognizer) keptBN() bool {
	has := func(c *convLayer) bool { return c != nil && c.bn != nil }
	if has(r.stem) {
		return true
	}
	for _, b := range r.blocks {
		for _, c := range b.convs {
			if has(c) {
				return true
			}
		}
		if has(b.down) {
			return true
		}
	}
	return false
}

// checkInput checks the declared input shape against the architecture and
// an AveragePool head against the map it pools.
func (r *recognizer) checkInput(a resnet.Arch) error {
	s := r.input.Shape
	if len(s) == 4 && s[1].Known() && int(s[1].Value) != r.stem.cin {
		return unsupported("input %q has %d channels, the stem takes %d", r.input.Name, s[1].Value, r.stem.cin)
	}
	if r.head.poolKernel == 0 {
		return nil
	}
	if len(s) != 4 || !s[2].Known() || !s[3].Known() {
		return unsupported("AveragePool head needs a fixed input size")
	}
	h, w := int(s[2].Value), int(s[3].Value)
	h, w = finalSize(a, h), finalSize(a, w)
	if h != r.head.poolKernel || w != r.head.poolKernel {
		return unsupported("AveragePool kernel %d does not cover the %dx%d map", r.head.poolKernel, h, w)
	}
	return nil
}

// finalSize is the spatial extent after the stem and every stage for an
// input extent n.
func finalSize(a resnet.Arch, n int) int {
	half := func(n int) int { return (n-1)/2 + 1 } // 3x3/2 pad 1 or 1x1/2
	if a.Stem == resnet.StemImageNet {
		n = half(half(n))
	}
	for range len(a.Layers) - 1 {
		n = half(n)
	}
	return n
}

// String summarises the info on one line.
func (in *Info) String() string {
	batch := fmt.Sprint(in.Batch)
	if in.Batch == 0 {
		batch = "dynamic"
		if in.BatchParam != "" {
			batch += " (" + in.BatchParam + ")"
		}
	}
	bn := "kept"
	if in.FusedBN {
		bn = "fused"
	}
	macs := fmt.Sprintf("%.2f MMAC", float64(in.MACs)/1e6)
	if in.MACs >= 1e9 {
		macs = fmt.Sprintf("%.2f GMAC", float64(in.MACs)/1e9)
	}
	return fmt.Sprintf("%s: %d params, %s at %dx%d, opset %d, batch %s, BatchNorm %s",
		in.Name, in.Params, macs, in.MACsHeight, in.MACsWidth, in.Opset, batch, bn)
}

// LoadResNet loads the ONNX model at path, recognises it and compiles it
// with resnet.NewFrom, decoding one layer's weights at a time from the
// memory-mapped file. Where opts leaves Height and Width zero and the model's
// input has a fixed size, that size is used (otherwise resnet's default,
// 224x224); likewise a fixed batch size sets a zero MaxBatch. The file is
// closed before LoadResNet returns: the model holds only packed weights.
func LoadResNet(path string, opts *resnet.Options) (*resnet.Model, error) {
	m, err := Load(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.Compile(opts)
}

// Compile recognises the model (see ResNet) and compiles it with
// resnet.NewFrom from its ResNetSource, taking the input size and batch from the graph where opts
// leaves them zero (see LoadResNet).
func (m *Model) Compile(opts *resnet.Options) (*resnet.Model, error) {
	a, w, r, err := m.resnet()
	if err != nil {
		return nil, err
	}
	var o resnet.Options
	if opts != nil {
		o = *opts
	}
	if s := r.input.Shape; len(s) == 4 {
		if o.Height == 0 && o.Width == 0 && s[2].Known() && s[3].Known() {
			o.Height, o.Width = int(s[2].Value), int(s[3].Value)
		}
		if o.MaxBatch == 0 && s[0].Known() && s[0].Value <= maxAutoBatch {
			o.MaxBatch = int(s[0].Value)
		}
	}
	return resnet.NewFrom(a, w, &o)
}

// maxAutoBatch caps the batch size Compile takes from a graph.
const maxAutoBatch = 64
