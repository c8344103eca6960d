package onnx

import "fmt"

// Model is a parsed ONNX ModelProto. Tensor data stays in the loaded file
// (memory-mapped where the OS allows); call Close when done with it.
//
// The descriptive fields come straight from the file: who wrote it
// (ProducerName and ProducerVersion, e.g. "pytorch" "2.1.0"), the model's
// Domain, ModelVersion and DocString, the operator sets it imports (Opsets;
// Opset gives the default domain's) and its metadata_props (Metadata).
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	// Domain is the model's reverse-DNS namespace, e.g. "org.example";
	// often empty.
	Domain       string
	ModelVersion int64
	// DocString is the model's human-readable description (doc_string),
	// often empty.
	DocString string
	// Metadata holds metadata_props: free-form key/value pairs a model's
	// author stored, e.g. the preprocessing keys that Preprocessing reads
	// (MetaResize and the others); nil when there are none.
	Metadata map[string]string
	// Opsets lists the operator sets the model imports (opset_import).
	Opsets []OpsetID
	Graph  Graph

	files []*mappedFile // the model file and external data files, closed by Close
}

// OpsetID is one OperatorSetIdProto. The empty domain (or "ai.onnx") is the
// default ONNX operator set.
type OpsetID struct {
	Domain  string
	Version int64
}

// Graph is a GraphProto: nodes in topological order, initializers (the
// weights), and the graph's declared inputs, outputs and intermediate
// value types.
type Graph struct {
	Name string
	// DocString is the graph's doc_string, often empty.
	DocString    string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
	// SparseInitializers counts sparse_initializer entries, which this
	// package does not decode.
	SparseInitializers int
}

// Node is a NodeProto: one operator application.
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string
	Outputs []string
	Attrs   []Attribute
}

// Attr returns the node's attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for i := range n.Attrs {
		if n.Attrs[i].Name == name {
			return &n.Attrs[i]
		}
	}
	return nil
}

// String names the node for error messages: its name (or first output) and op.
func (n *Node) String() string {
	if n == nil {
		return "graph input"
	}
	name := n.Name
	if name == "" && len(n.Outputs) > 0 {
		name = "-> " + n.Outputs[0]
	}
	return fmt.Sprintf("node %q (%s)", name, n.OpType)
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// Attribute types (AttributeProto.AttributeType).
const (
	AttrUndefined AttrType = 0
	AttrFloat     AttrType = 1
	AttrInt       AttrType = 2
	AttrString    AttrType = 3
	AttrTensor    AttrType = 4
	AttrGraph     AttrType = 5
	AttrFloats    AttrType = 6
	AttrInts      AttrType = 7
	AttrStrings   AttrType = 8
	AttrTensors   AttrType = 9
	AttrGraphs    AttrType = 10
	AttrTypeProto AttrType = 13
)

// Attribute is an AttributeProto. Only the field that Type selects is
// meaningful. Subgraphs, sparse tensors and type protos are not decoded;
// HasGraph records that the attribute carried one.
type Attribute struct {
	Name     string
	Type     AttrType
	F        float32
	I        int64
	S        string
	T        *Tensor
	Floats   []float32
	Ints     []int64
	Strings  []string
	Tensors  []Tensor
	HasGraph bool
	// RefAttrName is set on attributes of function bodies that refer to
	// an attribute of the calling node.
	RefAttrName string
}

// Dim is one dimension of a ValueInfo shape: a fixed Value, a symbolic
// Param (e.g. "batch_size" for a dynamic batch), or neither (unknown).
type Dim struct {
	Value int64
	Param string
}

// Known reports whether the dimension has a fixed value.
func (d Dim) Known() bool { return d.Param == "" && d.Value > 0 }

// ValueInfo is a ValueInfoProto for a tensor-typed value.
type ValueInfo struct {
	Name string
	// ElemType is the element data type; 0 if the type is not a tensor.
	ElemType DataType
	// Shape is nil when the shape is not given.
	Shape    []Dim
	HasShape bool
}

// Opset returns the imported version of the default ONNX domain, or 0.
func (m *Model) Opset() int64 {
	for _, o := range m.Opsets {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			return o.Version
		}
	}
	return 0
}
