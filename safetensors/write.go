package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"
)

// Encode returns a safetensors file holding tensors and, if not empty,
// metadata. Tensors are laid out in name order; names must be unique and
// not "__metadata__", and each tensor's Data must match its shape and dtype.
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	hdr, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return nil, err
	}
	size := 8 + len(hdr)
	for _, i := range order {
		size += len(tensors[i].Data)
	}
	out := make([]byte, 8, size)
	binary.LittleEndian.PutUint64(out, uint64(len(hdr)))
	out = append(out, hdr...)
	for _, i := range order {
		out = append(out, tensors[i].Data...)
	}
	return out, nil
}

// Write writes the file Encode would return to w, without building it in
// memory first.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	hdr, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader validates the tensors and returns the JSON header, padded
// with spaces so the data section starts at a multiple of 8 bytes, and the
// indices of tensors in layout (name) order.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, []int, error) {
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return tensors[order[a]].Name < tensors[order[b]].Name })
	var buf bytes.Buffer
	buf.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // map keys come out sorted
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: metadata: %v", err)
		}
		buf.WriteString(`"` + metadataKey + `":`)
		buf.Write(m)
	}
	var offset uint64
	for k, i := range order {
		t := &tensors[i]
		if t.Name == metadataKey {
			return nil, nil, fmt.Errorf("safetensors: %q is reserved and cannot name a tensor", metadataKey)
		}
		if k > 0 && t.Name == tensors[order[k-1]].Name {
			return nil, nil, fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		if !utf8.ValidString(t.Name) {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		}
		if err := t.validate(); err != nil {
			return nil, nil, err
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		name, _ := json.Marshal(t.Name) // a string always marshals
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		desc, _ := json.Marshal(struct {
			DType   string    `json:"dtype"`
			Shape   []int     `json:"shape"`
			Offsets [2]uint64 `json:"data_offsets"`
		}{t.DType, shape, [2]uint64{offset, offset + uint64(len(t.Data))}})
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(desc)
		offset += uint64(len(t.Data))
	}
	buf.WriteByte('}')
	for (8+buf.Len())%8 != 0 {
		buf.WriteByte(' ')
	}
	if buf.Len() > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes exceeds the %d-byte limit", buf.Len(), MaxHeaderSize)
	}
	return buf.Bytes(), order, nil
}
