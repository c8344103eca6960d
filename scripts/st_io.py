"""Minimal safetensors reader and writer for gorn's scripts (no dependency on
the `safetensors` package, which Debian does not ship).

Format: u64 little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian row-major data. Tensors are written in name order
and the header is padded with spaces so the data starts at a multiple of 8.
"""

import json
import struct

import numpy as np
import torch

_TORCH_TO_ST = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}

_ST_TO_NUMPY = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


def _raw(t):
    """Returns (dtype name, shape, little-endian bytes) of a torch tensor."""
    t = t.detach().contiguous().cpu()
    dtype = _TORCH_TO_ST[t.dtype]
    if t.dtype == torch.bfloat16:
        data = t.view(torch.int16).numpy().tobytes()
    else:
        data = t.numpy().tobytes()
    return dtype, list(t.shape), data


def save(path, tensors, metadata=None):
    """Writes a dict name -> torch.Tensor to path as safetensors."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("__metadata__ cannot name a tensor")
        dtype, shape, data = _raw(tensors[name])
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hdr = json.dumps(header, separators=(",", ":"), sort_keys=False).encode()
    hdr += b" " * ((8 - (8 + len(hdr)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hdr)))
        f.write(hdr)
        for b in blobs:
            f.write(b)


def load(path):
    """Reads a safetensors file; returns (dict name -> torch.Tensor, metadata)."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    data = buf[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    out = {}
    for name, d in header.items():
        b, e = d["data_offsets"]
        raw = data[b:e]
        if d["dtype"] == "BF16":
            a = np.frombuffer(raw, dtype=np.int16).copy()
            t = torch.from_numpy(a).view(torch.bfloat16)
        else:
            a = np.frombuffer(raw, dtype=_ST_TO_NUMPY[d["dtype"]]).copy()
            t = torch.from_numpy(a)
        out[name] = t.reshape(d["shape"])
    return out, meta
