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
		switch f.num {
		case 1:
			m.IRVersion, err = f.int64v()
		case 2:
			m.ProducerName, err = f.str()
		case 3:
			m.ProducerVersion, err = f.str()
		case 5:
			m.ModelVersion, err = f.int64v()
		case 7:
			var g []byte
			if g, err = f.bytesv(); err == nil {
				err = d.graph(g, &m.Graph)
			}
			if err != nil {
				err = fmt.Errorf("graph: %w", err)
			}
		case 14:
			if err = d.entry(); err != nil {
				return err
			}
			var k, v string
			var b []byte
			if b, err = f.bytesv(); err == nil {
				k, v, err = keyValue(b)
			}
			if m.Metadata == nil {
				m.Metadata = map[string]string{}
			}
			m.Metadata[k] = v
		case 8:
			if err = d.entry(); err != nil {
				return err
			}
			var o OpsetID
			var b []byte
			if b, err = f.bytesv(); err == nil {
				err = opsetID(b, &o)
			}
			m.Opsets = append(m.Opsets, o)
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
		var sub []byte
		if f.num == 1 || f.num == 5 || f.num >= 11 && f.num <= 13 {
			if sub, err = f.bytesv(); err != nil {
				return err
			}
			if err = d.entry(); err != nil {
				return err
			}
		}
		switch f.num {
		case 1:
			g.Nodes = append(g.Nodes, Node{})
			if err = d.node(sub, &g.Nodes[len(g.Nodes)-1]); err != nil {
				err = fmt.Errorf("node[%d]: %w", len(g.Nodes)-1, err)
			}
		case 2:
			g.Name, err = f.str()
		case 5:
			g.Initializers = append(g.Initializers, Tensor{})
			if err = d.tensor(sub, &g.Initializers[len(g.Initializers)-1]); err != nil {
				err = fmt.Errorf("initializer[%d]: %w", len(g.Initializers)-1, err)
			}
		case 11, 12, 13:
			var v ValueInfo
			if err = d.valueInfo(sub, &v); err != nil {
				return fmt.Errorf("value info %d: %w", f.num, err)
			}
			switch f.num {
			case 11:
				g.Inputs = append(g.Inputs, v)
			case 12:
				g.Outputs = append(g.Outputs, v)
			default:
				g.ValueInfo = append(g.ValueInfo, v)
			}
		case 15:
			g.SparseInitializers++
		}
		return err
	})
}

func (d *decoder) node(b []byte, n *Node) error {
	err := eachField(b, func(f field) (err error) {
		var s string
		if f.num == 1 || f.num == 2 || f.num == 5 {
			if err = d.entry(); err != nil {
				return err
			}
		}
		switch f.num {
		case 1:
			if s, err = f.str(); err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case 2:
			if s, err = f.str(); err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case 3:
			n.Name, err = f.str()
		case 4:
			n.OpType, err = f.str()
		case 7:
			n.Domain, err = f.str()
		case 5:
			var sub []byte
			if sub, err = f.bytesv(); err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, Attribute{})
			a := &n.Attrs[len(n.Attrs)-1]
			if err = d.attribute(sub, a); err != nil {
				err = fmt.Errorf("attribute %q: %w", a.Name, err)
			}
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
			var sub []byte
			if err = d.entry(); err != nil {
				return err
			}
			if sub, err = f.bytesv(); err == nil {
				a.T = new(Tensor)
				err = d.tensor(sub, a.T)
			}
		case 6, 11:
			a.HasGraph = true
		case 7:
			a.Floats, err = appendFloat32s(a.Floats, f, lim)
		case 8:
			a.Ints, err = appendInt64s(a.Ints, f, lim)
		case 9:
			var s string
			if err = d.entry(); err != nil {
				return err
			}
			if s, err = f.str(); err == nil {
				a.Strings = append(a.Strings, s)
			}
		case 10:
			var sub []byte
			if err = d.entry(); err != nil {
				return err
			}
			if sub, err = f.bytesv(); err == nil {
				a.Tensors = append(a.Tensors, Tensor{})
				err = d.tensor(sub, &a.Tensors[len(a.Tensors)-1])
			}
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
			var sub []byte
			if sub, err = f.bytesv(); err == nil {
				err = d.typeProto(sub, v)
			}
		}
		return err
	})
}

// typeProto decodes TypeProto.tensor_type; other kinds leave v untyped.
func (d *decoder) typeProto(b []byte, v *ValueInfo) error {
	return eachField(b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		sub, err := f.bytesv()
		if err != nil {
			return err
		}
		return eachField(sub, func(f field) (err error) {
			switch f.num {
			case 1:
				var t int32
				t, err = f.int32v()
				v.ElemType = DataType(t)
			case 2:
				var shape []byte
				if shape, err = f.bytesv(); err == nil {
					v.HasShape = true
					err = d.shapeProto(shape, v)
				}
			}
			return err
		})
	})
}

func (d *decoder) shapeProto(b []byte, v *ValueInfo) error {
	return eachField(b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		sub, err := f.bytesv()
		if err != nil {
			return err
		}
		if err := d.entry(); err != nil {
			return err
		}
		if len(v.Shape) >= maxDims {
			return fmt.Errorf("shape has more than %d dimensions", maxDims)
		}
		var dim Dim
		err = eachField(sub, func(f field) (err error) {
			switch f.num {
			case 1:
				dim.Value, err = f.int64v()
			case 2:
				dim.Param, err = f.str()
			}
			return err
		})
		v.Shape = append(v.Shape, dim)
		return err
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
