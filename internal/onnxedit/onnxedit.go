// Package onnxedit rewrites encoded ONNX models for tests: the same
// network cut at other values. (It is apart from internal/testutil so that
// the bench module, which uses testutil, needs no protobuf.)
package onnxedit

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX protobuf field numbers (onnx.proto3): ModelProto.graph,
// GraphProto.output, ValueInfoProto.name.
const (
	modelGraph  = 7
	graphOutput = 12
	valueName   = 1
)

// SetOutputs returns the ONNX model encoded in model with its graph's
// outputs replaced by the values called names (declared without a type),
// for tests that need the same network cut at another value: an embedding
// model from a classifier, or a model with several outputs.
func SetOutputs(model []byte, names ...string) ([]byte, error) {
	var out []byte
	found := false
	err := eachField(model, func(num protowire.Number, typ protowire.Type, raw, val []byte) error {
		if num != modelGraph || typ != protowire.BytesType {
			out = append(out, raw...)
			return nil
		}
		found = true
		var g []byte
		err := eachField(val, func(num protowire.Number, _ protowire.Type, raw, _ []byte) error {
			if num != graphOutput {
				g = append(g, raw...)
			}
			return nil
		})
		for _, n := range names {
			vi := protowire.AppendTag(nil, valueName, protowire.BytesType)
			vi = protowire.AppendString(vi, n)
			g = protowire.AppendTag(g, graphOutput, protowire.BytesType)
			g = protowire.AppendBytes(g, vi)
		}
		out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
		out = protowire.AppendBytes(out, g)
		return err
	})
	if err == nil && !found {
		err = errors.New("onnxedit: no graph in the model")
	}
	return out, err
}

// eachField calls f with each field of the message in b: its number, wire
// type, raw encoding (tag included) and, for bytes fields, the value.
func eachField(b []byte, f func(protowire.Number, protowire.Type, []byte, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		var val []byte
		if typ == protowire.BytesType {
			val, _ = protowire.ConsumeBytes(b[n:])
		}
		if err := f(num, typ, b[:n+m], val); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}
