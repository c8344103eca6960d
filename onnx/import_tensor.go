package onnx

import (
	"fmt"
	"math"

	"github.com/gorn-ml/gorn/graph"
)

// eagerElems is the largest constant Import decodes at once; larger ones
// load on demand from the model file.
const eagerElems = 64

// tensor converts a model tensor into an IR constant: floating-point types
// to float32, the integer types up to 32 bits and BOOL to int64, INT8 and
// UINT8 kept. Constants of more than eagerElems elements load lazily.
func (im *importer) tensor(t *Tensor) (*graph.Tensor, error) {
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %d", d)
		}
		shape[i] = int(d)
	}
	lazy := t.n > eagerElems
	switch t.DataType {
	case Float, Float16, BFloat16, Double:
		load := func() ([]float32, error) {
			d, err := t.Float32s()
			if err == nil && im.m != nil {
				im.m.release(t)
			}
			return d, err
		}
		if lazy {
			return graph.Lazy(shape, load), nil
		}
		d, err := load()
		if err != nil {
			return nil, err
		}
		return graph.Floats(shape, d), nil
	case Int64, Int32, Int16, Uint16, Uint32, Bool:
		return intTensor(t, graph.Int64, shape, lazy)
	case Int8:
		return intTensor(t, graph.Int8, shape, lazy)
	case Uint8:
		return intTensor(t, graph.Uint8, shape, lazy)
	}
	return nil, fmt.Errorf("element type %v is not supported", t.DataType)
}

// intTensor converts an integer tensor to an IR tensor of type dt (Int64,
// Int8 or Uint8, the last as its bit pattern).
func intTensor(t *Tensor, dt graph.DType, shape []int, lazy bool) (*graph.Tensor, error) {
	load := func() (*graph.Tensor, error) {
		v, err := t.Int64s()
		if err != nil {
			return nil, err
		}
		out := &graph.Tensor{DType: dt, Shape: shape}
		if t.DataType == Bool {
			for i, x := range v {
				if x != 0 {
					v[i] = 1
				}
			}
		}
		if dt == graph.Int64 {
			out.I64 = v
			return out, nil
		}
		out.I8 = make([]int8, len(v))
		for i, x := range v {
			out.I8[i] = int8(x)
		}
		return out, nil
	}
	if lazy {
		return &graph.Tensor{DType: dt, Shape: shape, Load: load}, nil
	}
	return load()
}

// attrs converts node n's attributes to IR attributes. Subgraphs, string
// lists, tensor lists, type protos and references to a function's
// attributes are refused.
func (im *importer) attrs(n *Node) (graph.Attrs, error) {
	out := make(graph.Attrs, len(n.Attrs))
	for i := range n.Attrs {
		a := &n.Attrs[i]
		if _, dup := out[a.Name]; dup {
			return nil, fmt.Errorf("%w: %v: attribute %q given twice", graph.ErrInvalid, n, a.Name)
		}
		if a.RefAttrName != "" {
			return nil, unsupportedf(n, "attribute %q refers to a function attribute", a.Name)
		}
		typ := a.Type
		if typ == AttrUndefined {
			typ = guessAttrType(a)
		}
		switch typ {
		case AttrInt:
			out[a.Name] = graph.I(a.I)
		case AttrFloat:
			out[a.Name] = graph.F(a.F)
		case AttrString:
			out[a.Name] = graph.S(a.S)
		case AttrInts:
			out[a.Name] = graph.Is(append([]int64(nil), a.Ints...)...)
		case AttrFloats:
			out[a.Name] = graph.Fs(append([]float32(nil), a.Floats...)...)
		case AttrTensor:
			if a.T == nil {
				return nil, fmt.Errorf("%w: %v: attribute %q holds no tensor", graph.ErrInvalid, n, a.Name)
			}
			t, err := im.tensor(a.T)
			if err != nil {
				return nil, unsupportedf(n, "attribute %q: %v", a.Name, err)
			}
			out[a.Name] = graph.Attr{Kind: graph.AttrTensor, Tensor: t}
		default:
			return nil, unsupportedf(n, "attribute %q of type %d (supported: int, float, string, ints, floats, tensor)", a.Name, typ)
		}
	}
	return out, nil
}

// guessAttrType types an attribute written without its type field (IR
// versions before 2) by the field that holds its value.
func guessAttrType(a *Attribute) AttrType {
	switch {
	case a.HasGraph:
		return AttrGraph
	case a.T != nil:
		return AttrTensor
	case len(a.Ints) > 0:
		return AttrInts
	case len(a.Floats) > 0:
		return AttrFloats
	case len(a.Strings) > 0:
		return AttrStrings
	case len(a.Tensors) > 0:
		return AttrTensors
	case a.S != "":
		return AttrString
	case a.F != 0:
		return AttrFloat
	}
	return AttrInt
}

// unsupportedf returns an error wrapping graph.ErrUnsupported that names n.
func unsupportedf(n *Node, format string, args ...any) error {
	return fmt.Errorf("%w: %v: %s", graph.ErrUnsupported, n, fmt.Sprintf(format, args...))
}

// invalidf returns an error wrapping graph.ErrInvalid that names n.
func invalidf(n *Node, format string, args ...any) error {
	return fmt.Errorf("%w: %v: %s", graph.ErrInvalid, n, fmt.Sprintf(format, args...))
}

// constantValue returns the tensor of a Constant node, converting the
// scalar and list attribute forms (opset 12+) to tensors.
func constantValue(n *Node) (*Tensor, error) {
	if len(n.Outputs) != 1 || len(n.Attrs) != 1 {
		return nil, fmt.Errorf("%v: want one output and one attribute", n)
	}
	a := &n.Attrs[0]
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, fmt.Errorf("%v: value attribute without a tensor", n)
		}
		return a.T, nil
	case "value_float":
		return &Tensor{DataType: Float, n: 1, src: srcFloat, f32: []float32{a.F}}, nil
	case "value_floats":
		return &Tensor{DataType: Float, Dims: []int64{int64(len(a.Floats))}, n: int64(len(a.Floats)), src: srcFloat, f32: a.Floats}, nil
	case "value_int":
		return &Tensor{DataType: Int64, n: 1, src: srcInt64, i64: []int64{a.I}}, nil
	case "value_ints":
		return &Tensor{DataType: Int64, Dims: []int64{int64(len(a.Ints))}, n: int64(len(a.Ints)), src: srcInt64, i64: a.Ints}, nil
	}
	return nil, fmt.Errorf("%v: unsupported constant attribute %q", n, a.Name)
}
