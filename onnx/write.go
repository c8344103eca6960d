package onnx

import (
	"fmt"
	"math"
	"os"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxWriteBytes is the largest model Marshal writes: protobuf messages are
// limited to 2 GiB, and this package writes no external data.
const maxWriteBytes = math.MaxInt32

// Marshal serializes the model as an ONNX ModelProto: the fields this
// package decodes (see Model, Graph, Node, Attribute, Tensor, ValueInfo),
// so that Parse(Marshal(m)) gives back m. Tensor data is written in the
// field it was read from (raw_data, float_data, int32_data ...); data that
// lived in external files is written inline as raw_data (Parse then
// reports External false). Metadata is written sorted by key.
//
// What Parse does not decode cannot be written, and Marshal refuses it
// rather than drop it: attributes holding subgraphs, sparse initializers,
// STRING tensors with data. A model over 2 GiB is refused too. The model
// must be open (tensors of a closed model have lost their data).
func (m *Model) Marshal() ([]byte, error) {
	var w writer
	b, err := w.model(nil, m)
	if err != nil {
		return nil, fmt.Errorf("onnx: write: %w", err)
	}
	return b, nil
}

// WriteFile writes the model (see Marshal) to the file at path, replacing
// it, with permissions 0644 before the umask.
func (m *Model) WriteFile(path string) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	return nil
}

// writer encodes messages. Nested messages are encoded into scratch slices
// and appended with their length.
type writer struct {
	size int // bytes of tensor data written, bounded by maxWriteBytes
}

// nested appends field num holding the message enc encodes.
func nested(b []byte, num protowire.Number, enc func([]byte) ([]byte, error)) ([]byte, error) {
	sub, err := enc(nil)
	if err != nil {
		return b, err
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, sub), nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// appendPackedVarints appends a packed repeated varint field.
func appendPackedVarints[T int64 | uint64](b []byte, num protowire.Number, vs []T) []byte {
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(uint64(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	return b
}

func appendPackedFloat32s(b []byte, num protowire.Number, vs []float32) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(4*len(vs)))
	for _, v := range vs {
		b = protowire.AppendFixed32(b, math.Float32bits(v))
	}
	return b
}

func appendPackedFloat64s(b []byte, num protowire.Number, vs []float64) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(8*len(vs)))
	for _, v := range vs {
		b = protowire.AppendFixed64(b, math.Float64bits(v))
	}
	return b
}

func (w *writer) model(b []byte, m *Model) ([]byte, error) {
	if m.IRVersion != 0 {
		b = appendVarint(b, 1, m.IRVersion)
	}
	for _, f := range []struct {
		num protowire.Number
		s   string
	}{{2, m.ProducerName}, {3, m.ProducerVersion}, {4, m.Domain}} {
		if f.s != "" {
			b = appendString(b, f.num, f.s)
		}
	}
	if m.ModelVersion != 0 {
		b = appendVarint(b, 5, m.ModelVersion)
	}
	if m.DocString != "" {
		b = appendString(b, 6, m.DocString)
	}
	b, err := nested(b, 7, func(b []byte) ([]byte, error) { return w.graph(b, &m.Graph) })
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	for _, o := range m.Opsets {
		b, _ = nested(b, 8, func(b []byte) ([]byte, error) {
			if o.Domain != "" {
				b = appendString(b, 1, o.Domain)
			}
			return appendVarint(b, 2, o.Version), nil
		})
	}
	keys := make([]string, 0, len(m.Metadata))
	for k := range m.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, _ = nested(b, 14, func(b []byte) ([]byte, error) {
			return appendString(appendString(b, 1, k), 2, m.Metadata[k]), nil
		})
	}
	if len(b) > maxWriteBytes {
		return nil, fmt.Errorf("model of %d bytes exceeds protobuf's 2 GiB", len(b))
	}
	return b, nil
}

func (w *writer) graph(b []byte, g *Graph) ([]byte, error) {
	if g.SparseInitializers > 0 {
		return nil, fmt.Errorf("%d sparse initializers cannot be written", g.SparseInitializers)
	}
	var err error
	for i := range g.Nodes {
		if b, err = nested(b, 1, func(b []byte) ([]byte, error) { return w.node(b, &g.Nodes[i]) }); err != nil {
			return nil, fmt.Errorf("node[%d]: %w", i, err)
		}
	}
	if g.Name != "" {
		b = appendString(b, 2, g.Name)
	}
	for i := range g.Initializers {
		if b, err = nested(b, 5, func(b []byte) ([]byte, error) { return w.tensor(b, &g.Initializers[i]) }); err != nil {
			return nil, fmt.Errorf("initializer[%d]: %w", i, err)
		}
	}
	if g.DocString != "" {
		b = appendString(b, 10, g.DocString)
	}
	for _, list := range []struct {
		num protowire.Number
		vs  []ValueInfo
	}{{11, g.Inputs}, {12, g.Outputs}, {13, g.ValueInfo}} {
		for i := range list.vs {
			b, _ = nested(b, list.num, func(b []byte) ([]byte, error) { return valueInfo(b, &list.vs[i]), nil })
		}
	}
	return b, nil
}

func (w *writer) node(b []byte, n *Node) ([]byte, error) {
	for _, s := range n.Inputs {
		b = appendString(b, 1, s)
	}
	for _, s := range n.Outputs {
		b = appendString(b, 2, s)
	}
	if n.Name != "" {
		b = appendString(b, 3, n.Name)
	}
	b = appendString(b, 4, n.OpType)
	var err error
	for i := range n.Attrs {
		a := &n.Attrs[i]
		if b, err = nested(b, 5, func(b []byte) ([]byte, error) { return w.attribute(b, a) }); err != nil {
			return nil, fmt.Errorf("%s: attribute %q: %w", n, a.Name, err)
		}
	}
	if n.Domain != "" {
		b = appendString(b, 7, n.Domain)
	}
	return b, nil
}

func (w *writer) attribute(b []byte, a *Attribute) ([]byte, error) {
	switch {
	case a.HasGraph || a.Type == AttrGraph || a.Type == AttrGraphs:
		return nil, fmt.Errorf("subgraphs cannot be written")
	case a.Type == AttrTypeProto || a.Type == 11 || a.Type == 12 || a.Type == 14:
		return nil, fmt.Errorf("attribute type %d cannot be written", a.Type)
	}
	b = appendString(b, 1, a.Name)
	if a.Type == AttrFloat || a.F != 0 || math.Signbit(float64(a.F)) {
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	}
	if a.Type == AttrInt || a.I != 0 {
		b = appendVarint(b, 3, a.I)
	}
	if a.Type == AttrString || a.S != "" {
		b = appendString(b, 4, a.S)
	}
	var err error
	if a.T != nil {
		if b, err = nested(b, 5, func(b []byte) ([]byte, error) { return w.tensor(b, a.T) }); err != nil {
			return nil, err
		}
	}
	if len(a.Floats) > 0 {
		b = appendPackedFloat32s(b, 7, a.Floats)
	}
	if len(a.Ints) > 0 {
		b = appendPackedVarints(b, 8, a.Ints)
	}
	for _, s := range a.Strings {
		b = appendString(b, 9, s)
	}
	for i := range a.Tensors {
		if b, err = nested(b, 10, func(b []byte) ([]byte, error) { return w.tensor(b, &a.Tensors[i]) }); err != nil {
			return nil, err
		}
	}
	if a.Type != AttrUndefined {
		b = appendVarint(b, 20, int64(a.Type))
	}
	if a.RefAttrName != "" {
		b = appendString(b, 21, a.RefAttrName)
	}
	return b, nil
}

// valueInfo encodes a ValueInfoProto; the type is written only when the
// value has an element type or a shape.
func valueInfo(b []byte, v *ValueInfo) []byte {
	b = appendString(b, 1, v.Name)
	if v.ElemType == Undefined && !v.HasShape && len(v.Shape) == 0 {
		return b
	}
	var tensor []byte
	if v.ElemType != Undefined {
		tensor = appendVarint(tensor, 1, int64(v.ElemType))
	}
	if v.HasShape || len(v.Shape) > 0 {
		var shape []byte
		for _, d := range v.Shape {
			var dim []byte
			switch {
			case d.Param != "":
				dim = appendString(dim, 2, d.Param)
			case d.Value != 0:
				dim = appendVarint(dim, 1, d.Value)
			}
			shape = protowire.AppendTag(shape, 1, protowire.BytesType)
			shape = protowire.AppendBytes(shape, dim)
		}
		tensor = protowire.AppendTag(tensor, 2, protowire.BytesType)
		tensor = protowire.AppendBytes(tensor, shape)
	}
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tensor)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, typ)
}
