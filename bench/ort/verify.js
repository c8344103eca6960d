'use strict';
// Checks every ONNX fixture in testdata/onnx/manifest.json (and, if present,
// the full-size exports in testdata/large/) with ONNX Runtime: the logits must
// match the float64 PyTorch logits stored with the fixture (rel L2 <= 1e-4).
//
//   node bench/ort/verify.js
const path = require('path');
const fs = require('fs');
const ort = require('onnxruntime-node');
const { readSafetensors } = require('./st');

const TESTDATA = path.join(__dirname, '..', '..', 'testdata');
const TOL = 1e-4;

function relL2(got, want) {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  return Math.sqrt(num / den);
}

async function check(file, input, expected, images) {
  const [, c, h, w] = input.shape;
  const per = c * h * w;
  const classes = expected.shape[1];
  const sess = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const x = new ort.Tensor('float32', input.data.slice(0, images * per), [images, c, h, w]);
  const out = await sess.run({ [sess.inputNames[0]]: x });
  const got = out[sess.outputNames[0]].data;
  const want = expected.data.subarray(0, images * classes);
  if (got.length !== want.length) throw new Error(`got ${got.length} logits, want ${want.length}`);
  return relL2(got, want);
}

async function main() {
  let passed = 0, failed = 0;
  const report = (name, rel, err) => {
    const ok = !err && rel <= TOL;
    if (ok) passed++; else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${err ? err.message : 'rel_l2=' + rel.toExponential(2)}`);
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(TESTDATA, 'onnx', 'manifest.json')));
  for (const m of manifest) {
    try {
      const t = readSafetensors(path.join(TESTDATA, m.fixture));
      const rel = await check(path.join(TESTDATA, 'onnx', m.file), t[m.input], t[m.expected], m.images);
      report(m.file, rel);
    } catch (e) { report(m.file, NaN, e); }
  }
  const large = path.join(TESTDATA, 'large');
  if (fs.existsSync(large)) {
    for (const f of fs.readdirSync(large).filter((f) => f.endsWith('.onnx')).sort()) {
      try {
        const io = readSafetensors(path.join(large, f.replace(/_(fused|kept)_dyn\.onnx$/, '.safetensors')));
        report('large/' + f, await check(path.join(large, f), io.__input__, io.__expected__, io.__input__.shape[0]));
      } catch (e) { report('large/' + f, NaN, e); }
    }
  }
  console.log(`onnxruntime-node ${ort.env.versions.node}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
