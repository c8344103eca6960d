'use strict';
// Runs quantized ONNX fixtures with ONNX Runtime and writes their outputs as
// raw little-endian float32: the reference of testdata/quant (written by
// scripts/export_quant.py, which calls this with a job file):
//
//   node bench/ort/quant_ref.js job.json
//
// job.json: [{model, input (raw float32), shape [N,C,H,W], output}, ...].
// Images run one at a time (batch 1), one thread.
const fs = require('fs');
const ort = require('onnxruntime-node');

async function run(job) {
  const sess = await ort.InferenceSession.create(job.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const raw = fs.readFileSync(job.input);
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const [n, c, h, w] = job.shape;
  const per = c * h * w;
  const outs = [];
  for (let i = 0; i < n; i++) {
    const x = new ort.Tensor('float32', all.slice(i * per, (i + 1) * per), [1, c, h, w]);
    const res = await sess.run({ [sess.inputNames[0]]: x });
    outs.push(Float32Array.from(res[sess.outputNames[0]].data));
  }
  const len = outs.reduce((a, o) => a + o.length, 0);
  const buf = new Float32Array(len);
  let off = 0;
  for (const o of outs) { buf.set(o, off); off += o.length; }
  fs.writeFileSync(job.output, Buffer.from(buf.buffer));
  console.log(`ok ${job.model.split('/').pop()}: ${n} images, ${len / n} outputs each`);
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2]));
  for (const j of jobs) await run(j);
  console.log(`onnxruntime-node ${ort.env.versions.node}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
