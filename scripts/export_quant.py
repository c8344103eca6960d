#!/usr/bin/python3
"""Write gorn's quantized ONNX fixtures (testdata/quant/) from float models.

ONNX Runtime's Python quantizer cannot be installed here, so this script
writes the layouts it documents, with the onnx package only:

QDQ (quant_format=QDQ, the default of quantize_static):
  - every float activation T (graph input, node outputs) becomes
    T -> QuantizeLinear -> DequantizeLinear -> readers, per tensor, uint8
    (or int8 with -s8 variants), asymmetric: rmin = min(0, min), rmax =
    max(0, max) over the calibration inputs, scale = (rmax - rmin) / (qmax -
    qmin), zero_point = round(qmin - rmin / scale);
  - Conv and Gemm weights: int8, per output channel (axis 0), symmetric in
    [-127, 127], scale = max|w| / 127, zero point 0;
  - biases: int32 round(b / (x_scale * w_scale)), dequantized with that scale
    (float32 product) and axis 0;
  - MaxPool and Flatten outputs share their input's parameters;
  - a Relu that is the only reader of its producer's output is removed and the
    producer writes its output (ORT's QDQRemovableActivation), unless the
    variant keeps it ("_relu" variants, as other quantizers write them);
  - the graph output is quantized too and dequantized under its own name.
QOperator (quant_format=QOperator): QuantizeLinear at the input,
  QLinearConv (Relu folded), com.microsoft QLinearAdd and
  QLinearGlobalAveragePool, MaxPool and Flatten on uint8, QLinearMatMul
  (per-tensor int8 weights) -> DequantizeLinear -> Add (float bias) for the
  classifier.

Calibration runs the float model in float64 with PyTorch's functional ops on
the calibration inputs: for the digits model, the 1,437 training images
(scripts/train_digits.py's split and preprocessing); for the random-weight
fixtures of testdata/onnx, their own single input.

Each model is run by ONNX Runtime (onnxruntime-node, bench/ort/quant_ref.js)
and its outputs are stored as the reference, raw little-endian float32:
  NAME.onnx, NAME.input.f32 (random fixtures), NAME.ort.f32 (ORT's outputs;
  for digits, the 360 held-out images in order), manifest.json.

  /usr/bin/python3 scripts/export_quant.py          # rewrites testdata/quant/
  /usr/bin/python3 scripts/export_quant.py --check  # rebuilds in a temp dir, compares
"""
import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

MS = "com.microsoft"


# ---------------------------------------------------------------- float run
def run_float(graph, inputs):
    """Runs graph in float64 on {name: array}; returns every tensor by name."""
    env = {k: torch.from_numpy(np.asarray(v, np.float64)) for k, v in inputs.items()}
    for t in graph.initializer:
        env[t.name] = torch.from_numpy(numpy_helper.to_array(t).astype(np.float64))
    for n in graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        x = [env[i] if i else None for i in n.input]
        env[n.output[0]] = OPS[n.op_type](x, a)
    return {k: v.numpy() for k, v in env.items()}


def _pads(x, a):
    p = a.get("pads", [0, 0, 0, 0])
    return F.pad(x, (p[1], p[3], p[0], p[2]), value=float("-inf") if a.get("_max") else 0.0)


def _conv(x, a):
    return F.conv2d(_pads(x[0], a), x[1], x[2] if len(x) > 2 else None,
                    stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]),
                    groups=a.get("group", 1))


def _maxpool(x, a):
    assert not a.get("ceil_mode", 0)
    return F.max_pool2d(_pads(x[0], dict(a, _max=1)), a["kernel_shape"], a.get("strides", [1, 1]))


def _gemm(x, a):
    w = x[1].T if a.get("transB", 0) else x[1]
    y = a.get("alpha", 1.0) * (x[0] @ w)
    return y + a.get("beta", 1.0) * x[2] if len(x) > 2 else y


def _bn(x, a):
    s = (1, -1, 1, 1)
    return ((x[0] - x[3].view(s)) / torch.sqrt(x[4].view(s) + a.get("epsilon", 1e-5))
            * x[1].view(s) + x[2].view(s))


OPS = {
    "Conv": _conv, "Relu": lambda x, a: torch.relu(x[0]), "Add": lambda x, a: x[0] + x[1],
    "MaxPool": _maxpool, "GlobalAveragePool": lambda x, a: x[0].mean((2, 3), keepdim=True),
    "Flatten": lambda x, a: x[0].reshape(x[0].shape[0], -1), "Gemm": _gemm,
    "BatchNormalization": _bn,
}


# ------------------------------------------------------------ quant params
def act_params(lo, hi, s8):
    qmin, qmax = (-128, 127) if s8 else (0, 255)
    lo, hi = min(0.0, float(lo)), max(0.0, float(hi))
    scale = np.float32((hi - lo) / (qmax - qmin)) if hi > lo else np.float32(1.0)
    zp = int(np.clip(round(qmin - lo / float(scale)), qmin, qmax))
    return scale, zp


def weight_params(w, qmax=127):
    """Per output channel (axis 0) symmetric int8 in [-qmax, qmax] (127, or
    63 for ORT's reduce_range, 7-bit weights)."""
    absmax = np.abs(w.reshape(w.shape[0], -1)).max(1)
    scale = (absmax / float(qmax)).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale.reshape((-1,) + (1,) * (w.ndim - 1))), -qmax, qmax)
    return q.astype(np.int8), scale


def ranges(graph, calib):
    lo, hi = {}, {}
    for i in range(0, len(calib), 64):
        env = run_float(graph, {graph.input[0].name: calib[i:i + 64]})
        for k, v in env.items():
            lo[k] = min(lo.get(k, np.inf), float(v.min()))
            hi[k] = max(hi.get(k, -np.inf), float(v.max()))
    return lo, hi


# ---------------------------------------------------------------- writers
class Builder:
    def __init__(self, model, s8):
        self.g = model.graph
        self.s8 = s8
        self.inits = {t.name: numpy_helper.to_array(t) for t in self.g.initializer}
        self.nodes, self.new_inits, self.names = [], [], set()

    def const(self, name, arr):
        name = self.fresh(name)
        self.new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def fresh(self, base):
        n, i = base, 0
        while n in self.names:
            i += 1
            n = f"{base}_{i}"
        self.names.add(n)
        return n

    def qparams(self, tensor, p):
        scale, zp = p
        qt = np.int8 if self.s8 else np.uint8
        return self.const(tensor + "_scale", np.float32(scale)), self.const(tensor + "_zero_point", qt(zp))

    def node(self, op, ins, outs, domain=None, **attrs):
        n = helper.make_node(op, ins, outs, **attrs)
        if domain:
            n.domain = domain
        self.nodes.append(n)

    def finish(self, model, opset, ms=False):
        g = self.g
        keep = [t for t in g.initializer if t.name not in self.dropped]
        graph = helper.make_graph(self.nodes, g.name, list(g.input), list(g.output),
                                  keep + self.new_inits)
        ops = [helper.make_opsetid("", max(opset, 13))]
        if ms:
            ops.append(helper.make_opsetid(MS, 1))
        m = helper.make_model(graph, opset_imports=ops, producer_name="gorn export_quant.py")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def plan(graph, keep_relu):
    """Returns (nodes, fold): the nodes to write and, for each removable Relu
    (only reader of its producer's output), the producer output it replaces."""
    readers = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    fold = {}
    if not keep_relu:
        for n in graph.node:
            if n.op_type == "Relu" and len(readers.get(n.input[0], [])) == 1 and \
                    n.input[0] not in [o.name for o in graph.output]:
                fold[n.input[0]] = n.output[0]
    return [n for n in graph.node if not (n.op_type == "Relu" and n.input[0] in fold)], fold


def params_for(graph, nodes, fold, lo, hi, s8):
    """Quantization parameters of every activation written (shared through
    MaxPool and Flatten as ORT does)."""
    p = {graph.input[0].name: act_params(lo[graph.input[0].name], hi[graph.input[0].name], s8)}
    for n in nodes:
        out = fold.get(n.output[0], n.output[0])
        if n.op_type in ("MaxPool", "Flatten"):
            p[out] = p[n.input[0]]
        else:
            p[out] = act_params(lo[out], hi[out], s8)
    return p


def write_qdq(model, lo, hi, s8, keep_relu, wmax=127):
    b = Builder(model, s8)
    g = model.graph
    nodes, fold = plan(g, keep_relu)
    p = params_for(g, nodes, fold, lo, hi, s8)
    outputs = {o.name for o in g.output}
    b.names.update(x.name for x in g.initializer)
    for n in g.node:
        b.names.update(n.output)
    b.dropped = set()
    dq = {}

    def qdq(t, src):
        s, z = b.qparams(t, p[t])
        q = b.fresh(t + "_QuantizeLinear_Output")
        d = t if t in outputs else b.fresh(t + "_DequantizeLinear_Output")
        b.node("QuantizeLinear", [src, s, z], [q])
        b.node("DequantizeLinear", [q, s, z], [d])
        dq[t] = d

    qdq(g.input[0].name, g.input[0].name) if g.input[0].name not in outputs else None
    for n in nodes:
        ins = [dq.get(i, i) for i in n.input]
        out = fold.get(n.output[0], n.output[0])
        if n.op_type in ("Conv", "Gemm"):
            w = b.inits[n.input[1]]
            wq, ws = weight_params(w, wmax)
            wsn = b.const(n.input[1] + "_scale", ws)
            wzn = b.const(n.input[1] + "_zero_point", np.zeros(len(ws), np.int8))
            wqn = b.const(n.input[1] + "_quantized", wq)
            ins[1] = b.fresh(n.input[1] + "_DequantizeLinear_Output")
            b.node("DequantizeLinear", [wqn, wsn, wzn], [ins[1]], axis=0)
            b.dropped.add(n.input[1])
            if len(n.input) > 2:
                bs = (np.float32(p[n.input[0]][0]) * ws).astype(np.float32)
                bq = np.round(b.inits[n.input[2]] / bs).astype(np.int32)
                bsn = b.const(n.input[2] + "_scale", bs)
                bzn = b.const(n.input[2] + "_zero_point", np.zeros(len(bs), np.int32))
                bqn = b.const(n.input[2] + "_quantized", bq)
                ins[2] = b.fresh(n.input[2] + "_DequantizeLinear_Output")
                b.node("DequantizeLinear", [bqn, bsn, bzn], [ins[2]], axis=0)
                b.dropped.add(n.input[2])
        raw = b.fresh(out + "_raw") if out in outputs else out
        b.node(n.op_type, ins, [raw], **{a.name: helper.get_attribute_value(a) for a in n.attribute})
        qdq(out, raw)
    step = float(p[fold.get(nodes[-1].output[0], nodes[-1].output[0])][0])
    return b.finish(model, model.opset_import[0].version), step


def write_qop(model, lo, hi):
    b = Builder(model, False)
    g = model.graph
    nodes, fold = plan(g, False)
    p = params_for(g, nodes, fold, lo, hi, False)
    b.names.update(x.name for x in g.initializer)
    for n in g.node:
        b.names.update(n.output)
    b.dropped = set(x.name for x in g.initializer)
    q = {}
    x0 = g.input[0].name
    s, z = b.qparams(x0, p[x0])
    q[x0] = (b.fresh(x0 + "_quantized"), s, z)
    b.node("QuantizeLinear", [x0, s, z], [q[x0][0]])
    out_name = g.output[0].name
    for n in nodes:
        out = fold.get(n.output[0], n.output[0])
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type in ("MaxPool", "Flatten"):
            xq = q[n.input[0]]
            y = b.fresh(out + "_quantized")
            b.node(n.op_type, [xq[0]], [y], **attrs)
            q[out] = (y, xq[1], xq[2])
            continue
        if n.op_type == "Gemm":
            xq = q[n.input[0]]
            w = b.inits[n.input[1]]
            w = w.T if attrs.get("transB", 0) else w
            ws = np.float32(np.abs(w).max() / 127.0)
            wq = np.clip(np.round(w / ws), -127, 127).astype(np.int8)
            mm = b.fresh(out + "_MatMul")
            mlo, mhi = lo[out + "#mm"], hi[out + "#mm"]
            step = float(act_params(mlo, mhi, False)[0])
            ms, mz = b.qparams(mm, act_params(mlo, mhi, False))
            mq = b.fresh(mm + "_quantized")
            b.node("QLinearMatMul", [xq[0], xq[1], xq[2], b.const(n.input[1] + "_quantized", wq),
                                     b.const(n.input[1] + "_scale", ws), b.const(n.input[1] + "_zero_point", np.int8(0)),
                                     ms, mz], [mq])
            mf = b.fresh(mm + "_dequantized")
            b.node("DequantizeLinear", [mq, ms, mz], [mf])
            b.node("Add", [mf, b.const(n.input[2] + "_float", b.inits[n.input[2]].astype(np.float32))], [out_name])
            continue
        ys, yz = b.qparams(out, p[out])
        y = b.fresh(out + "_quantized")
        if n.op_type == "Conv":
            xq = q[n.input[0]]
            wq, ws = weight_params(b.inits[n.input[1]])
            bq = np.round(b.inits[n.input[2]] / (np.float32(p[n.input[0]][0]) * ws).astype(np.float32)).astype(np.int32)
            b.node("QLinearConv", [xq[0], xq[1], xq[2], b.const(n.input[1] + "_quantized", wq),
                                   b.const(n.input[1] + "_scale", ws), b.const(n.input[1] + "_zero_point", np.zeros(len(ws), np.int8)),
                                   ys, yz, b.const(n.input[2] + "_quantized", bq)], [y], **attrs)
        elif n.op_type == "Add":
            a, c = q[n.input[0]], q[n.input[1]]
            b.node("QLinearAdd", [a[0], a[1], a[2], c[0], c[1], c[2], ys, yz], [y], domain=MS)
        elif n.op_type == "GlobalAveragePool":
            xq = q[n.input[0]]
            b.node("QLinearGlobalAveragePool", [xq[0], xq[1], xq[2], ys, yz], [y], domain=MS, channels_last=0)
        else:
            raise SystemExit(f"QOperator: {n.op_type} not written")
        q[out] = (y, ys, yz)
    return b.finish(model, model.opset_import[0].version, ms=True), step


# ---------------------------------------------------------------- fixtures
def digits_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    import train_digits as td
    from PIL import Image
    d = load_digits()
    tr_i, _ = train_test_split(np.arange(len(d.target)), test_size=0.2, random_state=td.SEED, stratify=d.target)
    calib = td.to_input(td.to_pixels(d.images)[tr_i]).numpy()
    hd = os.path.join(ROOT, "testdata", "digits", "heldout")
    names = [l.split()[0] for l in open(os.path.join(hd, "labels.txt")).read().splitlines() if l.strip()]
    pix = np.stack([np.asarray(Image.open(os.path.join(hd, f)).convert("L")) for f in names])
    return calib, td.to_input(pix).numpy()


def fixture_input(name):
    """The __input__ tensor (F32) of a safetensors file."""
    with open(os.path.join(ROOT, "testdata", name), "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        meta = json.loads(fh.read(n))["__input__"]
        assert meta["dtype"] == "F32"
        fh.seek(8 + n + meta["data_offsets"][0])
        raw = fh.read(meta["data_offsets"][1] - meta["data_offsets"][0])
    return np.frombuffer(raw, "<f4").reshape(meta["shape"])


def gemm_mm_ranges(graph, calib, lo, hi):
    """Range of the classifier's x @ W^T without bias (QLinearMatMul's output)."""
    env = run_float(graph, {graph.input[0].name: calib})
    for n in graph.node:
        if n.op_type == "Gemm":
            k = n.output[0]
            mm = env[k] - env[n.input[2]]
            lo[k + "#mm"], hi[k + "#mm"] = float(mm.min()), float(mm.max())


JOBS = [
    # name, source model, calibration, variants
    ("digits", "digits/digits_resnet.onnx", "digits"),
    ("resnet18_w4", "onnx/resnet18_w4_fused_b1.onnx", "resnet18_w4.safetensors"),
    ("bottleneck_v1_w4", "onnx/bottleneck_v1_w4_fused_b1.onnx", "bottleneck_v1_w4.safetensors"),
    ("preact18_w4", "onnx/preact18_w4_fused_b1.onnx", "preact18_w4.safetensors"),
]


def build(out):
    os.makedirs(out, exist_ok=True)
    manifest, runs = [], []
    for name, src, data in JOBS:
        model = onnx.load(os.path.join(ROOT, "testdata", src))
        if data == "digits":
            calib, evalx = digits_data()
        else:
            calib = evalx = fixture_input(data).astype(np.float32)
            evalx.tofile(os.path.join(out, name + ".input.f32"))
        lo, hi = ranges(model.graph, calib)
        gemm_mm_ranges(model.graph, calib, lo, hi)
        variants = [("qdq_u8", write_qdq(model, lo, hi, False, False))]
        if name in ("digits", "resnet18_w4"):
            variants += [("qdq_s8_relu", write_qdq(model, lo, hi, True, True)),
                         ("qdq_u8_w7", write_qdq(model, lo, hi, False, False, 63)),
                         ("qop_u8", write_qop(model, lo, hi))]
        for v, (m, step) in variants:
            f = f"{name}_{v}.onnx"
            onnx.save(m, os.path.join(out, f))
            manifest.append({"file": f, "source": src, "format": v.split("_")[0], "images": len(evalx),
                             "input": "digits/heldout" if data == "digits" else name + ".input.f32",
                             "shape": list(evalx.shape), "ort": f"{name}_{v}.ort.f32", "output_step": step, "exact_ort": v.endswith("_w7"),
                             "classes": int(model.graph.output[0].type.tensor_type.shape.dim[1].dim_value)})
            runs.append({"model": os.path.join(out, f), "input": None, "shape": list(evalx.shape),
                         "output": os.path.join(out, f"{name}_{v}.ort.f32")})
            runs[-1]["_x"] = evalx
    tmp = tempfile.mkdtemp()
    for i, r in enumerate(runs):
        r["input"] = os.path.join(tmp, f"{i}.f32")
        r.pop("_x").astype(np.float32).tofile(r["input"])
    job = os.path.join(tmp, "job.json")
    json.dump(runs, open(job, "w"))
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", os.path.join(ROOT, "bench", "ort", "node_modules")))
    subprocess.run(["node", os.path.join(ROOT, "bench", "ort", "quant_ref.js"), job], check=True, env=env)
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")


def check(out):
    with tempfile.TemporaryDirectory() as tmp:
        build(tmp)
        bad = []
        for f in sorted(os.listdir(tmp)):
            if not filecmp.cmp(os.path.join(tmp, f), os.path.join(out, f), shallow=False):
                bad.append(f)
        if bad:
            raise SystemExit("differ: " + " ".join(bad))
        print("testdata/quant: identical")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "testdata", "quant"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.check:
        check(args.out)
    else:
        build(args.out)


if __name__ == "__main__":
    main()
