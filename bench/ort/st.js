'use strict';
// Minimal safetensors reader (F32 and F64 only) for verify.js.
const fs = require('fs');

function readSafetensors(path) {
  const buf = fs.readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const base = 8 + n;
  const out = {};
  for (const [name, d] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = d.data_offsets;
    const raw = buf.subarray(base + b, base + e);
    const copy = new Uint8Array(raw); // aligned copy
    let data;
    if (d.dtype === 'F32') data = new Float32Array(copy.buffer);
    else if (d.dtype === 'F64') data = new Float64Array(copy.buffer);
    else continue;
    out[name] = { shape: d.shape, data };
  }
  return out;
}

module.exports = { readSafetensors };
