package modelfile

import (
	"fmt"
	"slices"

	"github.com/gorn-ml/gorn/engine"
	"github.com/gorn-ml/gorn/onnx"
	"github.com/gorn-ml/gorn/resnet"
)

// CompileOptions say how File.Compile compiles a model.
type CompileOptions struct {
	// Height and Width are the input size. For an ONNX graph with a fixed
	// size they must be that size or zero; a symbolic size takes them
	// (onnx.DefaultImportSize when zero). A state dict's model takes them,
	// 224 when zero.
	Height, Width int
	// Threads, MaxBatch and Level are engine.Options'.
	Threads, MaxBatch int
	Level             string
	// Features, for an ONNX classifier that does not output its pooled
	// features, adds the value its final Gemm or MatMul reads as a last
	// output, so that the model gives an embedding (see Model.Roles).
	Features bool
}

// Model is a compiled model file: the executor's model and which of its
// outputs hold what.
type Model struct {
	*engine.Model
	// ResNet is the model a state dict compiled to (nil for ONNX): its
	// engine is Model.
	ResNet *resnet.Model
	// pooled[i] reports whether output i is pooled features; features is
	// the output the final Gemm or MatMul reads, -1 if none.
	pooled   []bool
	features int
}

// Compile compiles the file: an ONNX graph through onnx.Model.CompileGraph
// (import, graph/opt passes, graph.Check, engine.Compile), a state dict
// through its architecture's graph (resnet.NewFrom), whose outputs are
// "fc" (the logits) and "features" (the pooled features). The weights are
// read one layer at a time; the File may be closed afterwards.
func (f *File) Compile(o *CompileOptions) (*Model, error) {
	var co CompileOptions
	if o != nil {
		co = *o
	}
	if f.ONNX == nil {
		ro := &resnet.Options{Threads: co.Threads, MaxBatch: co.MaxBatch, Height: co.Height, Width: co.Width, Level: co.Level}
		rm, err := resnet.NewFrom(f.Arch, f.Src, ro)
		if err != nil {
			return nil, err
		}
		m := &Model{Model: rm.Engine(), ResNet: rm, features: rm.Engine().OutputIndex("features")}
		m.pooled = make([]bool, len(m.Outputs()))
		if m.features >= 0 {
			m.pooled[m.features] = true
		}
		return m, nil
	}
	if f.Height > 0 && f.Width > 0 && (co.Height != 0 || co.Width != 0) && (co.Height != f.Height || co.Width != f.Width) {
		return nil, fmt.Errorf("the model takes %dx%d images, not %dx%d", f.Height, f.Width, co.Height, co.Width)
	}
	if co.Features && f.Features == "" && f.hidden != "" {
		outs := f.ONNX.Graph.Outputs
		f.ONNX.Graph.Outputs = append(slices.Clip(outs), onnx.ValueInfo{Name: f.hidden, ElemType: onnx.Float})
		defer func() { f.ONNX.Graph.Outputs = outs }()
		f.Features = f.hidden
		defer func() { f.Features = "" }()
	}
	em, err := f.ONNX.CompileGraph(&onnx.CompileOptions{
		Import: onnx.ImportOptions{Height: co.Height, Width: co.Width},
		Engine: engine.Options{Threads: co.Threads, MaxBatch: co.MaxBatch, Level: co.Level},
	})
	if err != nil {
		return nil, err
	}
	m := &Model{Model: em, features: em.OutputIndex(f.Features)}
	for _, t := range em.Outputs() {
		m.pooled = append(m.pooled, (f.Pooled[t.Name] || t.Name == f.Features) && featureShape(t.Shape))
	}
	if m.features >= 0 && !featureShape(em.Outputs()[m.features].Shape) {
		m.features = -1
	}
	return m, nil
}

// Close releases the model (and the state dict's resnet.Model).
func (m *Model) Close() {
	if m.ResNet != nil {
		m.ResNet.Close()
		return
	}
	m.Model.Close()
}

// featureShape reports whether an output of this shape (per image) can be
// a feature vector: [1 C] or [1 C 1 1].
func featureShape(s []int) bool {
	return len(s) == 2 || len(s) == 4 && s[2] == 1 && s[3] == 1
}

// Pooled reports whether output i holds pooled features (an embedding).
func (m *Model) Pooled(i int) bool { return i >= 0 && i < len(m.pooled) && m.pooled[i] }

// Roles picks the outputs that hold the logits and the embedding; -1
// stands for none. logits names the logits output; "" takes the first
// output that is not pooled features (none when all are: an embedding
// model). embedding names the embedding output; "" takes, in order: the
// only output when it is pooled features, the output the final Gemm or
// MatMul reads when it is a graph output (for a state dict's network, its
// "features" output), the only pooled output among several. A name that is
// no output is an error.
func (m *Model) Roles(logits, embedding string) (lo, em int, err error) {
	outs := m.Outputs()
	lo, em = -1, -1
	if logits != "" {
		if lo = m.OutputIndex(logits); lo < 0 {
			return -1, -1, fmt.Errorf("the model has no output %q (it has %s)", logits, names(outs))
		}
	} else {
		lo = slices.Index(m.pooled, false)
	}
	if embedding != "" {
		if em = m.OutputIndex(embedding); em < 0 {
			return -1, -1, fmt.Errorf("the model has no output %q (it has %s)", embedding, names(outs))
		}
		return lo, em, nil
	}
	switch {
	case len(outs) == 1 && m.pooled[0]:
		em = 0
	case m.features >= 0:
		em = m.features
	default:
		if i := slices.Index(m.pooled, true); i >= 0 && slices.Index(m.pooled[i+1:], true) < 0 {
			em = i
		}
	}
	return lo, em, nil
}

func names(outs []engine.TensorInfo) string {
	s := ""
	for i, t := range outs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", t.Name)
	}
	return s
}

// passThrough are the operators that carry features unchanged (up to
// shape) from their first input to their output.
var passThrough = map[string]bool{"Flatten": true, "Reshape": true, "Squeeze": true, "Unsqueeze": true,
	"Identity": true, "Dropout": true, "Cast": true}

// poolOps are the operators whose output, pooled to 1x1, is a feature
// vector.
var poolOps = map[string]bool{"GlobalAveragePool": true, "GlobalMaxPool": true, "ReduceMean": true,
	"ReduceMax": true, "AveragePool": true, "MaxPool": true}

// pooledOutputs finds the graph outputs made by pooling (through
// pass-through operators), the graph output, if any, that the last Gemm or
// MatMul reads (through pass-through operators), and else the value that
// Gemm or MatMul reads when it comes from pooling (hidden). The walks are
// bounded by the node count, whatever the graph.
func pooledOutputs(g *onnx.Graph) (pooled map[string]bool, features, hidden string) {
	prod := make(map[string]*onnx.Node, len(g.Nodes))
	for i := range g.Nodes {
		for _, o := range g.Nodes[i].Outputs {
			prod[o] = &g.Nodes[i]
		}
	}
	outs := map[string]bool{}
	for _, v := range g.Outputs {
		outs[v.Name] = true
	}
	// back walks from v through pass-through nodes, calling visit on each
	// value until it returns true; it returns the first other producer.
	back := func(v string, visit func(string) bool) *onnx.Node {
		for range len(g.Nodes) + 1 {
			if visit(v) {
				return nil
			}
			n := prod[v]
			if n == nil || !passThrough[n.OpType] || len(n.Inputs) == 0 {
				return n
			}
			v = n.Inputs[0]
		}
		return nil
	}
	pooled = map[string]bool{}
	for _, v := range g.Outputs {
		if n := back(v.Name, func(string) bool { return false }); n != nil && poolOps[n.OpType] {
			pooled[v.Name] = true
		}
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := &g.Nodes[i]
		if (n.OpType == "Gemm" || n.OpType == "MatMul") && len(n.Inputs) > 0 {
			p := back(n.Inputs[0], func(v string) bool {
				if outs[v] {
					features = v
				}
				return outs[v]
			})
			if features == "" && p != nil && poolOps[p.OpType] {
				hidden = n.Inputs[0]
			}
			break
		}
	}
	return pooled, features, hidden
}
