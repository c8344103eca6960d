#!/usr/bin/python3
"""Exports gorn's graph-compiler fixtures (issue 12) to testdata/graphs/: one small
model per row of the issue's table of ResNet-family graphs gorn refused, each with
BatchNorm fused by the exporter and kept, plus operator fixtures (graph_ops.py) and
the entries of the trained models (train_graphs.py's trained.json).

Run from the repository root (deterministic: fixed seeds, one torch thread):

    /usr/bin/python3 scripts/export_graphs.py           # rewrites testdata/graphs/ (not trained_*)
    /usr/bin/python3 scripts/export_graphs.py --check   # exports to a temp dir and compares bytes

Every fixture is an ONNX file, its input (raw little-endian float32, NCHW) and
PyTorch's float64 output for every graph output (raw little-endian float64,
row-major), listed in testdata/graphs/manifest.json (format in
testdata/graphs/README.md). Weights are random but non-trivial: He-normal convs
and linears, BatchNorm with random affine parameters and random running
statistics (calibrated on random inputs, then perturbed), so outputs are O(1)
and depend on the input. Variants:

  bn=fused  torch.onnx.export's default eval export (Conv+BN folded by the exporter;
            BNs that follow no conv stay BatchNormalization nodes)
  bn=kept   training=torch.onnx.TrainingMode.PRESERVE on an eval() model with constant
            folding off: every BatchNormalization node stays, in inference mode
  bn=none   the graph has no BatchNorm

Checks done here: the ONNX checker passes; every argmax output has a top-2 margin
of at least 2e-3 of its row's norm; outputs change when the input changes.
ONNX Runtime is the second reference: node bench/ort/verify_graphs.js.
"""

import argparse
import filecmp
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import graph_models as gm  # noqa: E402
import graph_ops  # noqa: E402
import resnets  # noqa: E402

OUT = os.path.join(HERE, "..", "testdata", "graphs")
SEED = 20261207
TOL = 1e-4
PRESERVE = torch.onnx.TrainingMode.PRESERVE
ONLY = set()  # fixture names given on the command line (development: no manifest)

ROWS = {
    1: "deep 3x3 stem and AveragePool(2, s2, ceil_mode, count_include_pad=0) before the projection's 1x1 (timm ResNet-D)",
    2: "squeeze-excitation: GlobalAveragePool or ReduceMean -> 1x1 conv -> ReLU -> 1x1 conv -> Sigmoid -> Mul (SE-ResNet, SE-ResNeXt)",
    3: "BatchNormalization on the raw input, pre-activation BNs after Adds (MXNet Gluon resnet v2, ONNX model zoo)",
    4: "pre-activation net whose first block has no pre-activation and whose projection reads the raw input (fb.resnet.torch preresnet)",
    5: "explicit Pad nodes, stride on the first 1x1 (true v1), ReduceMean(keepdims=0) head, Softmax output (Keras ResNet50 via tf2onnx)",
    6: "graph ends at the pooled features, no classifier (embedding export)",
    7: "Softmax after the classifier",
    8: "dilated 3x3 convs, dilation 2 and 4 (DeepLab-style backbone)",
    9: "option-A shortcuts (Slice step 2, Pad of channels from a Shape/ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast subgraph), Shape/Gather/Concat/Reshape flatten (CIFAR ResNet)",
    10: "FLOAT16 initializers behind Cast(to=FLOAT) (half-size model files)",
}


def model_seed(name):
    return SEED + sum(ord(c) * (i + 1) for i, c in enumerate(name))


def init_weights(model, gen, gain=1.0):
    """He-normal convs and linears (fan in), small random biases."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0, gain * (2.0 / fan_in) ** 0.5, generator=gen)
                if m.bias is not None:
                    m.bias.normal_(0, 0.2, generator=gen)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, (2.0 / m.in_features) ** 0.5, generator=gen)
                if m.bias is not None:
                    m.bias.normal_(0, 0.1, generator=gen)


def randomize_bn(model, shape, gen):
    """gen_fixtures.randomize_bn, also for affine=False BatchNorms: random affine
    parameters, running statistics calibrated on random inputs, then perturbed."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            c = bn.num_features
            if bn.affine:
                sign = 1.0 - 2.0 * (torch.rand(c, generator=gen) < 0.15).float()
                bn.weight.copy_(sign * (0.5 + torch.rand(c, generator=gen)))
                bn.bias.copy_(0.3 * torch.randn(c, generator=gen))
            bn.reset_running_stats()
            bn.momentum = None
        model.train()
        for _ in range(4):
            model(torch.randn([8] + list(shape[1:]), generator=gen))
        for bn in bns:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.3 * std * torch.randn(c, generator=gen))
            bn.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=gen))
            bn.momentum = 0.1
    model.eval()


def small_resnet(block="basic", layers=(1, 1, 1), width=4, classes=10):
    arch = dict(block=block, version="v1.5", layers=list(layers), width=width, groups=1,
                width_per_group=64, classes=classes)
    return resnets.ResNet(arch)


# Table rows: name -> (row, constructor, input shape, variants, output names, covers).
# A variant is (bn, opset, options); options: "dynamic" (dims named in the export),
# "spatial" (BatchNormalization spatial=1 written, as opset-7 zoo files have it).
DYN_BHW = {0: "batch", 2: "height", 3: "width"}
TABLE = {
    "resnet_d": (1, lambda: gm.ResNetD(), [1, 3, 37, 29],
                 [("fused", 17, {}), ("kept", 13, {})], ["logits"],
                 "deep stem 8/8/16 (timm's 32/32/64 / 4), bottleneck stages 16/32/64; AvgPool ceil_mode "
                 "windows are partial on the 37x29 input's odd maps"),
    "se_resnet": (2, lambda: gm.SEResNet(width=4, layers=(1, 1, 1), pool="gap"), [1, 3, 40, 40],
                  [("fused", 17, {}), ("kept", 11, {})], ["logits"],
                  "SE bottlenecks (GlobalAveragePool squeeze), 16/32/64 channels"),
    "se_resnext": (2, lambda: gm.SEResNet(width=4, layers=(1, 1), groups=4, base_width=32, pool="mean"),
                   [1, 3, 37, 29], [("fused", 13, {}), ("kept", 17, {})], ["logits"],
                   "SE-ResNeXt bottlenecks: grouped 3x3 (4 groups), ReduceMean squeeze"),
    "gluon_v2": (3, lambda: gm.GluonResNetV2(width=8, layers=(2, 1, 1)), [1, 3, 40, 40],
                 [("kept", 7, {"spatial": True}), ("kept", 9, {}), ("fused", 8, {})], ["logits"],
                 "data BatchNorm (no scale, no shift) on the input, BasicBlockV2 stages 8/16/32, final BN+ReLU"),
    "fb_preresnet": (4, lambda: gm.FbPreResNet(width=4, layers=(2, 1, 1)), [1, 3, 45, 37],
                     [("fused", 17, {}), ("kept", 12, {})], ["logits"],
                     "pre-activation bottlenecks: no_preact (projection reads the maxpool output), preact, "
                     "both_preact"),
    "keras_v1": (5, lambda: gm.KerasResNetV1(width=4, layers=(2, 1, 1)), [1, 3, 37, 29],
                 [("fused", 13, {}), ("kept", 10, {})], ["probabilities"],
                 "ZeroPadding2D as Pad (opset 13: pads from a subgraph; opset 10: pads attribute), conv biases, "
                 "BN eps 1.001e-5"),
    "embedding": (6, lambda: gm.Embedding(small_resnet(layers=(1, 1, 1), width=8)), [2, 3, 37, 29],
                  [("fused", 17, {"dynamic": DYN_BHW}), ("kept", 14, {})], ["features"],
                  "torchvision basic-block ResNet (8/16/32) ending at Flatten(GlobalAveragePool); the fused "
                  "file has symbolic batch, height and width"),
    "softmax_head": (7, lambda: gm.WithSoftmax(small_resnet("bottleneck", (1, 1, 1), 4)), [2, 3, 40, 40],
                     [("fused", 17, {}), ("kept", 15, {})], ["probabilities"],
                     "torchvision bottleneck ResNet (16/32/64) with Softmax after fc"),
    "dilated": (8, lambda: gm.DilatedResNet(width=4, layers=(1, 1, 1, 2)), [1, 3, 57, 49],
                [("fused", 17, {}), ("kept", 13, {})], ["logits"],
                "torchvision ResNet with replace_stride_with_dilation=[False, True, True]: 3x3 dilations 2 and 4, "
                "output stride 8"),
    "cifar_option_a": (9, lambda: gm.CifarResNet(n=1, width=8), [2, 3, 37, 37],
                       [("fused", None, {}), ("kept", 12, {})], ["logits"],
                       "CIFAR ResNet-8 (8/16/32), option-A shortcuts on odd 37x37 maps; fused = raw "
                       "torch.onnx.export with the default opset and constant folding"),
}

# Row 10: FLOAT16 (and BFLOAT16, DOUBLE) initializers behind Cast(to=FLOAT).
# name -> (dtype, bn). "fused": BN folded into the convs in PyTorch before export;
# "kept": BN exported (PRESERVE). The weights are rounded to dtype in the PyTorch
# model first, so the converted file holds them exactly.
HALF = {
    "fp16_fused": ("float16", "fused"),
    "fp16_kept": ("float16", "kept"),
    "bf16_fused": ("bfloat16", "fused"),
    "fp64_fused": ("float64", "fused"),
}


def write_tensor(path, t, dtype):
    np.ascontiguousarray(t.detach().numpy().astype(dtype)).tofile(path)


def rel_l2(a, b):
    return float(np.linalg.norm((np.asarray(a, np.float64) - b).ravel()) / np.linalg.norm(np.ravel(b)))


def check_outputs(name, ys, ys_other, argmax):
    """Outputs depend on the input; arg-max outputs have a safe top-2 margin."""
    margins = []
    for y, y2, am in zip(ys, ys_other, argmax):
        y, y2 = y.numpy(), y2.numpy()
        if y.shape == y2.shape and rel_l2(y2, y) < 0.05:
            raise SystemExit("%s: output hardly depends on the input (rel %g)" % (name, rel_l2(y2, y)))
        if not am:
            margins.append(None)
            continue
        rows = y.reshape(-1, y.shape[-1])
        top2 = np.sort(rows, axis=1)[:, -2:]
        m = float(((top2[:, 1] - top2[:, 0]) / np.linalg.norm(rows, axis=1)).min())
        if m < 2e-3:
            raise SystemExit("%s: top-2 margin %.2g too small for an arg-max check" % (name, m))
        margins.append(m)
    return margins


def reference(model, x):
    """float64 and float32 PyTorch outputs (tuples)."""
    with torch.no_grad():
        y32 = model(x)
        y64 = model.double()(x.double())
        model.float()
    as_tuple = lambda y: tuple(y) if isinstance(y, (tuple, list)) else (y,)  # noqa: E731
    return as_tuple(y64), as_tuple(y32)


def export(model, x, path, bn, opset, outs, opts):
    kw = {}
    if opset is not None:
        kw["opset_version"] = opset
    if bn == "kept":
        kw.update(training=PRESERVE, do_constant_folding=False)
    if "dynamic" in opts:
        dyn = opts["dynamic"]
        kw["dynamic_axes"] = {"input": dyn, **{o: {0: dyn[0]} for o in outs if 0 in dyn}}
    torch.onnx.export(model, x, path, input_names=["input"], output_names=outs, **kw)
    m = onnx.load(path)
    if opts.get("spatial"):
        for n in m.graph.node:
            if n.op_type == "BatchNormalization" and not any(a.name == "spatial" for a in n.attribute):
                n.attribute.append(helper.make_attribute("spatial", 1))
    if opts.get("cast_to"):
        to_cast_initializers(m, opts["cast_to"])
    return m


def to_cast_initializers(m, dtype):
    """Stores every FLOAT initializer as dtype and puts Cast(to=FLOAT) nodes in front of
    the graph, as float16 model converters do."""
    g = m.graph
    casts = []
    for init in g.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(init)
        name = init.name
        if dtype == "bfloat16":
            a = a.copy()
            t = torch.from_numpy(a).to(torch.bfloat16)
            if not torch.equal(t.float(), torch.from_numpy(a)):
                raise SystemExit("%s: not exact in bfloat16" % name)
            bits = t.view(torch.int16).numpy().astype("<u2")
            new = helper.make_tensor(name + "_bf16", onnx.TensorProto.BFLOAT16, a.shape,
                                     bits.tobytes(), raw=True)
        else:
            b = a.astype(dtype)
            if not np.array_equal(b.astype(np.float32), a):
                raise SystemExit("%s: not exact in %s" % (name, dtype))
            new = numpy_helper.from_array(b, name + "_" + {"float16": "fp16", "float64": "fp64"}[dtype])
        init.CopyFrom(new)
        casts.append(helper.make_node("Cast", [new.name], [name], name="Cast_" + name,
                                      to=onnx.TensorProto.FLOAT))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


def finish(m, path, doc):
    m.doc_string = doc
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def op_counts(m):
    counts = {}
    for n in m.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return dict(sorted(counts.items()))


def init_dtypes(m):
    names = {v: k for k, v in onnx.TensorProto.DataType.items()}
    return sorted({names[i.data_type] for i in m.graph.initializer})


def entry(fname, m, outdir, x_file, x, outs, out_files, ys, argmax, margins, f32, **kw):
    """A manifest entry."""
    e = {
        "file": fname,
        "input": {"name": "input", "shape": list(x.shape), "dtype": "float32", "file": x_file},
        "outputs": [{"name": o, "shape": list(y.shape), "dtype": "float64", "file": f,
                     "argmax": am, "min_top2_margin": None if mg is None else float("%.3g" % mg),
                     "f32_rel_l2_vs_f64": float("%.3g" % r)}
                    for o, y, f, am, mg, r in zip(outs, ys, out_files, argmax, margins, f32)],
        "tolerance": {"rel_l2": TOL, "argmax": any(argmax)},
    }
    e.update(kw)
    e.update(opset=m.opset_import[0].version, ops=op_counts(m), initializers=init_dtypes(m),
             bytes=os.path.getsize(os.path.join(outdir, fname)))
    return e


def save_io(outdir, name, x, ys, outs):
    x_file = name + ".input.f32"
    write_tensor(os.path.join(outdir, x_file), x, "<f4")
    files = []
    for o, y in zip(outs, ys):
        f = "%s.%s.f64" % (name, o)
        write_tensor(os.path.join(outdir, f), y, "<f8")
        files.append(f)
    return x_file, files


def build(name, make, shape):
    seed = model_seed(name)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make()
    init_weights(model, gen)
    randomize_bn(model, shape, gen)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1))
    x2 = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 2))
    return model, x, x2


# Full-size versions of the table rows (--large; not committed): name -> (constructor,
# input shape). Rows, variants and outputs as in TABLE.
LARGE = {
    "resnet_d": (lambda: gm.ResNetD(stem=(32, 32, 64), width=64, layers=(3, 4, 6, 3), classes=1000),
                 [1, 3, 224, 224]),
    "se_resnet": (lambda: gm.SEResNet(width=64, layers=(3, 4, 6, 3), pool="gap", classes=1000),
                  [1, 3, 224, 224]),
    "se_resnext": (lambda: gm.SEResNet(width=64, layers=(3, 4, 6, 3), groups=32, base_width=4, pool="mean",
                                       classes=1000), [1, 3, 224, 224]),
    "gluon_v2": (lambda: gm.GluonResNetV2(width=64, layers=(2, 2, 2, 2), classes=1000), [1, 3, 224, 224]),
    "fb_preresnet": (lambda: gm.FbPreResNet(width=64, layers=(3, 4, 6, 3), classes=1000), [1, 3, 224, 224]),
    "keras_v1": (lambda: gm.KerasResNetV1(width=64, layers=(3, 4, 6, 3), classes=1000), [1, 3, 224, 224]),
    "embedding": (lambda: gm.Embedding(small_resnet("bottleneck", (3, 4, 6, 3), 64, 1000)), [1, 3, 224, 224]),
    "softmax_head": (lambda: gm.WithSoftmax(small_resnet("bottleneck", (3, 4, 6, 3), 64, 1000)),
                     [1, 3, 224, 224]),
    "dilated": (lambda: gm.DilatedResNet(width=64, layers=(3, 4, 6, 3), classes=1000), [1, 3, 224, 224]),
    "cifar_option_a": (lambda: gm.CifarResNet(n=9, width=16), [1, 3, 32, 32]),  # ResNet-56
}


def export_table(outdir, large=False):
    entries = []
    for name, (row, make, shape, variants, outs, covers) in TABLE.items():
        if ONLY and name not in ONLY:
            continue
        if large:
            make, shape = LARGE[name]
            covers = "full size: " + covers
        model, x, x2 = build(name, make, shape)
        ys, y32 = reference(model, x)
        argmax = [o != "features" for o in outs]
        margins = check_outputs(name, ys, reference(model, x2)[0], argmax)
        f32 = [rel_l2(a.double().numpy(), b.numpy()) for a, b in zip(y32, ys)]
        x_file, out_files = save_io(outdir, name, x, ys, outs)
        for bn, opset, opts in variants:
            # opset None: torch's default (raw export); named by the opset it writes
            fname = "%s_%s_op%d.onnx" % (name, bn, opset or torch.onnx._constants.ONNX_DEFAULT_OPSET)
            doc = "gorn fixture %s (issue 12 row %d), bn=%s; see testdata/graphs/README.md" % (name, row, bn)
            m = finish(export(model, x, os.path.join(outdir, fname), bn, opset, outs, opts),
                       os.path.join(outdir, fname), doc)
            dyn = opts.get("dynamic")
            entries.append(entry(fname, m, outdir, x_file, x, outs, out_files, ys, argmax, margins, f32,
                                 kind="table", row=row, covers=ROWS[row], model=name, description=covers,
                                 bn=bn, dynamic_axes={str(k): v for k, v in dyn.items()} if dyn else None))
            print("%-34s %7d bytes  ops=%s" % (fname, entries[-1]["bytes"], entries[-1]["ops"]), flush=True)
    return entries


def fold_bn(model):
    """Folds every conv -> BN pair of a torchvision-structured ResNet in PyTorch."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    def fold(parent, conv_name, bn_name):
        conv, bn = getattr(parent, conv_name), getattr(parent, bn_name)
        setattr(parent, conv_name, fuse_conv_bn_eval(conv, bn))
        setattr(parent, bn_name, nn.Identity())

    fold(model, "conv1", "bn1")
    for mod in model.modules():
        if hasattr(mod, "conv2") and hasattr(mod, "bn2"):
            for i in (1, 2, 3):
                if hasattr(mod, "conv%d" % i):
                    fold(mod, "conv%d" % i, "bn%d" % i)
            if mod.downsample is not None:
                mod.downsample[0] = fuse_conv_bn_eval(mod.downsample[0], mod.downsample[1])
                mod.downsample[1] = nn.Identity()


def round_params(model, dtype):
    tdt = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float64": torch.float64}[dtype]
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(tdt).float())


def export_half(outdir):
    entries = []
    for name, (dtype, bn) in HALF.items():
        if ONLY and name not in ONLY:
            continue
        model, x, x2 = build("half", lambda: small_resnet(layers=(1, 1, 1), width=4), [1, 3, 32, 32])
        if bn == "fused":
            fold_bn(model)
        round_params(model, dtype)
        ys, y32 = reference(model, x)
        margins = check_outputs(name, ys, reference(model, x2)[0], [True])
        f32 = [rel_l2(y32[0].double().numpy(), ys[0].numpy())]
        x_file, out_files = save_io(outdir, name, x, ys, ["logits"])
        fname = name + ".onnx"
        m = export(model, x, os.path.join(outdir, fname), bn, 13, ["logits"], {"cast_to": dtype})
        m = finish(m, os.path.join(outdir, fname),
                   "gorn fixture %s (issue 12 row 10): %s initializers behind Cast(to=FLOAT)" % (name, dtype))
        entries.append(entry(fname, m, outdir, x_file, x, ["logits"], out_files, ys, [True], margins, f32,
                             kind="table", row=10, covers=ROWS[10], model=name, bn=bn, dynamic_axes=None,
                             description="torchvision basic-block ResNet (4/8/16, 32x32) with %s initializers; "
                                         "reference: PyTorch on the %s-rounded weights" % (dtype, dtype)))
        print("%-34s %7d bytes  initializers=%s" % (fname, entries[-1]["bytes"], entries[-1]["initializers"]))
    return entries


def op_input(shape, seed):
    """N(0, 1) plus a random offset per image and channel, so that pooled heads
    depend on the input."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g)
    return x + torch.randn(shape[:2] + [1, 1], generator=g)


def export_ops(outdir):
    entries = []
    for spec in graph_ops.OPS:
        name = spec["name"]
        if ONLY and name not in ONLY:
            continue
        seed = model_seed(name + spec.get("salt", ""))
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        x, x2 = op_input(spec["shape"], seed + 1), op_input(spec["shape"], seed + 2)
        outs = spec.get("outputs", ["output"])
        fname = name + ".onnx"
        path = os.path.join(outdir, fname)
        if "handmade" in spec:
            m, fn = spec["handmade"](x.shape, gen)
            ys, y32 = fn(x.double()), fn(x)
            ys_other = fn(x2.double())
            m.doc_string = "gorn operator fixture %s (written with onnx.helper)" % name
            onnx.save(m, path)
        else:
            model = spec["module"]()
            init_weights(model, gen, spec.get("gain", 1.0))
            randomize_bn(model, spec["shape"], gen)
            ys, y32 = reference(model, x)
            ys_other = reference(model, x2)[0]
            export(model, x, path, "none", spec["opset"], outs, {})
        argmax = spec.get("argmax", [False] * len(outs))
        margins = check_outputs(name, ys, ys_other, argmax)
        f32 = [rel_l2(a.double().numpy(), b.numpy()) for a, b in zip(y32, ys)]
        m = finish(onnx.load(path), path, "gorn operator fixture %s: %s" % (name, spec["covers"]))
        x_file, out_files = save_io(outdir, name, x, ys, outs)
        entries.append(entry(fname, m, outdir, x_file, x, outs, out_files, ys, argmax, margins, f32,
                             kind="op", row=None, covers=spec["covers"], model=name, bn="none",
                             dynamic_axes=None, description=spec.get("description", "")))
        print("%-34s %7d bytes  ops=%s" % (fname, entries[-1]["bytes"], entries[-1]["ops"]), flush=True)
    return entries


def trained_entries(outdir):
    """The trained models' entries, from train_graphs.py's trained.json (committed)."""
    path = os.path.join(OUT, "trained.json")
    if not os.path.exists(path):
        print("no trained.json: run scripts/train_graphs.py first")
        return []
    with open(path) as f:
        t = json.load(f)
    entries = []
    n = 32
    for mdl in t["models"]:
        m = onnx.load(os.path.join(OUT, mdl["file"]))
        entries.append({
            "file": mdl["file"],
            "input": {"name": "input", "shape": [n, 3, 32, 32], "dtype": "float32",
                      "file": t["heldout"]["inputs32"]},
            "outputs": [{"name": "logits", "shape": [n, 10], "dtype": "float64", "file": mdl["logits32"],
                         "argmax": True, "min_top2_margin": None, "f32_rel_l2_vs_f64": None}],
            "tolerance": {"rel_l2": TOL, "argmax": True},
            "kind": "trained", "row": 9 if "option-A" in mdl["description"] else 2,
            "covers": "really trained network outside torchvision's shapes (issue 12, How to show it works)",
            "model": mdl["name"], "description": mdl["description"], "bn": "fused",
            "dynamic_axes": {"0": "batch"},
            "heldout": {"images": t["heldout"]["images"], "labels": t["heldout"]["labels"],
                        "count": t["heldout"]["count"], "preprocess": t["preprocess"],
                        "logits": {"file": mdl["heldout_logits"], "shape": [t["heldout"]["count"], 10],
                                   "dtype": "float64"},
                        "predictions": mdl["predictions"], "accuracy": mdl["heldout_accuracy"]},
            "opset": m.opset_import[0].version, "ops": op_counts(m), "initializers": init_dtypes(m),
            "bytes": os.path.getsize(os.path.join(OUT, mdl["file"])),
        })
    return entries


def export_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    entries = export_table(outdir) + export_half(outdir) + export_ops(outdir) + trained_entries(outdir)
    manifest = {
        "format": 1,
        "about": "gorn graph-compiler fixtures (issue 12); see README.md. Inputs: raw little-endian "
                 "float32 NCHW; outputs: raw little-endian float64 row-major, PyTorch float64. Pass: "
                 "rel L2 <= tolerance.rel_l2 for every output and, where argmax, the same arg-max over "
                 "the last axis for every leading index. Paths are relative to this directory.",
        "torch": torch.__version__, "onnx": onnx.__version__,
        "fixtures": entries,
    }
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--check", action="store_true", help="export to a temp dir and compare with testdata/graphs")
    ap.add_argument("--large", action="store_true",
                    help="full-size table rows (224x224, ResNet-50-like depth) to testdata/large/graphs/ instead")
    ap.add_argument("names", nargs="*", help="export only these (no manifest; for development)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.large:
        out = args.out if args.out != OUT else os.path.join(OUT, "..", "large", "graphs")
        os.makedirs(out, exist_ok=True)
        ONLY.update(args.names)
        manifest = {"format": 1, "about": "full-size versions of testdata/graphs' table rows (export_graphs.py "
                    "--large); same format as testdata/graphs/manifest.json",
                    "torch": torch.__version__, "onnx": onnx.__version__,
                    "fixtures": export_table(out, large=True)}
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        return
    if args.names:
        ONLY.update(args.names)
        os.makedirs(args.out, exist_ok=True)
        export_table(args.out), export_half(args.out), export_ops(args.out)
        return
    if not args.check:
        export_all(args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        export_all(tmp)
        files = sorted(os.listdir(tmp))
        _, mismatch, errors = filecmp.cmpfiles(args.out, tmp, files, shallow=False)
        stale = sorted(f for f in os.listdir(args.out)
                       if f not in files and not f.startswith("trained") and f != "README.md")
    if mismatch or errors or stale:
        raise SystemExit("testdata/graphs differs: changed %s, missing %s, not generated %s"
                         % (mismatch, errors, stale))
    print("testdata/graphs is up to date (%d files)" % len(files))


if __name__ == "__main__":
    main()
