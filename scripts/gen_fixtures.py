#!/usr/bin/python3
"""Generates gorn's PyTorch reference fixtures in testdata/.

Run from the repository root (deterministic; rewrites the same bytes):

    /usr/bin/python3 scripts/gen_fixtures.py            # all fixtures
    /usr/bin/python3 scripts/gen_fixtures.py --check    # regenerate in a temp dir, diff

Needs Debian's python3-torch (1.13) and python3-torchvision (0.14).

For each model in MODELS it writes
  testdata/<name>.safetensors  the state dict in F32 with torchvision's key names
                               (num_batches_tracked dropped), plus
                               __input__    F32 [N, 3, H, W]  (NCHW)
                               __expected__ F64 [N, classes]  logits of model.double()
                               and __metadata__ {"gorn.arch": <the JSON below>}
  testdata/<name>.json         the architecture (see scripts/resnets.py for the
                               fields and the v2 key names) and derived channel counts

BatchNorm layers get random weight and bias, and random running statistics:
first calibrated on random inputs (so activations keep a sane scale through
the depth), then perturbed per channel (mean shifted, variance scaled by
0.5..2), so that BN folding is really exercised. eps is 1e-5.
"""

import argparse
import filecmp
import json
import os
import sys
import tempfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnets  # noqa: E402
import st_io  # noqa: E402

SEED = 20240611

# name -> architecture. Widths are small so each fixture stays well under 1 MB.
MODELS = {
    # resnet18-shaped: BasicBlock [2,2,2,2], 64x64, batch 2.
    "resnet18_w4": dict(block="basic", version="v1.5", layers=[2, 2, 2, 2], width=4,
                        groups=1, width_per_group=64, classes=10, input_shape=[2, 3, 64, 64]),
    # torchvision Bottleneck (v1.5: stride on the 3x3), resnet50-shaped stages.
    "bottleneck_v15_w4": dict(block="bottleneck", version="v1.5", layers=[2, 2, 2, 2], width=4,
                              groups=1, width_per_group=64, classes=7, input_shape=[1, 3, 64, 64]),
    # The same weights as bottleneck_v15_w4, with the stride on the first 1x1 (v1).
    "bottleneck_v1_w4": dict(block="bottleneck", version="v1", layers=[2, 2, 2, 2], width=4,
                             groups=1, width_per_group=64, classes=7, input_shape=[1, 3, 64, 64],
                             seed_of="bottleneck_v15_w4"),
    # Pre-activation (v2) basic blocks, batch 4.
    "preact18_w4": dict(block="basic", version="v2", layers=[2, 2, 2, 2], width=4,
                        groups=1, width_per_group=64, classes=10, input_shape=[4, 3, 56, 56]),
    # Pre-activation (v2) bottlenecks, odd non-square input, batch 3.
    "preact_bottleneck_w4": dict(block="bottleneck", version="v2", layers=[1, 1, 1, 1], width=4,
                                 groups=1, width_per_group=64, classes=5, input_shape=[3, 3, 45, 37]),
    # ResNeXt-style: grouped 3x3 (4 groups, 2..16 channels per group).
    "resnext_g4_w4": dict(block="bottleneck", version="v1.5", layers=[1, 1, 1, 1], width=4,
                          groups=4, width_per_group=32, classes=10, input_shape=[2, 3, 48, 48]),
    # Wide: width_per_group 128 (2x the inner width, like wide_resnet50_2).
    "wide_w4": dict(block="bottleneck", version="v1.5", layers=[1, 1, 1, 1], width=4,
                    groups=1, width_per_group=128, classes=10, input_shape=[4, 3, 48, 48]),
}


def model_seed(name):
    """A seed per model, stable whatever the order or subset generated."""
    return SEED + sum(ord(c) * (i + 1) for i, c in enumerate(name))


def randomize_bn(model, shape, gen):
    """Random BN affine parameters, then running statistics calibrated on
    random inputs and perturbed per channel."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            c = bn.num_features
            sign = 1.0 - 2.0 * (torch.rand(c, generator=gen) < 0.15).float()
            bn.weight.copy_(sign * (0.5 + torch.rand(c, generator=gen)))
            bn.bias.copy_(0.3 * torch.randn(c, generator=gen))
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        model.train()
        for _ in range(4):
            model(torch.randn([8] + shape[1:], generator=gen))
        for bn in bns:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.3 * std * torch.randn(c, generator=gen))
            bn.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=gen))
            bn.momentum = 0.1
    model.eval()


def build(name):
    """Returns (model in eval mode with random weights and BN stats, input)."""
    arch = MODELS[name]
    if "seed_of" in arch:  # same weights and input as another fixture
        src, x = build(arch["seed_of"])
        model = resnets.ResNet(arch)
        model.load_state_dict(src.state_dict())
        return model.eval(), x
    seed = model_seed(name)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = resnets.ResNet(arch)
    with torch.no_grad():
        model.fc.weight.normal_(0, (2.0 / model.fc.in_features) ** 0.5, generator=gen)
        model.fc.bias.normal_(0, 0.1, generator=gen)
    randomize_bn(model, arch["input_shape"], gen)
    x = torch.randn(arch["input_shape"], generator=torch.Generator().manual_seed(seed + 1))
    return model, x


def state_dict(model):
    """torchvision key names, num_batches_tracked dropped, F32."""
    return {k: v.detach().float().contiguous() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def expected(model, x):
    """Logits of the float64 model, and of the float32 one (for information)."""
    with torch.no_grad():
        y32 = model(x)
        y64 = model.double()(x.double())
        model.float()
    return y64, y32


def sidecar(name):
    arch = {k: v for k, v in MODELS[name].items() if k != "seed_of"}
    arch["name"] = name
    arch.update(resnets.derived(arch))
    return arch


def write_fixture(name, outdir):
    model, x = build(name)
    y64, y32 = expected(model, x)
    rel = float((y32.double() - y64).norm() / y64.norm())
    tensors = state_dict(model)
    tensors["__input__"] = x.float()
    tensors["__expected__"] = y64
    arch = sidecar(name)
    st_io.save(os.path.join(outdir, name + ".safetensors"), tensors,
               {"gorn.arch": json.dumps(arch, sort_keys=True)})
    arch["params"] = sum(v.numel() for k, v in tensors.items() if not k.startswith("__"))
    arch["f32_rel_l2_vs_f64"] = float("%.3g" % rel)
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(arch, f, indent=1, sort_keys=True)
        f.write("\n")
    return arch, y64


def write_dtypes(outdir):
    """testdata/dtypes.safetensors: the same values in F32, F64, F16 and BF16
    (torch's own conversions), special values included, for the Go reader's
    conversion tests. <dtype> holds the values in that dtype, <dtype>_as_f64
    holds them converted to F64 by torch."""
    gen = torch.Generator().manual_seed(SEED)
    v = torch.cat([
        torch.tensor([0.0, -0.0, 1.0, -2.0, 0.5, 65504.0, 6.1035156e-05, 5.9604645e-08,
                      3.0e-08, 1.0e-10, 70000.0, 3.0e38, 1.0e-40,
                      float("inf"), float("-inf"), float("nan")], dtype=torch.float64),
        torch.randn(48, dtype=torch.float64, generator=gen) * 100,
    ]).reshape(4, 16)
    tensors = {}
    for dt, st in ((torch.float64, "f64"), (torch.float32, "f32"),
                   (torch.float16, "f16"), (torch.bfloat16, "bf16")):
        t = v.to(dt)
        tensors[st] = t
        tensors[st + "_as_f64"] = t.double()
    st_io.save(os.path.join(outdir, "dtypes.safetensors"), tensors, {"source": "gen_fixtures.py"})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    ap.add_argument("names", nargs="*", help="models to generate (default all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = args.names or list(MODELS)
    outdir = tempfile.mkdtemp() if args.check else args.out
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        arch, y = write_fixture(name, outdir)
        print("%-22s params=%-7d f32_vs_f64=%.2g logits[0,:4]=%s" % (
            name, arch["params"], arch["f32_rel_l2_vs_f64"], [round(float(a), 4) for a in y[0, :4]]))
    write_dtypes(outdir)
    if args.check:
        files = [n + ext for n in names for ext in (".safetensors", ".json")] + ["dtypes.safetensors"]
        _, mismatch, errors = filecmp.cmpfiles(args.out, outdir, files, shallow=False)
        if mismatch or errors:
            print("differ from committed:", mismatch + errors)
            sys.exit(1)
        print("fixtures are up to date")


if __name__ == "__main__":
    main()
