'use strict';
// ONNX Runtime (onnxruntime-node, CPU execution provider) latency benchmark:
// gorn's peer. Prints one line per model and thread count, e.g.
//
//   ort version=1.30.0 model=resnet50 threads=1 batch=1 median_ms=75.8 p90_ms=77.0 ...
//
// median_ms, p90_ms, min_ms and mean_ms are wall-clock ms per image (run time
// / batch); cpu_ms is the median process CPU time (user + system, all threads,
// spinning included) per image: with one thread it is the least disturbed by
// other processes competing for the cores.
//
// Usage (models from scripts/export_bench_models.py, or any .onnx path):
//   node bench/ort/bench.js [--model resnet18,resnet50] [--threads 1,2] [--batch 1]
//                           [--warmup 10] [--runs 50] [--spin default|0|1]
// Session options: intraOpNumThreads=threads, interOpNumThreads=1,
// executionMode=sequential, graphOptimizationLevel=all; --spin sets
// session.intra_op.allow_spinning (ORT's default is to spin).
const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require('onnxruntime-node');

// Multiply-accumulates per 224x224 image, for GFLOP/s.
const GMAC = { resnet18: 1.814, resnet34: 3.664, resnet50: 4.089, resnet101: 7.801, resnet152: 11.514 };

function parseArgs(argv) {
  const a = { model: 'resnet18,resnet50', threads: '1,2', batch: 1, warmup: 10, runs: 50, spin: 'default' };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in a)) throw new Error(`unknown argument ${argv[i]} (see the header of bench.js)`);
    a[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
  for (const k of ['batch', 'warmup', 'runs']) {
    a[k] = Number(a[k]);
    if (!Number.isInteger(a[k]) || a[k] < (k === 'warmup' ? 0 : 1)) throw new Error(`bad --${k}`);
  }
  a.threads = String(a.threads).split(',').map(Number);
  a.model = String(a.model).split(',');
  return a;
}

function modelPath(m, batch) {
  if (m.endsWith('.onnx')) return m;
  const dir = path.join(__dirname, 'models');
  return path.join(dir, batch > 1 ? `${m}_dyn.onnx` : `${m}.onnx`);
}

function quantile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

async function benchOne(name, file, threads, a) {
  const opts = {
    intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  };
  if (a.spin !== 'default') opts.extra = { session: { intra_op: { allow_spinning: String(a.spin) } } };
  const sess = await ort.InferenceSession.create(file, opts);
  const meta = sess.inputMetadata ? sess.inputMetadata[0] : null;
  let shape = [a.batch, 3, 224, 224];
  if (meta && meta.isTensor && meta.shape.length === 4) {
    shape = meta.shape.map((d, i) => (i === 0 ? a.batch : typeof d === 'number' ? d : 224));
  }
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = s / 2 ** 31 - 1; }
  const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < a.warmup; i++) await sess.run(feeds);
  const ms = [], cpu = [];
  for (let i = 0; i < a.runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sess.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6 / a.batch);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3 / a.batch);
  }
  await sess.release();
  ms.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  const med = quantile(ms, 0.5);
  const mean = ms.reduce((p, x) => p + x, 0) / ms.length;
  const fields = [
    `ort version=${ort.env.versions.node}`, `model=${name}`, `threads=${threads}`, `batch=${a.batch}`,
    `median_ms=${med.toFixed(2)}`, `p90_ms=${quantile(ms, 0.9).toFixed(2)}`,
    `min_ms=${ms[0].toFixed(2)}`, `mean_ms=${mean.toFixed(2)}`, `cpu_ms=${quantile(cpu, 0.5).toFixed(2)}`,
    `img_s=${(1000 / med).toFixed(1)}`,
  ];
  if (GMAC[name] && shape[2] === 224 && shape[3] === 224) fields.push(`gflops=${(2 * GMAC[name] / med * 1000).toFixed(1)}`);
  fields.push(`runs=${a.runs}`, `warmup=${a.warmup}`, `spin=${a.spin}`,
    `maxrss_mb=${Math.round(process.resourceUsage().maxRSS / 1024)}`);
  console.log(fields.join(' '));
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const cpu = os.cpus()[0] ? os.cpus()[0].model.trim() : 'unknown';
  console.log(`# ort version=${ort.env.versions.node} node=${process.version} cpu="${cpu}" cpus=${os.cpus().length} loadavg=${os.loadavg().map((x) => x.toFixed(2)).join(',')}`);
  for (const m of a.model) {
    const file = modelPath(m, a.batch);
    if (!fs.existsSync(file)) {
      throw new Error(`${file} not found: run scripts/export_bench_models.py${a.batch > 1 ? ' --dynamic' : ''} (or scripts/peer.sh)`);
    }
    const name = path.basename(m).replace(/(_dyn)?\.onnx$/, '');
    for (const t of a.threads) await benchOne(name, file, t, a);
  }
  console.log(`# loadavg=${os.loadavg().map((x) => x.toFixed(2)).join(',')}`);
}

main().catch((e) => { console.error(`bench.js: ${e.message}`); process.exit(1); });
