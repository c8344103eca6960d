#!/usr/bin/python3
"""Exports full-size torchvision ResNets (random weights, eval mode, opset 17)
to bench/ort/models/ for the ONNX Runtime peer benchmark (bench/ort/bench.js).
The directory is git-ignored: ResNet-50 is ~100 MB.

    /usr/bin/python3 scripts/export_bench_models.py                 # resnet18, resnet50
    /usr/bin/python3 scripts/export_bench_models.py resnet50 --dynamic

Writes <name>.onnx (static input [1, 3, 224, 224]) and, with --dynamic, also
<name>_dyn.onnx (batch dim named "batch", for bench.js --batch > 1). The export
is the default eval export (BatchNorm folded into the convolutions), which is
what users deploy. Weights are torchvision's default initialisation with
random BatchNorm statistics (gen_fixtures.randomize_bn), so activations have a
realistic scale and no denormals. Deterministic (fixed seed).
"""

import argparse
import os
import sys

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures  # noqa: E402

MODELS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
          "wide_resnet50_2", "resnext50_32x4d"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", default=["resnet18", "resnet50"], help="of " + ", ".join(MODELS))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "bench", "ort", "models"))
    ap.add_argument("--dynamic", action="store_true", help="also write <name>_dyn.onnx with a dynamic batch")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    for name in args.names:
        if name not in MODELS:
            raise SystemExit("unknown model %r (want one of %s)" % (name, ", ".join(MODELS)))
        torch.manual_seed(gen_fixtures.SEED)
        gen = torch.Generator().manual_seed(gen_fixtures.SEED)
        model = getattr(torchvision.models, name)()
        gen_fixtures.randomize_bn(model, [2, 3, 224, 224], gen)
        x = torch.randn(1, 3, 224, 224, generator=gen)
        variants = [(name + ".onnx", None)]
        if args.dynamic:
            variants.append((name + "_dyn.onnx", {"input": {0: "batch"}, "logits": {0: "batch"}}))
        for fname, dyn in variants:
            path = os.path.join(args.out, fname)
            torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"],
                              opset_version=17, dynamic_axes=dyn)
            print("%s %.1f MB" % (path, os.path.getsize(path) / 1e6))


if __name__ == "__main__":
    main()
