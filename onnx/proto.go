package onnx

import (
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// decoder holds the limits and running totals of one Parse.
type decoder struct {
	lim      limits
	total    int64 // bytes of tensor data seen so far
	external int   // number of tensors whose data lives in files
	entries  int   // decoded messages and strings, bounded by MaxEntries
	// seenModel is set once a field only a ModelProto has (ir_version,
	// graph, opset_import) decodes: data without one is not ONNX.
	seenModel bool
}

// entry counts one decoded message or string against MaxEntries.
func (d *decoder) entry() error {
	d.entries++
	if d.entries > MaxEntries {
		return fmt.Errorf("more than %d nodes, attributes, tensors, values and names", MaxEntries)
	}
	return nil
}

func (d *decoder) model(b []byte, m *Model) error {
	return eachField(b, func(f field) (err error) {
		defer func() {
			if err == nil && (f.num == 1 || f.num == 7 || f.num == 8) {
				d.seenModel = true
			}
		}()
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64v()
		case 2:
			m.ProducerName, err = f.str()
		case 3:
			m.ProducerVersion, err = f.str()
		case 4:
			m.Domain, err = f.str()
		case 5:
			m.ModelVersion, err = f.int64v()
		case 6:
			m.DocString, err = f.str()
		case 7:
			if err = f.message(func(b []byte) error { return d.graph(b, &m.Graph) }); err != nil {
				err = fmt.Errorf("graph: %w", err)
			}
		case 8:
			err = appendMessage(d, f, &m.Opsets, "opset_import", opsetID)
		case 14:
			err = d.counted(f, func(b []byte) error {
				k, v, err := keyValue(b)
				if m.Metadata == nil {
					m.Metadata = map[string]string{}
				}
				m.Metadata[k] = v
				return err
			})
		}
		return err
	})
}

func opsetID(b []byte, o *OpsetID) error {
	return eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			o.Domain, err = f.str()
		case 2:
			o.Version, err = f.int64v()
		}
		return err
	})
}

func (d *decoder) graph(b []byte, g *Graph) error {
	return eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			err = appendMessage(d, f, &g.Nodes, "node", d.node)
		case 2:
			g.Name, err = f.str()
		case 10:
			g.DocString, err = f.str()
		case 5:
			err = appendMessage(d, f, &g.Initializers, "initializer", d.tensor)
		case 11:
			err = appendMessage(d, f, &g.Inputs, "input", d.valueInfo)
		case 12:
			err = appendMessage(d, f, &g.Outputs, "output", d.valueInfo)
		case 13:
			err = appendMessage(d, f, &g.ValueInfo, "value_info", d.valueInfo)
		case 15:
			g.SparseInitializers++
		}
		return err
	})
}

func (d *decoder) node(b []byte, n *Node) error {
	err := eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			err = d.appendString(f, &n.Inputs)
		case 2:
			err = d.appendString(f, &n.Outputs)
		case 3:
			n.Name, err = f.str()
		case 4:
			n.OpType, err = f.str()
		case 7:
			n.Domain, err = f.str()
		case 5:
			err = d.counted(f, func(b []byte) error {
				n.Attrs = append(n.Attrs, Attribute{})
				a := &n.Attrs[len(n.Attrs)-1]
				if err := d.attribute(b, a); err != nil {
					return fmt.Errorf("attribute %q: %w", a.Name, err)
				}
				return nil
			})
		}
		return err
	})
	if err == nil && n.OpType == "" {
		err = fmt.Errorf("no op_type")
	}
	return err
}

func (d *decoder) attribute(b []byte, a *Attribute) error {
	lim := len(b) // a repeated field cannot hold more values than bytes
	return eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			a.Name, err = f.str()
		case 20:
			var v int32
			v, err = f.int32v()
			a.Type = AttrType(v)
		case 2:
			if err = f.want(protowire.Fixed32Type); err == nil {
				a.F = math.Float32frombits(uint32(f.x))
			}
		case 3:
			a.I, err = f.int64v()
		case 4:
			a.S, err = f.str()
		case 5:
			a.T = new(Tensor)
			err = d.counted(f, func(b []byte) error { return d.tensor(b, a.T) })
		case 6, 11:
			a.HasGraph = true
		case 7:
			a.Floats, err = appendFloat32s(a.Floats, f, lim)
		case 8:
			a.Ints, err = appendInt64s(a.Ints, f, lim)
		case 9:
			err = d.appendString(f, &a.Strings)
		case 10:
			err = appendMessage(d, f, &a.Tensors, "tensors", d.tensor)
		case 21:
			a.RefAttrName, err = f.str()
		}
		return err
	})
}

func (d *decoder) valueInfo(b []byte, v *ValueInfo) error {
	return eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			v.Name, err = f.str()
		case 2:
			err = f.message(func(b []byte) error { return d.typeProto(b, v) })
		}
		return err
	})
}

// typeProto decodes TypeProto.tensor_type; other kinds leave v untyped.
func (d *decoder) typeProto(b []byte, v *ValueInfo) error {
	return eachMessage(b, 1, func(b []byte) error {
		return eachField(b, func(f field) (err error) {
			switch f.num {
			case 1:
				var t int32
				t, err = f.int32v()
				v.ElemType = DataType(t)
			case 2:
				v.HasShape = true
				err = f.message(func(b []byte) error { return d.shapeProto(b, v) })
			}
			return err
		})
	})
}

func (d *decoder) shapeProto(b []byte, v *ValueInfo) error {
	return eachMessage(b, 1, func(b []byte) error {
		if err := d.entry(); err != nil {
			return err
		}
		if len(v.Shape) >= maxDims {
			return fmt.Errorf("shape has more than %d dimensions", maxDims)
		}
		v.Shape = append(v.Shape, Dim{})
		dim := &v.Shape[len(v.Shape)-1]
		return eachField(b, func(f field) (err error) {
			switch f.num {
			case 1:
				dim.Value, err = f.int64v()
			case 2:
				dim.Param, err = f.str()
			}
			return err
		})
	})
}

// message decodes the length-delimited field f with fn.
func (f field) message(fn func(b []byte) error) error {
	b, err := f.bytesv()
	if err != nil {
		return err
	}
	return fn(b)
}

// counted is message for the elements of repeated fields: each counts
// against MaxEntries before it is decoded.
func (d *decoder) counted(f field, fn func(b []byte) error) error {
	if err := d.entry(); err != nil {
		return err
	}
	return f.message(fn)
}

// appendMessage decodes the length-delimited field f into a new last
// element of *list, counting it against MaxEntries. Errors name the element
// as what[index].
func appendMessage[T any](d *decoder, f field, list *[]T, what string, decode func([]byte, *T) error) error {
	return d.counted(f, func(b []byte) error {
		var zero T
		*list = append(*list, zero)
		i := len(*list) - 1
		if err := decode(b, &(*list)[i]); err != nil {
			return fmt.Errorf("%s[%d]: %w", what, i, err)
		}
		return nil
	})
}

// appendString appends the string field f to *list, counting it against
// MaxEntries.
func (d *decoder) appendString(f field, list *[]string) error {
	if err := d.entry(); err != nil {
		return err
	}
	s, err := f.str()
	if err == nil {
		*list = append(*list, s)
	}
	return err
}

// eachMessage calls fn with the payload of every field number num of msg,
// which must be length-delimited, and skips the other fields.
func eachMessage(msg []byte, num protowire.Number, fn func(b []byte) error) error {
	return eachField(msg, func(f field) error {
		if f.num != num {
			return nil
		}
		return f.message(fn)
	})
}

// keyValue decodes a StringStringEntryProto.
func keyValue(b []byte) (key, val string, err error) {
	err = eachField(b, func(f field) (err error) {
		switch f.num {
		case 1:
			key, err = f.str()
		case 2:
			val, err = f.str()
		}
		return err
	})
	return key, val, err
}

// externalRef decodes one StringStringEntryProto of external_data.
func (r *externalRef) entry(b []byte) error {
	key, val, err := keyValue(b)
	if err != nil {
		return err
	}
	num := func() (int64, error) {
		v, err := strconv.ParseInt(val, 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("external_data %s=%q: not a non-negative integer", key, val)
		}
		return v, nil
	}
	switch key {
	case "location":
		r.location = val
	case "offset":
		r.offset, err = num()
	case "length":
		r.length, err = num()
		r.hasLength = true
	}
	return err
}
