package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header accepted, in bytes (100 MB, the
// limit of the reference implementation).
const MaxHeaderSize = 100 << 20

// metadataKey is the reserved header key holding free-form string pairs.
const metadataKey = "__metadata__"

// entry is one tensor as the header describes it, before its data is attached.
type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
}

// parseHeader decodes and checks the JSON header: an object whose keys are
// unique, whose values are tensor descriptions or, under "__metadata__", a
// string map. It checks dtypes, shapes and per-tensor sizes but not the
// layout across tensors (see checkLayout).
func parseHeader(hdr []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("safetensors: header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("safetensors: header is not a JSON object")
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: header: %v", err)
		}
		name, _ := tok.(string) // object keys are always strings
		if seen[name] {
			return nil, nil, fmt.Errorf("safetensors: header: duplicate name %q", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("safetensors: header: value of %q: %v", name, err)
		}
		if name == metadataKey {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: header: __metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, errors.New("safetensors: header: malformed JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("safetensors: header: data after the JSON object")
	}
	return entries, meta, nil
}

// parseEntry decodes one tensor description {"dtype", "shape",
// "data_offsets"} and checks that its byte range matches its shape.
func parseEntry(name string, raw json.RawMessage) (entry, error) {
	bad := func(format string, args ...any) (entry, error) {
		return entry{}, fmt.Errorf("safetensors: tensor %q: "+format, append([]any{name}, args...)...)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return bad("description is not a JSON object")
	}
	var (
		dtype   string
		shape   []uint64
		offsets []uint64
	)
	if err := json.Unmarshal(fields["dtype"], &dtype); err != nil {
		return bad("missing or invalid dtype")
	}
	if fields["shape"] == nil || json.Unmarshal(fields["shape"], &shape) != nil || shape == nil {
		return bad("missing or invalid shape (want an array of non-negative integers)")
	}
	if json.Unmarshal(fields["data_offsets"], &offsets) != nil || len(offsets) != 2 {
		return bad("missing or invalid data_offsets (want [begin, end])")
	}
	size := DTypeSize(dtype)
	if size == 0 {
		return bad("unknown dtype %q", dtype)
	}
	e := entry{name: name, dtype: dtype, shape: make([]int, len(shape)), begin: offsets[0], end: offsets[1]}
	n := uint64(1)
	for i, d := range shape {
		if d > math.MaxInt {
			return bad("dimension %d too large", d)
		}
		e.shape[i] = int(d)
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt {
			return bad("shape %v has too many elements", shape)
		}
		n = lo
	}
	hi, nbytes := bits.Mul64(n, uint64(size))
	if hi != 0 {
		return bad("shape %v of %s is too large", shape, dtype)
	}
	if e.end < e.begin {
		return bad("data_offsets [%d, %d] end before they begin", e.begin, e.end)
	}
	if e.end-e.begin != nbytes {
		return bad("data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d",
			e.begin, e.end, e.end-e.begin, shape, dtype, nbytes)
	}
	return e, nil
}

// checkLayout checks that the tensors lie inside a data section of dataLen
// bytes and cover it exactly: no overlap, no hole, nothing left over.
// It sorts entries by offset.
func checkLayout(entries []entry, dataLen uint64) error {
	for _, e := range entries {
		if e.end > dataLen {
			return fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] outside the %d-byte data section",
				e.name, e.begin, e.end, dataLen)
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].begin != entries[j].begin {
			return entries[i].begin < entries[j].begin
		}
		return entries[i].end < entries[j].end
	})
	var pos uint64
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return fmt.Errorf("safetensors: tensor %q (from byte %d) overlaps tensor %q (up to byte %d)",
				e.name, e.begin, prev, pos)
		case e.begin > pos:
			return fmt.Errorf("safetensors: data bytes [%d, %d) belong to no tensor", pos, e.begin)
		}
		pos, prev = e.end, e.name
	}
	if pos != dataLen {
		return fmt.Errorf("safetensors: data bytes [%d, %d) belong to no tensor", pos, dataLen)
	}
	return nil
}
