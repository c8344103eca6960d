'use strict';
// Runs every fixture of testdata/graphs/manifest.json (scripts/export_graphs.py) in
// ONNX Runtime and compares each graph output with PyTorch's float64 output:
// relative L2 <= the fixture's tolerance and, where the manifest says argmax, the same
// arg-max over the last axis for every row. For the trained models it also runs all
// held-out images (decoding testdata/digits/heldout/*.png with the preprocessing in the
// manifest) and compares with the float64 held-out logits and PyTorch's predictions.
//
//   node bench/ort/verify_graphs.js [-v]
//   GRAPHS_DIR=testdata/large/graphs node bench/ort/verify_graphs.js   # export_graphs.py --large
const path = require('path');
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

const DIR = process.env.GRAPHS_DIR || path.join(__dirname, '..', '..', 'testdata', 'graphs');
const verbose = process.argv.includes('-v');

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function readF64(file) {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function relL2(got, want) {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  return Math.sqrt(num / den);
}

function argmaxRows(a, cols) {
  const out = [];
  for (let r = 0; r * cols < a.length; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (a[r * cols + c] > a[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

// decodeGreyPNG decodes an 8-bit greyscale, non-interlaced PNG (what train_digits.py writes).
function decodeGreyPNG(file) {
  const b = fs.readFileSync(file);
  let pos = 8, w = 0, h = 0;
  const idat = [];
  while (pos < b.length) {
    const len = b.readUInt32BE(pos), type = b.toString('ascii', pos + 4, pos + 8);
    const data = b.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      w = data.readUInt32BE(0); h = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[12] !== 0) throw new Error(`${file}: not 8-bit grey non-interlaced`);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (w + 1)], row = raw.subarray(y * (w + 1) + 1, (y + 1) * (w + 1));
    for (let x = 0; x < w; x++) {
      const a = x > 0 ? px[y * w + x - 1] : 0, up = y > 0 ? px[(y - 1) * w + x] : 0;
      const c = x > 0 && y > 0 ? px[(y - 1) * w + x - 1] : 0;
      let p;
      switch (f) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = up; break;
        case 3: p = (a + up) >> 1; break;
        case 4: {
          const q = a + up - c, pa = Math.abs(q - a), pb = Math.abs(q - up), pc = Math.abs(q - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
          break;
        }
        default: throw new Error(`${file}: filter ${f}`);
      }
      px[y * w + x] = (row[x] + p) & 255;
    }
  }
  return { w, h, px };
}

// heldoutInputs builds the float32 NCHW inputs exactly as PyTorch did (float32 ops:
// p / 255, then (x - mean) / std per channel).
function heldoutInputs(h) {
  const lines = fs.readFileSync(path.join(DIR, h.labels), 'utf8').trim().split('\n');
  const { size, mean, std } = h.preprocess;
  const per = 3 * size * size;
  const out = new Float32Array(lines.length * per);
  lines.forEach((line, i) => {
    const { w, h: hh, px } = decodeGreyPNG(path.join(DIR, h.images, line.split(' ')[0]));
    if (w !== size || hh !== size) throw new Error(`${line}: ${w}x${hh}`);
    for (let c = 0; c < 3; c++) {
      const m = Math.fround(mean[c]), s = Math.fround(std[c]);
      for (let j = 0; j < size * size; j++) {
        const x = Math.fround(px[j] / 255);
        out[i * per + c * size * size + j] = Math.fround(Math.fround(x - m) / s);
      }
    }
  });
  return { data: out, n: lines.length, labels: lines.map((l) => Number(l.split(' ')[1])) };
}

async function runFixture(f) {
  const sess = await ort.InferenceSession.create(path.join(DIR, f.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const x = readF32(path.join(DIR, f.input.file));
  const want = f.input.shape.reduce((a, b) => a * b, 1);
  if (x.length !== want) throw new Error(`input has ${x.length} values, shape says ${want}`);
  const out = await sess.run({ [f.input.name]: new ort.Tensor('float32', x, f.input.shape) });
  let worst = 0;
  const notes = [];
  for (const o of f.outputs) {
    const got = out[o.name];
    if (!got) throw new Error(`no output ${o.name}`);
    if (got.dims.join(',') !== o.shape.join(',')) throw new Error(`${o.name}: shape ${got.dims} want ${o.shape}`);
    const ref = readF64(path.join(DIR, o.file));
    const rel = relL2(got.data, ref);
    worst = Math.max(worst, rel);
    notes.push(`${o.name}=${rel.toExponential(2)}`);
    if (rel > f.tolerance.rel_l2) throw new Error(`${o.name}: rel L2 ${rel.toExponential(2)} > ${f.tolerance.rel_l2}`);
    if (o.argmax) {
      const cols = o.shape[o.shape.length - 1];
      const a = argmaxRows(got.data, cols), b = argmaxRows(ref, cols);
      if (a.join() !== b.join()) throw new Error(`${o.name}: arg-max ${a} want ${b}`);
    }
  }
  if (f.heldout) {
    const h = f.heldout;
    const inp = heldoutInputs(h);
    const first = readF32(path.join(DIR, f.input.file));
    for (let i = 0; i < first.length; i++) {
      if (first[i] !== inp.data[i]) throw new Error(`PNG-built input differs from ${f.input.file} at ${i}`);
    }
    const r = await sess.run({ [f.input.name]: new ort.Tensor('float32', inp.data, [inp.n, 3, h.preprocess.size, h.preprocess.size]) });
    const got = r[f.outputs[0].name].data;
    const ref = readF64(path.join(DIR, h.logits.file));
    const rel = relL2(got, ref);
    worst = Math.max(worst, rel);
    const pred = argmaxRows(got, 10);
    const same = pred.filter((p, i) => p === h.predictions[i]).length;
    const correct = pred.filter((p, i) => p === inp.labels[i]).length;
    notes.push(`heldout ${inp.n}: rel=${rel.toExponential(2)} same-pred=${same}/${inp.n} acc=${correct}/${inp.n}`);
    if (rel > f.tolerance.rel_l2 || same !== inp.n) throw new Error(notes[notes.length - 1]);
  }
  return { worst, notes };
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json')));
  let passed = 0, failed = 0, max = 0;
  for (const f of manifest.fixtures) {
    try {
      const { worst, notes } = await runFixture(f);
      passed++;
      max = Math.max(max, worst);
      console.log(`ok   ${f.file.padEnd(36)} rel_l2=${worst.toExponential(2)}${verbose || f.heldout ? ' ' + notes.join(' ') : ''}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${f.file.padEnd(36)} ${e.message}`);
    }
  }
  console.log(`onnxruntime-node ${ort.env.versions.node}: ${passed} passed, ${failed} failed, max rel L2 ${max.toExponential(2)}`);
  process.exitCode = failed ? 1 : 0;
}

main();
