#!/usr/bin/python3
"""Trains two small ResNets outside torchvision's shapes on the digits data of
train_digits.py and exports them the way users do, for gorn's graph compiler
(issue 12, "Really trained networks"):

  cifar_resnet8_a   He et al.'s CIFAR ResNet-8 (n=1, widths 16/32/64) with option-A
                    shortcuts (x[:, :, ::2, ::2] then F.pad of channels) and the
                    x.view(x.size(0), -1) flatten (graph_models.CifarResNet)
  se_resnet8        a CIFAR-style SE-ResNet (basic blocks, SE as AdaptiveAvgPool2d ->
                    view -> Linear -> ReLU -> Linear -> Sigmoid -> view -> Mul,
                    projection 1x1 conv + BN; graph_models.CifarSEResNet)

Run from the repository root (deterministic: fixed seeds, one torch thread,
deterministic algorithms; a few minutes on one core):

    /usr/bin/python3 scripts/train_graphs.py            # writes testdata/graphs/trained_*
    /usr/bin/python3 scripts/train_graphs.py -check     # retrains in a temp dir, compares bytes

Data, split and preprocessing are train_digits.py's (imported): sklearn's 8x8
digits upscaled to 32x32, 1437 training and 360 held-out images (the PNGs in
testdata/digits/heldout/), ImageNet mean/std normalisation. Training: AdamW, a
one-cycle schedule, batch 64, random shifts of up to 2 pixels.

Export: raw torch.onnx.export(model, x, path, input_names=["input"],
output_names=["logits"], dynamic_axes={batch}) with the default opset (14 in
torch 1.13) and the default constant folding, which leaves the Shape/Gather/
ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast subgraphs in.

Outputs in testdata/graphs/:
    trained_<name>.onnx                 the model
    trained_<name>.heldout_logits.f64   float64 PyTorch logits of all 360 held-out
                                        images, little-endian (360, 10)
    trained_<name>.logits32.f64         the first 32 rows: the logits of
                                        testdata/digits/heldout_inputs.f32
    trained.json                        per model: accuracy, predictions, labels,
                                        files; export_graphs.py copies these entries
                                        into manifest.json
"""

import argparse
import json
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import graph_models as gm  # noqa: E402
import train_digits as td  # noqa: E402

ROOT = os.path.join(HERE, "..")
DIGITS = os.path.join(ROOT, "testdata", "digits")
BATCH = 64

# name -> (constructor, epochs, seed, description)
MODELS = {
    "cifar_resnet8_a": (lambda: gm.CifarResNet(n=1, width=16), 30, 1,
                        "CIFAR ResNet-8 (He et al. 2016, n=1, widths 16/32/64), option-A shortcuts, "
                        "x.view(x.size(0), -1) flatten"),
    "se_resnet8": (lambda: gm.CifarSEResNet(n=1, width=16), 30, 2,
                   "CIFAR-style SE-ResNet-8 (basic blocks, widths 16/32/64, SE reduction 4 with "
                   "Linear layers and view), 1x1 conv + BN projections"),
}


def data():
    d = load_digits()
    tr_i, te_i = train_test_split(np.arange(len(d.target)), test_size=0.2,
                                  random_state=td.SEED, stratify=d.target)
    pixels = td.to_pixels(d.images)
    x_tr, y_tr = td.to_input(pixels[tr_i]), torch.from_numpy(d.target[tr_i]).long()
    x_te, y_te = td.to_input(pixels[te_i]), d.target[te_i]
    check_heldout(x_te, y_te)
    return x_tr, y_tr, x_te, y_te


def check_heldout(x_te, y_te):
    """The held-out inputs must be exactly what the committed PNGs and
    heldout_inputs.f32 give, so gorn can test from either."""
    raw = np.fromfile(os.path.join(DIGITS, "heldout_inputs.f32"), dtype="<f4")
    if raw.tobytes() != x_te[:td.RAW_INPUTS].numpy().astype("<f4").tobytes():
        raise SystemExit("testdata/digits/heldout_inputs.f32 differs from the held-out inputs")
    with open(os.path.join(DIGITS, "heldout", "labels.txt")) as f:
        lines = [ln.split() for ln in f.read().splitlines()]
    pix = np.stack([np.asarray(Image.open(os.path.join(DIGITS, "heldout", n))) for n, _ in lines])
    if [int(y) for _, y in lines] != [int(v) for v in y_te]:
        raise SystemExit("heldout/labels.txt differs from the split")
    if not torch.equal(td.to_input(pix), x_te):
        raise SystemExit("inputs made from heldout/*.png differ from the held-out inputs")


def train(model, x, y, epochs, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            loss = F.cross_entropy(model(td.shift(x[idx], gen)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % 10 == 0:
            print(f"  epoch {epoch + 1}: loss {total / len(x):.4f}", flush=True)


def export(model, path, doc):
    import onnx
    torch.onnx.export(model, torch.zeros(1, 3, td.SIZE, td.SIZE), path, input_names=["input"],
                      output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.doc_string = doc
    onnx.save(m, path)
    return m


def run(name, out, split):
    make, epochs, seed, desc = MODELS[name]
    x_tr, y_tr, x_te, y_te = split
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = make()
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, {epochs} epochs", flush=True)
    train(model, x_tr, y_tr, epochs, seed)
    model.eval()
    with torch.no_grad():
        pred = model(x_te).argmax(1).numpy()
        logits64 = model.double()(x_te.double()).numpy()
        model.float()
    if not (logits64.argmax(1) == pred).all():
        raise SystemExit(f"{name}: float32 and float64 predictions differ")
    acc = float((pred == y_te).mean())
    top2 = np.sort(logits64, axis=1)[:, -2:]
    margin = float((top2[:, 1] - top2[:, 0]).min())
    fname = f"trained_{name}.onnx"
    m = export(model, os.path.join(out, fname),
               f"gorn fixture trained_{name}: {desc}; trained on sklearn digits, see testdata/graphs/README.md")
    logits64.astype("<f8").tofile(os.path.join(out, f"trained_{name}.heldout_logits.f64"))
    logits64[:td.RAW_INPUTS].astype("<f8").tofile(os.path.join(out, f"trained_{name}.logits32.f64"))
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"  held-out accuracy {acc:.4f} ({int((pred == y_te).sum())}/{len(y_te)}), "
          f"min top-2 margin {margin:.3f}", flush=True)
    return {
        "name": "trained_" + name, "description": desc, "epochs": epochs, "seed": seed,
        "params": sum(p.numel() for p in model.parameters()),
        "file": fname, "opset": m.opset_import[0].version, "ops": dict(sorted(ops.items())),
        "heldout_accuracy": acc, "heldout_correct": int((pred == y_te).sum()),
        "min_top2_margin": margin,
        "logits32": f"trained_{name}.logits32.f64",
        "heldout_logits": f"trained_{name}.heldout_logits.f64",
        "predictions": [int(v) for v in pred],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-out", default=os.path.join(ROOT, "testdata", "graphs"))
    ap.add_argument("-check", action="store_true", help="retrain in a temp dir and compare with -out")
    ap.add_argument("names", nargs="*", help="models (default all)")
    args = ap.parse_args()
    if args.check:
        check(args.out)
        return
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    split = data()
    summary = {
        "split": "train_digits.py's: sklearn train_test_split(test_size=0.2, random_state=0, stratify=target)",
        "heldout": {"images": "../digits/heldout", "labels": "../digits/heldout/labels.txt",
                    "inputs32": "../digits/heldout_inputs.f32", "count": len(split[3])},
        "preprocess": {"size": td.SIZE, "mean": td.MEAN, "std": td.STD,
                       "input": "grey PNG / 255, replicated to 3 channels, (x - mean) / std, float32 NCHW"},
        "labels": [int(v) for v in split[3]],
        "torch": torch.__version__,
        "models": [run(n, args.out, split) for n in (args.names or MODELS)],
    }
    with open(os.path.join(args.out, "trained.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")


def check(want):
    import filecmp
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "-out", tmp], check=True)
        bad = [f for f in sorted(os.listdir(tmp))
               if not filecmp.cmp(os.path.join(tmp, f), os.path.join(want, f), shallow=False)]
    if bad:
        sys.exit(f"differ from {want}: {', '.join(bad)}")
    print(f"{want}: trained models identical")


if __name__ == "__main__":
    main()
