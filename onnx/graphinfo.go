package onnx

import (
	"fmt"
	"slices"
	"strings"
)

// GraphInfo describes any model's graph, whatever its architecture, for
// listing (gorn info): the operator histogram, the operator set, the graph
// inputs and outputs with their declared shapes, and the parameter count.
// It reads only the parsed file: it neither imports nor compiles.
type GraphInfo struct {
	// Opset is the default-domain operator set version; Opsets all the
	// imported sets.
	Opset     int64
	Opsets    []OpsetID
	IRVersion int64
	Producer  string // producer name and version
	// Domain, ModelVersion, DocString and Metadata are the model's (see
	// Model); Metadata is shared with it.
	Domain       string
	ModelVersion int64
	DocString    string
	Metadata     map[string]string
	// Inputs are the graph inputs that are not initializers, Outputs the
	// graph outputs, as declared (shapes may be symbolic).
	Inputs, Outputs []ValueInfo
	// Ops counts the nodes of each operator type, most frequent first
	// (ties by name); operators outside the default domain are written
	// "domain:Op".
	Ops []OpCount
	// Nodes and Initializers count the graph's entries.
	Nodes, Initializers int
	// Params is the number of floating-point elements in the initializers
	// and Constant nodes of rank 1 or more: the weights, including
	// BatchNorm running statistics (which PyTorch counts as buffers).
	Params int64
	// WeightBytes is the size of all initializer data as stored.
	WeightBytes int64
}

// OpCount is one entry of the operator histogram.
type OpCount struct {
	Op    string
	Count int
}

// GraphInfo describes the model's graph (see GraphInfo). It never fails:
// it reports what the file declares.
func (m *Model) GraphInfo() *GraphInfo {
	g := &m.Graph
	in := &GraphInfo{Opset: m.Opset(), Opsets: m.Opsets, IRVersion: m.IRVersion,
		Producer: m.ProducerName, Domain: m.Domain, ModelVersion: m.ModelVersion,
		DocString: m.DocString, Metadata: m.Metadata, Outputs: g.Outputs,
		Nodes: len(g.Nodes), Initializers: len(g.Initializers)}
	if m.ProducerVersion != "" {
		in.Producer = strings.TrimSpace(in.Producer + " " + m.ProducerVersion)
	}
	inits := make(map[string]bool, len(g.Initializers))
	for i := range g.Initializers {
		t := &g.Initializers[i]
		inits[t.Name] = true
		in.WeightBytes += t.n * int64(t.DataType.Size())
		in.Params += floatParams(t)
	}
	for _, v := range g.Inputs {
		if !inits[v.Name] {
			in.Inputs = append(in.Inputs, v)
		}
	}
	count := map[string]int{}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		op := n.OpType
		if n.Domain != "" && n.Domain != "ai.onnx" {
			op = n.Domain + ":" + op
		}
		count[op]++
		if n.OpType == "Constant" {
			if t, err := constantValue(n); err == nil {
				in.Params += floatParams(t)
			}
		}
	}
	for op, c := range count {
		in.Ops = append(in.Ops, OpCount{op, c})
	}
	slices.SortFunc(in.Ops, func(a, b OpCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Op, b.Op)
	})
	return in
}

// floatParams is t's element count when it holds floating-point weights
// (rank 1 or more), else 0.
func floatParams(t *Tensor) int64 {
	switch t.DataType {
	case Float, Float16, BFloat16, Double:
		if len(t.Dims) > 0 {
			return t.n
		}
	}
	return 0
}

// ShapeString formats the declared shape, e.g. "[batch 3 224 224]"; "?"
// marks an unknown dimension, "[?...]" an undeclared shape.
func (v ValueInfo) ShapeString() string {
	if !v.HasShape {
		return "[?...]"
	}
	return dimsString(v.Shape)
}

// String lists the info on a few lines.
func (in *GraphInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "opset %d (IR version %d), producer %q\n", in.Opset, in.IRVersion, in.Producer)
	for _, v := range in.Inputs {
		fmt.Fprintf(&b, "input  %s: %v %s\n", v.Name, v.ElemType, v.ShapeString())
	}
	for _, v := range in.Outputs {
		fmt.Fprintf(&b, "output %s: %v %s\n", v.Name, v.ElemType, v.ShapeString())
	}
	ops := make([]string, len(in.Ops))
	for i, o := range in.Ops {
		ops[i] = fmt.Sprintf("%s x%d", o.Op, o.Count)
	}
	fmt.Fprintf(&b, "ops    %s\n", strings.Join(ops, ", "))
	fmt.Fprintf(&b, "params %d in %d nodes, %d initializers (%d bytes)", in.Params, in.Nodes, in.Initializers, in.WeightBytes)
	return b.String()
}
