#!/usr/bin/python3
"""Exports gorn's small reference models (testdata/*.safetensors, made by
gen_fixtures.py) to ONNX in testdata/onnx/, for the ONNX importer's tests.

Run from the repository root after gen_fixtures.py (deterministic):

    /usr/bin/python3 scripts/export_onnx.py            # testdata/onnx/*.onnx + manifest.json
    /usr/bin/python3 scripts/export_onnx.py --check    # export to a temp dir and compare
    /usr/bin/python3 scripts/export_onnx.py --large    # full-size torchvision models to
                                                       # testdata/large/ (not committed, ~3.4 GB)

Each small export loads the fixture's weights, so the ONNX file and
testdata/<model>.safetensors hold the same network. Variants:
  bn=fused  torch.onnx.export's default eval export: Conv+BN folded by the exporter
            (pre-activation BNs of v2 models, which follow no conv, stay
            BatchNormalization nodes)
  bn=kept   training=torch.onnx.TrainingMode.PRESERVE on an eval() model: every
            BatchNormalization node kept, in inference mode
  batch=1        static input [1, 3, H, W]
  batch=dynamic  input and output dim 0 named "batch"
Opsets vary between 9 and 17 (the most torch 1.13 exports). Input "input", output
"logits". testdata/onnx/manifest.json lists every file with its fixture; the
expected logits are that fixture's __expected__ (float64 torch) for its
__input__: all N images for dynamic-batch files, the first image for batch-1 files.

--large exports torchvision resnet18/34/50/101/152, wide_resnet50_2 and
resnext50_32x4d, and full-size pre-activation models preact_resnet18_v2 and
preact_resnet50_v2 (resnets.py), with random weights and random BN statistics,
each fused and kept, dynamic batch, opset 17, next to testdata/large/<name>.safetensors
(state dict + [4, 3, 224, 224] __input__ + float64 __expected__, as the small
fixtures) and <name>.json.
"""

import argparse
import filecmp
import json
import os
import sys
import tempfile

import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures  # noqa: E402
import resnets  # noqa: E402
import st_io  # noqa: E402

TESTDATA = os.path.join(HERE, "..", "testdata")

# (fixture, bn, batch, opset): every combination of fused/kept and static/dynamic
# appears, over all architectures, at a spread of opsets.
EXPORTS = [
    ("resnet18_w4", "fused", "1", 17),
    ("resnet18_w4", "kept", "1", 13),
    ("bottleneck_v15_w4", "fused", "dynamic", 17),
    ("bottleneck_v15_w4", "kept", "1", 15),
    ("bottleneck_v1_w4", "fused", "1", 9),
    ("preact18_w4", "fused", "1", 17),
    ("preact18_w4", "kept", "dynamic", 14),
    ("preact_bottleneck_w4", "fused", "dynamic", 12),
    ("preact_bottleneck_w4", "kept", "1", 17),
    ("resnext_g4_w4", "fused", "1", 17),
    ("resnext_g4_w4", "kept", "dynamic", 13),
    ("wide_w4", "fused", "dynamic", 16),
    ("wide_w4", "kept", "1", 11),
]


def load_fixture(name):
    """The fixture's model (eval, float32) with its committed weights, and its tensors."""
    tensors, meta = st_io.load(os.path.join(TESTDATA, name + ".safetensors"))
    arch = json.loads(meta["gorn.arch"])
    model = resnets.ResNet(arch)
    sd = {k: v for k, v in tensors.items() if not k.startswith("__")}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise SystemExit("%s: state dict mismatch: missing %s unexpected %s" % (name, missing, unexpected))
    return model.eval(), tensors


def export(model, x, path, bn, dynamic, opset, doc):
    kw = {}
    if bn == "kept":
        kw["training"] = torch.onnx.TrainingMode.PRESERVE
        kw["do_constant_folding"] = False
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"],
                      opset_version=opset, **kw)
    m = onnx.load(path)
    m.doc_string = doc
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def op_counts(m):
    counts = {}
    for n in m.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return dict(sorted(counts.items()))


def export_small(outdir):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for name, bn, batch, opset in EXPORTS:
        model, tensors = load_fixture(name)
        x = tensors["__input__"]
        dynamic = batch == "dynamic"
        if not dynamic:
            x = x[:1]
        fname = "%s_%s_%s.onnx" % (name, bn, "dyn" if dynamic else "b1")
        doc = "gorn fixture %s, bn=%s, batch=%s, opset=%d; see testdata/onnx/README.md" % (name, bn, batch, opset)
        m = export(model, x, os.path.join(outdir, fname), bn, dynamic, opset, doc)
        # The export must compute what the fixture says (checked in float64 torch
        # here; bench/ort/verify.js checks the ONNX files with ONNX Runtime).
        with torch.no_grad():
            y = model.double()(x.double())
        exp = tensors["__expected__"][: x.shape[0]]
        rel = float((y - exp).norm() / exp.norm())
        if rel > 1e-12:
            raise SystemExit("%s: model disagrees with its fixture (rel %g)" % (fname, rel))
        entry = {
            "file": fname, "fixture": name + ".safetensors", "bn": bn, "batch": batch,
            "opset": opset, "input": "__input__", "expected": "__expected__",
            "images": int(x.shape[0]), "ops": op_counts(m),
            "bytes": os.path.getsize(os.path.join(outdir, fname)),
        }
        manifest.append(entry)
        print("%-40s %7d bytes  ops=%s" % (fname, entry["bytes"], entry["ops"]))
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


LARGE = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
         "wide_resnet50_2", "resnext50_32x4d", "preact_resnet18_v2", "preact_resnet50_v2"]

# Full-size pre-activation models (scripts/resnets.py naming), torchvision has none.
LARGE_V2 = {
    "preact_resnet18_v2": dict(block="basic", version="v2", layers=[2, 2, 2, 2], width=64,
                               groups=1, width_per_group=64, classes=1000),
    "preact_resnet50_v2": dict(block="bottleneck", version="v2", layers=[3, 4, 6, 3], width=64,
                               groups=1, width_per_group=64, classes=1000),
}

TORCHVISION = {  # name -> (block, layers, groups, width_per_group)
    "resnet18": ("basic", [2, 2, 2, 2], 1, 64), "resnet34": ("basic", [3, 4, 6, 3], 1, 64),
    "resnet50": ("bottleneck", [3, 4, 6, 3], 1, 64), "resnet101": ("bottleneck", [3, 4, 23, 3], 1, 64),
    "resnet152": ("bottleneck", [3, 8, 36, 3], 1, 64),
    "wide_resnet50_2": ("bottleneck", [3, 4, 6, 3], 1, 128),
    "resnext50_32x4d": ("bottleneck", [3, 4, 6, 3], 32, 4),
}


def large_model(name):
    """(model, arch) for a full-size model name."""
    if name in LARGE_V2:
        arch = dict(LARGE_V2[name])
        return resnets.ResNet(arch), arch
    import torchvision

    block, layers, groups, wpg = TORCHVISION[name]
    arch = dict(block=block, version="v1.5", layers=layers, width=64, groups=groups,
                width_per_group=wpg, classes=1000)
    return getattr(torchvision.models, name)(), arch


def export_large(outdir, names):
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        if name not in LARGE:
            raise SystemExit("unknown model %r (want one of %s)" % (name, ", ".join(LARGE)))
        seed = gen_fixtures.SEED + LARGE.index(name)
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model, arch = large_model(name)
        gen_fixtures.randomize_bn(model, [4, 3, 224, 224], gen)
        x = torch.randn([4, 3, 224, 224], generator=gen)
        with torch.no_grad():
            y = model.double()(x.double())
            model.float()
        arch.update(name=name, input_shape=list(x.shape))
        arch.update(resnets.derived(arch))
        tensors = gen_fixtures.state_dict(model)
        tensors["__input__"] = x
        tensors["__expected__"] = y
        st_io.save(os.path.join(outdir, name + ".safetensors"), tensors,
                   {"gorn.arch": json.dumps(arch, sort_keys=True)})
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            json.dump(arch, f, indent=1, sort_keys=True)
            f.write("\n")
        for bn in ("fused", "kept"):
            path = os.path.join(outdir, "%s_%s_dyn.onnx" % (name, bn))
            export(model, x[:1], path, bn, True, 17, "%s, random weights and BN stats" % name)
            print(path, os.path.getsize(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", action="store_true", help="export full-size torchvision models instead")
    ap.add_argument("--out", help="output directory (default testdata/onnx or testdata/large)")
    ap.add_argument("--check", action="store_true", help="export to a temp dir and compare with testdata/onnx")
    ap.add_argument("names", nargs="*", help="with --large: which models (default all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.large:
        export_large(args.out or os.path.join(TESTDATA, "large"), args.names or LARGE)
    elif args.check:
        tmp = tempfile.mkdtemp()
        export_small(tmp)
        files = ["%s_%s_%s.onnx" % (n, bn, "dyn" if b == "dynamic" else "b1") for n, bn, b, _ in EXPORTS]
        _, mismatch, errors = filecmp.cmpfiles(os.path.join(TESTDATA, "onnx"), tmp,
                                               files + ["manifest.json"], shallow=False)
        if mismatch or errors:
            raise SystemExit("differ from committed: %s" % (mismatch + errors))
        print("testdata/onnx is up to date")
    else:
        export_small(args.out or os.path.join(TESTDATA, "onnx"))


if __name__ == "__main__":
    main()
