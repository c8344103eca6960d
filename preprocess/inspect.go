package preprocess

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// DefaultMaxDecodeBytes bounds ImageInfo.DecodeBytes, the memory decoding
// one image takes, unless Options.MaxDecodeBytes says otherwise: 384 MiB.
// It admits every 8-bit image of DefaultMaxPixels (a 40-megapixel baseline
// JPEG needs about 260 MB, an 8-bit RGBA PNG about 280 MB) and rejects the
// decompression-heavy kinds at that size: an 8000x5000 progressive JPEG
// (500-720 MB) or a 6324x6324 16-bit RGBA PNG (440 MB).
const DefaultMaxDecodeBytes = 384 << 20

// ImageInfo describes an encoded image from its header, without decoding
// its pixels.
type ImageInfo struct {
	// Format is "jpeg" or "png".
	Format        string
	Width, Height int
	// Progressive reports a progressive JPEG or an interlaced (Adam7) PNG.
	Progressive bool
	// DecodeBytes estimates the memory that Decode and the conversion to
	// RGB hold at their peak, from the header alone: the decoded image at
	// its real bytes per pixel (1 to 8: 16-bit PNGs take 8 for RGBA, JPEG
	// planes are padded to whole blocks and subsampled as the file says),
	// a progressive JPEG's coefficient buffers (4 bytes per sample, on top
	// of the image), an interlaced PNG's pass images, the PNG decoder's two
	// row buffers, and the 3-byte-per-pixel RGB copy made before resizing
	// (plus 2 bytes per pixel for the full-size chroma planes of a JPEG).
	DecodeBytes int64
}

// Inspect reads the header of a JPEG or PNG image held in data.
func Inspect(data []byte) (*ImageInfo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, formatErr("", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, fmt.Errorf("preprocess: %s image of %dx%d pixels", format, cfg.Width, cfg.Height)
	}
	in := &ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height}
	px := int64(cfg.Width) * int64(cfg.Height)
	rgb := 3 * px
	switch format {
	case "png":
		err = in.pngCost(data, px)
	case "jpeg":
		err = in.jpegCost(data)
	default:
		return nil, fmt.Errorf("preprocess: unsupported image format %q", format)
	}
	if err != nil {
		return nil, fmt.Errorf("preprocess: %s: %w", format, err)
	}
	in.DecodeBytes += rgb
	return in, nil
}

// pngCost adds the PNG decoder's memory: the image, the pass images of an
// interlaced file (the largest is half the image), two rows of raw bytes.
func (in *ImageInfo) pngCost(data []byte, px int64) error {
	if len(data) < 29 {
		return errors.New("short IHDR")
	}
	depth, color, interlace := int64(data[24]), data[25], data[28]
	var channels, bpp int64 // raw channels; bytes per pixel of the Go image
	switch color {
	case 0: // grey
		channels, bpp = 1, max(1, depth/8)
	case 2: // RGB, decoded to RGBA or RGBA64
		channels, bpp = 3, 4*max(1, depth/8)
	case 3: // paletted
		channels, bpp = 1, 1
	case 4, 6: // grey+alpha, RGBA: NRGBA or NRGBA64
		channels, bpp = int64(color/2), 4*max(1, depth/8)
	default:
		return fmt.Errorf("colour type %d", color)
	}
	img := bpp * px
	in.DecodeBytes = img + 2*(1+(int64(in.Width)*channels*depth+7)/8)
	if interlace == 1 {
		in.Progressive = true
		in.DecodeBytes += img / 2
	}
	return nil
}

// jpegCost adds the JPEG decoder's memory: the planes, padded to whole
// MCUs, and for a progressive file 64 int32 coefficients per block; a
// 4-component (CMYK) image also has a black plane and a CMYK copy.
func (in *ImageInfo) jpegCost(data []byte) error {
	sof, progressive, err := jpegSOF(data)
	if err != nil {
		return err
	}
	in.Progressive = progressive
	n := int(sof[5])
	if n != 1 && n != 3 && n != 4 || len(sof) < 6+3*n {
		return fmt.Errorf("%d components", n)
	}
	hmax, vmax, units := 1, 1, 0
	for i := range n {
		hv := sof[6+3*i+1]
		h, v := int(hv>>4), int(hv&15)
		if h < 1 || v < 1 || h > 4 || v > 4 {
			return fmt.Errorf("sampling factors %dx%d", h, v)
		}
		hmax, vmax, units = max(hmax, h), max(vmax, v), units+h*v
	}
	if n == 1 {
		hmax, vmax, units = 1, 1, 1 // a grey image is not interleaved
	}
	mcus := int64((in.Width+8*hmax-1)/(8*hmax)) * int64((in.Height+8*vmax-1)/(8*vmax))
	samples := 64 * mcus * int64(units)
	in.DecodeBytes = samples
	if progressive {
		in.DecodeBytes += 4 * samples
	}
	px := int64(in.Width) * int64(in.Height)
	if n == 4 {
		in.DecodeBytes += 5 * px
	}
	if n == 3 {
		in.DecodeBytes += 2 * px // chroma upsampled (or copied) to full size
	}
	return nil
}

// jpegSOF walks the JPEG markers to the start-of-frame segment and returns
// its payload (after the length) and whether the frame is progressive.
func jpegSOF(data []byte) ([]byte, bool, error) {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return nil, false, errors.New("no SOI marker")
	}
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xff {
			return nil, false, fmt.Errorf("no marker at byte %d", p)
		}
		m := data[p+1]
		switch {
		case m == 0xff: // fill byte
			p++
			continue
		case m == 0x01 || m >= 0xd0 && m <= 0xd8: // no length
			p += 2
			continue
		case m == 0xda || m == 0xd9:
			return nil, false, errors.New("no frame header before the scan")
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil, false, fmt.Errorf("marker %#x: bad length %d", m, n)
		}
		seg := data[p+4 : p+2+n]
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if len(seg) < 6 {
				return nil, false, errors.New("short frame header")
			}
			return seg, m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce, nil
		}
		p += 2 + n
	}
	return nil, false, errors.New("no frame header")
}
