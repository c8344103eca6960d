package testutil

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// ProgressiveJPEG returns a valid progressive JPEG of w x h pixels with
// three components sampled h:v each (1,1 for all three: 4:4:4; 2,2 for the
// first: 4:2:0), or one grey component when grey is set. It has a single
// DC scan whose differences are all zero (one 1-bit Huffman code per
// block), so it decodes to a flat grey image and compresses to about one
// bit per 8x8 block: an 8000x5000 4:4:4 file is 234 KB.
func ProgressiveJPEG(w, h, lumaH, lumaV int, grey bool) []byte {
	var b bytes.Buffer
	seg := func(marker byte, payload ...byte) {
		b.Write([]byte{0xff, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(payload)+2))
		b.Write(payload)
	}
	b.Write([]byte{0xff, 0xd8})
	q := make([]byte, 65) // table 0, 8-bit, all ones
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	seg(0xdb, q...)
	n := 3
	if grey {
		n, lumaH, lumaV = 1, 1, 1
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(n)}
	for i := range n {
		hv := byte(0x11)
		if i == 0 {
			hv = byte(lumaH<<4 | lumaV)
		}
		sof = append(sof, byte(i+1), hv, 0)
	}
	seg(0xc2, sof...)
	dht := make([]byte, 1+16+1) // DC table 0: one code of length 1, symbol 0
	dht[1] = 1
	seg(0xc4, dht...)
	sos := []byte{byte(n)}
	for i := range n {
		sos = append(sos, byte(i+1), 0)
	}
	seg(0xda, append(sos, 0, 0, 0)...) // Ss=0 Se=0 Ah=Al=0: the DC scan
	mcus := ((w + 8*lumaH - 1) / (8 * lumaH)) * ((h + 8*lumaV - 1) / (8 * lumaV))
	blocks := mcus * (lumaH*lumaV + n - 1)
	if n == 1 {
		blocks = ((w + 7) / 8) * ((h + 7) / 8)
	}
	b.Write(make([]byte, blocks/8)) // '0' bits: category 0, no difference
	if r := blocks % 8; r != 0 {
		b.WriteByte(0xff >> r) // the remaining zero bits, padded with ones
	}
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

// PNG returns a valid PNG of w x h black pixels with the given bit depth
// and colour type (0 grey, 2 RGB, 4 grey+alpha, 6 RGBA), written row by
// row so that a huge image never exists in memory: a 6324x6324 16-bit RGBA
// file is about 310 KB.
func PNG(w, h, depth, color int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	chunk("IHDR", append(ihdr, byte(depth), byte(color), 0, 0, 0))
	channels := map[int]int{0: 1, 2: 3, 4: 2, 6: 4}[color]
	row := make([]byte, 1+(w*channels*depth+7)/8) // filter 0, black
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}
