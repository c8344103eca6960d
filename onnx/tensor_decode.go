package onnx

import (
	"fmt"
	"math"
)

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
