#!/usr/bin/python3
"""Train gorn's demo model: a compact torchvision ResNet on sklearn's 8x8 digits.

Run from the repository root with Debian's PyTorch (python3-torch 1.13,
python3-torchvision, python3-sklearn, python3-onnx, python3-pil):

    /usr/bin/python3 scripts/train_digits.py            # writes testdata/digits/
    /usr/bin/python3 scripts/train_digits.py -out DIR   # somewhere else
    /usr/bin/python3 scripts/train_digits.py -check     # retrain in a temporary
                                                        # directory, compare bytes

It is deterministic: seeds are fixed, PyTorch runs single-threaded with
deterministic algorithms, and the train/held-out split is fixed, so a rerun on
the same machine and library versions rewrites byte-identical files (other
CPUs or versions may differ in the last bits of the weights).

Data: sklearn.datasets.load_digits (1797 images of 8x8 pixels, values 0..16,
10 classes), split 80/20 stratified with random_state=0 into 1437 training
and 360 held-out images.

Preprocessing (what `gorn classify -resize 32 -crop 32` reproduces from the
PNG files): each 8x8 image is upscaled to 32x32 bilinearly (align_corners
False), mapped to 8-bit grey as round(255 - v*255/16) (dark ink on white),
and stored as a greyscale PNG. The network input is that PNG: grey replicated
to 3 channels, scaled to [0,1], normalised with the ImageNet mean and std,
NCHW float32 of shape (N, 3, 32, 32).

Model: torchvision.models.resnet.ResNet with BasicBlock, layers [1,1,1,1],
10 classes, with the channel widths 64/128/256/512 scaled down to
WIDTH/2W/4W/8W. Module names, the stem (7x7/2 conv, BN, ReLU, 3x3/2 max
pool), blocks and forward are torchvision's own, so the exported graph is a
standard torchvision ResNet (gorn's resnet.Arch{Block: Basic,
Layers: {1,1,1,1}, Width: WIDTH, Classes: 10}).

Outputs in testdata/digits/:
    digits_resnet.onnx    the model, opset 17, eval mode, dynamic batch;
                          input "input" (N,3,32,32), output "logits" (N,10)
    heldout/NNNN.png      the 360 held-out images (32x32 8-bit grey)
    heldout/labels.txt    "NNNN.png LABEL" per line
    heldout_inputs.f32    the first 32 held-out inputs, raw little-endian
                          float32 NCHW (32,3,32,32), for `gorn run`
    heldout_logits.f64    PyTorch's float64 logits for all 360 held-out
                          inputs, raw little-endian float64 (360,10)
    pytorch.json          held-out accuracy, per-sample labels and predicted
                          classes (float32 eval model), preprocessing, files
"""

import argparse
import json
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torchvision.models.resnet import BasicBlock, ResNet

SEED = 0
WIDTH = 8
SIZE = 32
EPOCHS = 60
BATCH = 64
RAW_INPUTS = 32  # held-out inputs stored as raw float32
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class SmallResNet(ResNet):
    """torchvision's ResNet with the stage widths scaled to width*(1,2,4,8).

    torchvision hard-codes 64/128/256/512 channels for BasicBlock networks,
    so this re-runs its constructor's layer building with a smaller width
    and keeps everything else (names, initialisation, forward) as is.
    """

    def __init__(self, layers, width, num_classes):
        super().__init__(BasicBlock, layers, num_classes=num_classes)
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = self._norm_layer(width)
        self.layer1 = self._make_layer(BasicBlock, width, layers[0])
        self.layer2 = self._make_layer(BasicBlock, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(BasicBlock, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(BasicBlock, 8 * width, layers[3], stride=2)
        self.fc = nn.Linear(8 * width, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)


def to_pixels(images8):
    """8x8 digits (values 0..16) -> uint8 grey (N, SIZE, SIZE), dark ink on white."""
    x = torch.from_numpy(images8.astype(np.float32)).unsqueeze(1)
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    grey = torch.round(255.0 - x * (255.0 / 16.0)).clamp(0, 255)
    return grey.squeeze(1).numpy().astype(np.uint8)


def to_input(pixels):
    """uint8 grey (N, H, W) -> normalised float32 NCHW (N, 3, H, W)."""
    x = torch.from_numpy(pixels).to(torch.float32).div(255.0)
    x = x.unsqueeze(1).expand(-1, 3, -1, -1)
    mean = torch.tensor(MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def train(model, x, y):
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = EPOCHS * ((len(x) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            xb = shift(x[idx], gen)
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1}: loss {total / len(x):.4f}")


def shift(xb, gen):
    """Random translation by up to 2 pixels (augmentation), edge-replicated."""
    dy, dx = torch.randint(-2, 3, (2,), generator=gen).tolist()
    xb = F.pad(xb, (2, 2, 2, 2), mode="replicate")
    return xb[:, :, 2 + dy:2 + dy + SIZE, 2 + dx:2 + dx + SIZE]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-out", default=os.path.join("testdata", "digits"))
    ap.add_argument("-check", action="store_true",
                    help="train into a temporary directory and compare with -out")
    args = ap.parse_args()
    if args.check:
        check(args.out)
        return

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    d = load_digits()
    tr_i, te_i = train_test_split(np.arange(len(d.target)), test_size=0.2,
                                  random_state=SEED, stratify=d.target)
    pixels = to_pixels(d.images)
    x_tr, y_tr = to_input(pixels[tr_i]), torch.from_numpy(d.target[tr_i]).long()
    x_te, y_te = to_input(pixels[te_i]), d.target[te_i]

    model = SmallResNet([1, 1, 1, 1], WIDTH, 10)
    train(model, x_tr, y_tr)
    model.eval()
    with torch.no_grad():
        logits32 = model(x_te)
        logits64 = model.double()(x_te.double()).numpy()
        model.float()
    pred = logits32.argmax(1).numpy()
    acc = float((pred == y_te).mean())
    print(f"held-out accuracy: {acc:.4f} ({int((pred == y_te).sum())}/{len(y_te)})")
    assert (logits64.argmax(1) == pred).all(), "float32 and float64 predictions differ"
    top2 = np.sort(logits64, axis=1)[:, -2:]
    margin = float((top2[:, 1] - top2[:, 0]).min())

    os.makedirs(os.path.join(args.out, "heldout"), exist_ok=True)
    path = os.path.join(args.out, "digits_resnet.onnx")
    export(model, path)
    names = write_heldout(args.out, pixels[te_i], y_te)
    x_te[:RAW_INPUTS].numpy().astype("<f4").tofile(os.path.join(args.out, "heldout_inputs.f32"))
    logits64.astype("<f8").tofile(os.path.join(args.out, "heldout_logits.f64"))
    summary = {
        "model": "digits_resnet.onnx",
        "arch": {"block": "basic", "layers": [1, 1, 1, 1], "width": WIDTH, "classes": 10},
        "params": sum(p.numel() for p in model.parameters()),
        "seed": SEED,
        "split": "sklearn train_test_split(test_size=0.2, random_state=0, stratify=target)",
        "train_samples": len(tr_i),
        "heldout_samples": len(te_i),
        "heldout_accuracy": acc,
        "heldout_correct": int((pred == y_te).sum()),
        "min_top2_margin": margin,
        "preprocess": {"size": SIZE, "resize": SIZE, "crop": SIZE, "mean": MEAN, "std": STD,
                       "pixel": "round(255 - v*255/16) after bilinear 8x8->32x32 upscaling"},
        "files": names,
        "labels": [int(v) for v in y_te],
        "predictions": [int(v) for v in pred],
        "dataset_index": [int(v) for v in te_i],
        "inputs_f32": {"file": "heldout_inputs.f32", "shape": [RAW_INPUTS, 3, SIZE, SIZE]},
        "logits_f64": {"file": "heldout_logits.f64", "shape": [len(te_i), 10]},
        "torch": torch.__version__,
    }
    with open(os.path.join(args.out, "pytorch.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes), min top-2 margin {margin:.3f}")


def export(model, path):
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(model, dummy, path, opset_version=17, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    import onnx  # checks the file and records the preprocessing as metadata
    m = onnx.load(path)
    onnx.checker.check_model(m)
    meta = {"gorn.preprocess.resize": str(SIZE), "gorn.preprocess.crop": str(SIZE),
            "gorn.preprocess.mean": ",".join(map(str, MEAN)),
            "gorn.preprocess.std": ",".join(map(str, STD)),
            "gorn.labels": ",".join(str(i) for i in range(10))}
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.save(m, path)


def write_heldout(out, pixels, labels):
    names = []
    with open(os.path.join(out, "heldout", "labels.txt"), "w") as f:
        for i, (p, y) in enumerate(zip(pixels, labels)):
            name = f"{i:04d}.png"
            Image.fromarray(p, mode="L").save(os.path.join(out, "heldout", name), optimize=True)
            f.write(f"{name} {int(y)}\n")
            names.append(name)
    return names


def check(want):
    """Retrains into a temporary directory and compares every file with want."""
    import filecmp
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "-out", tmp], check=True)
        bad = []
        for root, _, files in os.walk(tmp):
            for f in files:
                got = os.path.join(root, f)
                rel = os.path.relpath(got, tmp)
                if not filecmp.cmp(got, os.path.join(want, rel), shallow=False):
                    bad.append(rel)
    if bad:
        sys.exit(f"differ from {want}: {', '.join(sorted(bad))}")
    print(f"{want}: identical")


if __name__ == "__main__":
    main()
