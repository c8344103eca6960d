'use strict';
// Checks gorn's quantizer with ONNX Runtime on the directory that
// scripts/quantcheck writes: the float model re-written by gorn's ONNX
// writer must give the float model's logits (bit for bit), and each QDQ
// file must load and run; prints its arg-max agreement with fp32 and top-1
// on all images, and on the images not used for calibration.
//
//   go run ./scripts/quantcheck -out /tmp/qcheck && node bench/ort/quantize.js /tmp/qcheck
const path = require('path');
const fs = require('fs');
const ort = require('onnxruntime-node');
const { readSafetensors } = require('./st');

const TESTDATA = path.join(__dirname, '..', '..', 'testdata');

// checkFixtures runs every testdata/onnx fixture and its copy re-written by
// gorn's ONNX writer (DIR/fixtures) on the fixture's input: the outputs
// must be identical. Returns the number of failures.
async function checkFixtures(dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(TESTDATA, 'onnx', 'manifest.json')));
  let failed = 0;
  for (const m of manifest) {
    const t = readSafetensors(path.join(TESTDATA, m.fixture));
    const input = t[m.input];
    const [, c, h, w] = input.shape;
    const data = input.data.slice(0, m.images * c * h * w);
    const shape = [m.images, c, h, w];
    try {
      const a = await logits(path.join(TESTDATA, 'onnx', m.file), data, shape);
      const b = await logits(path.join(dir, 'fixtures', m.file), data, shape);
      let same = a.length === b.length && a.length > 0;
      for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];
      if (!same) failed++;
      console.log(`${same ? 'ok  ' : 'FAIL'} re-written ${m.file}: ${same ? 'identical' : 'different'} outputs`);
      const qf = path.join(dir, 'fixtures', 'qdq_' + m.file);
      if (fs.existsSync(qf)) {
        for (const unfused of [false, true]) {
          const q = await logits(qf, data, shape, unfused);
          let num = 0, den = 0;
          for (let i = 0; i < a.length; i++) { num += (q[i] - a[i]) ** 2; den += a[i] ** 2; }
          console.log(`ok   qdq_${m.file}${unfused ? ' (unfused)' : ''}: runs, logits rel L2 vs fp32 ${Math.sqrt(num / den).toExponential(2)}`);
        }
      }
    } catch (e) {
      failed++;
      console.log(`FAIL re-written ${m.file}: ${e.message}`);
    }
  }
  return failed;
}

function argmax(a, off, n) {
  let k = 0;
  for (let i = 1; i < n; i++) if (a[off + i] > a[off + k]) k = i;
  return k;
}

// logits runs file; unfused runs the QDQ graph as written (no graph
// optimizations: QuantizeLinear/DequantizeLinear then float Conv), which
// gives the file's exact numerics without ORT's int8 kernels.
async function logits(file, input, shape, unfused) {
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  if (unfused) opts.graphOptimizationLevel = 'disabled';
  const sess = await ort.InferenceSession.create(file, opts);
  const x = new ort.Tensor('float32', input, shape);
  const out = await sess.run({ [sess.inputNames[0]]: x });
  return out[sess.outputNames[0]].data;
}

async function main() {
  const root = process.argv[2];
  if (!root) throw new Error('usage: node quantize.js DIR');
  let failed = await checkFixtures(root);
  for (const sub of fs.readdirSync(root).sort()) {
    if (!fs.existsSync(path.join(root, sub, 'manifest.json'))) continue;
    console.log(`# ${sub}`);
    failed += await checkModel(path.join(root, sub));
  }
  if (failed) process.exit(1);
}

// checkModel checks one model directory; returns the number of failures.
async function checkModel(dir) {
  const man = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json')));
  const buf = fs.readFileSync(path.join(dir, man.inputs));
  const input = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const n = man.shape[0];
  const ref = await logits(man.float, input, man.shape);
  const classes = ref.length / n;
  const rw = await logits(path.join(dir, man.rewritten), input, man.shape);
  let same = rw.length === ref.length;
  for (let i = 0; same && i < ref.length; i++) same = rw[i] === ref[i];
  console.log(`${same ? 'ok  ' : 'FAIL'} rewritten float model: logits ${same ? 'identical' : 'differ'}`);
  const top1 = (l, from) => {
    let c = 0;
    for (let i = from; i < n; i++) if (argmax(l, i * classes, classes) === man.labels[i]) c++;
    return c;
  };
  console.log(`fp32: top-1 ${top1(ref, 0)}/${n} all, ${top1(ref, man.calib)}/${n - man.calib} held out of calibration`);
  let failed = same ? 0 : 1;
  const runs = [];
  for (const v of man.variants) {
    runs.push([v.file, v, false], [v.file + ' (unfused)', v, true]);
  }
  for (const [name, v, unfused] of runs) {
    try {
      const q = await logits(path.join(dir, v.file), input, man.shape, unfused);
      let num = 0, den = 0;
      for (let i = 0; i < ref.length; i++) { num += (q[i] - ref[i]) ** 2; den += ref[i] ** 2; }
      let agree = 0, agreeHeld = 0;
      for (let i = 0; i < n; i++) {
        if (argmax(q, i * classes, classes) === argmax(ref, i * classes, classes)) {
          agree++;
          if (i >= man.calib) agreeHeld++;
        }
      }
      console.log(`ok   ${name}: agreement with fp32 ${agree}/${n} (${(100 * agree / n).toFixed(2)} %), ` +
        `held out ${agreeHeld}/${n - man.calib}; top-1 ${top1(q, 0)}/${n}, held out ${top1(q, man.calib)}/${n - man.calib}; ` +
        `logits rel L2 vs fp32 ${Math.sqrt(num / den).toExponential(2)}`);
      const gornFile = path.join(dir, v.file + '.gorn.f32');
      if (unfused && fs.existsSync(gornFile)) {
        const gb = fs.readFileSync(gornFile);
        const g = new Float32Array(gb.buffer, gb.byteOffset, gb.length / 4);
        let gn = 0, gd = 0, same = 0;
        for (let i = 0; i < q.length; i++) { gn += (g[i] - q[i]) ** 2; gd += q[i] ** 2; }
        for (let i = 0; i < n; i++) if (argmax(g, i * classes, classes) === argmax(q, i * classes, classes)) same++;
        const rel = Math.sqrt(gn / gd);
        const ok = rel <= 5e-3 && same === n; // ties of x/scale round differently: single levels flip
        if (!ok) failed++;
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${v.file}: gorn's logits vs ORT unfused: rel L2 ${rel.toExponential(2)}, same arg-max on ${same}/${n}`);
      }
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.message}`);
    }
  }
  return failed;
}

main().catch((e) => { console.error(e); process.exit(1); });
