// Package safetensors reads and writes the safetensors tensor file format,
// the format Hugging Face and timm publish PyTorch state dicts in.
//
// # Format
//
// A file is an 8-byte little-endian unsigned header length N, then N bytes
// of UTF-8 JSON, then the raw tensor data:
//
//	{"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, 37632]},
//	 "__metadata__": {"format": "pt"}}
//
// data_offsets are [begin, end) byte offsets into the data section that
// follows the header. Values are little-endian, row-major (C order).
//
// # Validation
//
// [Parse], [Open] and [Read] check the whole header before they allocate or
// touch tensor data: the header length (at most [MaxHeaderSize] and inside
// the input), well-formed JSON with no duplicate names, known dtypes, shapes
// whose element count and byte size do not overflow, offsets inside the data
// section, and, as the format requires, tensors that cover the data section
// exactly, with no overlap and no hole. Bad input gives an error, never a
// panic.
//
// Allocation is bounded by the input, never by what the header claims: Parse
// allocates only for the decoded header (a small multiple of its length, at
// most [MaxHeaderSize]); Read allocates the header, then the data section once
// the header has been checked to account for it exactly. A file that claims
// a 2^40-element tensor it does not hold is rejected before any allocation.
//
// # Memory
//
// [Open] memory-maps the file read-only where the OS allows (Linux, macOS,
// the BSDs) and reads it into memory elsewhere. [Parse] keeps a reference to
// the slice it is given and copies nothing. In both cases [Tensor.Data]
// aliases that memory: it is valid until [File.Close] and must not be
// written. [Tensor.Float32s] and [Tensor.Float64s] return fresh slices,
// converting from F32, F16, BF16 and F64.
//
// # ResNet state dicts
//
// A *File is a weight source for gorn's resnet package (its Keys, Shape
// and Float32s methods make it a resnet.WeightSource): resnet.ArchFromShapes
// reads the architecture of a torchvision or timm ResNet state dict from
// the file's shapes, and resnet.NewFrom compiles it, decoding one layer's
// tensors at a time from the mapped file ([File.Float32s] then drops the
// pages it read), so the process never holds all the weights decoded. The
// file may be closed once the model is compiled.
//
// # Writing
//
// [Encode] and [Write] produce files that other safetensors readers accept:
// tensors laid out in name order, the header padded with spaces so that the
// data section starts at a multiple of 8 bytes.
package safetensors
