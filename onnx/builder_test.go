package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// msg builds protobuf messages for tests, field by field.
type msg []byte

func (m msg) varint(num protowire.Number, v int64) msg {
	b := protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func (m msg) fixed32(num protowire.Number, v uint32) msg {
	b := protowire.AppendTag(m, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

func (m msg) fixed64(num protowire.Number, v uint64) msg {
	b := protowire.AppendTag(m, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func (m msg) bytes(num protowire.Number, v []byte) msg {
	b := protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (m msg) str(num protowire.Number, s string) msg { return m.bytes(num, []byte(s)) }

// packedInts appends a packed repeated varint field.
func (m msg) packedInts(num protowire.Number, vs ...int64) msg {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	return m.bytes(num, p)
}

// packedFloats appends a packed repeated float field.
func (m msg) packedFloats(num protowire.Number, vs ...float32) msg {
	return m.bytes(num, f32bytes(vs...))
}

func f32bytes(vs ...float32) []byte {
	p := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(p[4*i:], math.Float32bits(v))
	}
	return p
}

// tensorMsg is a FLOAT TensorProto with raw_data.
func tensorMsg(name string, dims []int64, vals ...float32) msg {
	return msg(nil).packedInts(1, dims...).varint(2, int64(Float)).str(8, name).bytes(9, f32bytes(vals...))
}

// attrInts, attrInt, attrFloat, attrString build AttributeProtos.
func attrInts(name string, vs ...int64) msg {
	return msg(nil).str(1, name).varint(20, int64(AttrInts)).packedInts(8, vs...)
}

func attrInt(name string, v int64) msg {
	return msg(nil).str(1, name).varint(20, int64(AttrInt)).varint(3, v)
}

func attrFloat(name string, v float32) msg {
	return msg(nil).str(1, name).varint(20, int64(AttrFloat)).fixed32(2, math.Float32bits(v))
}

func attrString(name, v string) msg {
	return msg(nil).str(1, name).varint(20, int64(AttrString)).str(4, v)
}

// nodeMsg builds a NodeProto.
func nodeMsg(op, name string, ins, outs []string, attrs ...msg) msg {
	m := msg(nil)
	for _, s := range ins {
		m = m.str(1, s)
	}
	for _, s := range outs {
		m = m.str(2, s)
	}
	m = m.str(3, name).str(4, op)
	for _, a := range attrs {
		m = m.bytes(5, a)
	}
	return m
}

// valueInfoMsg builds a FLOAT tensor ValueInfoProto; a dim is a string
// (dim_param) or an int.
func valueInfoMsg(name string, dims ...any) msg {
	shape := msg(nil)
	for _, d := range dims {
		switch d := d.(type) {
		case string:
			shape = shape.bytes(1, msg(nil).str(2, d))
		case int:
			shape = shape.bytes(1, msg(nil).varint(1, int64(d)))
		}
	}
	tt := msg(nil).varint(1, int64(Float)).bytes(2, shape)
	return msg(nil).str(1, name).bytes(2, msg(nil).bytes(1, tt))
}

// modelMsg wraps a graph into a ModelProto with the given opset.
func modelMsg(opset int64, graph msg) msg {
	return msg(nil).varint(1, 8).str(2, "gorn-test").
		bytes(8, msg(nil).str(1, "").varint(2, opset)).bytes(7, graph)
}
