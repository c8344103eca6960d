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

// tensor decodes a TensorProto and checks its data against its shape and
// type: the element count must fit the limits before any element buffer is
// allocated, and every data field must hold exactly that many elements.
func (d *decoder) tensor(b []byte, t *Tensor) error {
	var ext bool
	err := eachField(b, func(f field) (err error) {
		if f.num >= 4 && f.num <= 11 && f.num != 8 || f.num == 13 {
			t.seen |= 1 << f.num
		}
		switch f.num {
		case 1:
			t.Dims, err = appendInt64s(t.Dims, f, maxDims)
		case 2:
			var v int32
			v, err = f.int32v()
			t.DataType = DataType(v)
		case 8:
			t.Name, err = f.str()
		case 9:
			t.raw, err = f.bytesv()
		case 13:
			var sub []byte
			if sub, err = f.bytesv(); err == nil {
				err = t.ext.entry(sub)
			}
		case 14:
			var v int64
			v, err = f.int64v()
			ext = v == 1
			if v != 0 && v != 1 {
				err = fmt.Errorf("data_location %d", v)
			}
		case 4, 5, 7, 10, 11:
			err = d.typedData(f, t)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	t.External = ext
	if err := d.checkTensor(t); err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return nil
}

// typedData decodes float_data, int32_data, int64_data, double_data and
// uint64_data. Values are bounded by the payload size (at least one byte
// each), and by the tensor element limit.
func (d *decoder) typedData(f field, t *Tensor) (err error) {
	lim := int(min(d.lim.maxTensorBytes, math.MaxInt32))
	switch f.num {
	case 4:
		t.f32, err = appendFloat32s(t.f32, f, lim/4)
	case 5, 7:
		t.i64, err = appendInt64s(t.i64, f, lim/8)
	case 10:
		t.f64, err = appendFloat64s(t.f64, f, lim/8)
	case 11:
		t.u64, err = appendUint64s(t.u64, f, lim/8)
	}
	return err
}

// checkTensor validates dims and the data field, and picks the data source.
func (d *decoder) checkTensor(t *Tensor) error {
	n := int64(1)
	for _, v := range t.Dims {
		if v < 0 {
			return fmt.Errorf("negative dimension %d", v)
		}
		if v > 0 && n > math.MaxInt64/v {
			return fmt.Errorf("dims %v overflow", t.Dims)
		}
		n *= v
	}
	t.n = n
	size := int64(t.DataType.Size())
	if size == 0 && t.DataType != String {
		if n == 0 {
			return nil
		}
		return fmt.Errorf("unsupported data type %s", t.DataType)
	}
	if t.DataType == String {
		t.src = srcString // never read: no string accessor
		return nil
	}
	if n > d.lim.maxTensorBytes/size {
		return fmt.Errorf("dims %v: %d elements of %s exceed the %d-byte tensor limit",
			t.Dims, n, t.DataType, d.lim.maxTensorBytes)
	}
	bytes := n * size
	if bytes > d.lim.maxTotalBytes-d.total {
		return fmt.Errorf("tensor data exceeds the %d-byte total limit", d.lim.maxTotalBytes)
	}
	d.total += bytes
	return t.pickSource(d, bytes)
}

func (t *Tensor) pickSource(d *decoder, bytes int64) error {
	fields := 0
	for _, f := range []uint{4, 5, 7, 9, 10, 11} {
		if t.seen&(1<<f) != 0 {
			fields++
		}
	}
	if t.External {
		if fields != 0 {
			return fmt.Errorf("external tensor also holds inline data")
		}
		if t.ext.location == "" {
			return fmt.Errorf("external data without a location")
		}
		if t.ext.hasLength && t.ext.length != bytes {
			return fmt.Errorf("external length %d, want %d bytes", t.ext.length, bytes)
		}
		t.src = srcExternal
		d.external++
		return nil
	}
	if fields > 1 {
		return fmt.Errorf("more than one data field")
	}
	want := int(t.n)
	dt := t.DataType
	var got int
	switch {
	case t.seen&(1<<9) != 0:
		t.src, got, want = srcRaw, len(t.raw), int(bytes)
	case t.seen&(1<<4) != 0 && (dt == Float || dt == Complex64):
		t.src, got = srcFloat, len(t.f32)
	case t.seen&(1<<5) != 0 && isInt32Field(dt):
		t.src, got = srcInt32, len(t.i64)
	case t.seen&(1<<7) != 0 && dt == Int64:
		t.src, got = srcInt64, len(t.i64)
	case t.seen&(1<<10) != 0 && (dt == Double || dt == Complex128):
		t.src, got = srcDouble, len(t.f64)
	case t.seen&(1<<11) != 0 && (dt == Uint32 || dt == Uint64):
		t.src, got = srcUint64, len(t.u64)
	case fields == 0:
		t.src = srcNone
	default:
		return fmt.Errorf("data field does not match data type %s", dt)
	}
	if dt == Complex64 || dt == Complex128 {
		if t.src != srcRaw {
			want *= 2
		}
	}
	if got != want {
		return fmt.Errorf("data holds %d values (raw bytes for raw_data), dims %v want %d", got, t.Dims, want)
	}
	return nil
}

func isInt32Field(dt DataType) bool {
	switch dt {
	case Int32, Int16, Int8, Uint16, Uint8, Bool, Float16, BFloat16:
		return true
	}
	return false
}
