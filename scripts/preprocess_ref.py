#!/usr/bin/python3
"""Reference tensors for gorn's image preprocessing (package preprocess).

Run from the repository root with Debian's python3-torchvision, python3-pil
and python3-skimage (its sample photographs are the inputs):

    /usr/bin/python3 scripts/preprocess_ref.py           # writes testdata/preprocess/
    /usr/bin/python3 scripts/preprocess_ref.py --check   # compares with the committed files

For each case it runs torchvision's evaluation transform on the photograph
as a PIL image, the way ImageNet classifiers are evaluated:

    Resize(size, interpolation) + CenterCrop(crop) + ToTensor() + Normalize(mean, std)

Resize and CenterCrop on a PIL image give 8-bit pixels, and ToTensor +
Normalize only rescale them, so the reference is stored losslessly and
small: <case>.ref.png holds the cropped 8-bit RGB image, and refs.json
per case the geometry, the per-channel mean of torchvision's float32 tensor,
and 64 of its values at fixed indices, so that the test can check that the
PNG rebuilds torchvision's tensor. refs.json also records how far
torchvision's tensor path (torchvision.io decoding + Resize(antialias=True)
on a uint8 tensor) is from the PIL path, for comparison.

Inputs written to testdata/preprocess/ (from skimage's data directory):
    chelsea.png   skimage chelsea.png (451x300 RGB photo), copied: PNG decoding is exact
    rocket.jpg    skimage rocket.jpg (640x427, 4:4:4 JPEG), copied
    coffee.jpg    skimage coffee.png (600x400) re-encoded by Pillow, quality 90, 4:2:0
    astronaut.jpg skimage astronaut.png (512x512) re-encoded by Pillow, quality 85, 4:2:2
    camera.png    skimage camera.png (512x512 8-bit grey), converted to RGB by Pillow
"""

import argparse
import filecmp
import io
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "preprocess")
SKIMAGE = os.path.join(os.path.dirname(__import__("skimage").__file__), "data")
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

# name, input file, resize, crop (h, w), interpolation
CASES = [
    ("chelsea", "chelsea.png", 256, (224, 224), "bilinear"),
    ("rocket", "rocket.jpg", 256, (224, 224), "bilinear"),
    ("coffee", "coffee.jpg", 256, (224, 224), "bilinear"),
    ("astronaut", "astronaut.jpg", 256, (224, 224), "bilinear"),
    ("camera", "camera.png", 256, (224, 224), "bilinear"),
    ("chelsea_bicubic", "chelsea.png", 256, (224, 224), "bicubic"),
    ("coffee_odd", "coffee.jpg", 301, (199, 288), "bilinear"),
    ("rocket_pad", "rocket.jpg", 100, (120, 160), "bilinear"),
]


def make_inputs(out):
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(os.path.join(SKIMAGE, "chelsea.png"), os.path.join(out, "chelsea.png"))
    shutil.copyfile(os.path.join(SKIMAGE, "rocket.jpg"), os.path.join(out, "rocket.jpg"))
    Image.open(os.path.join(SKIMAGE, "coffee.png")).convert("RGB").save(
        os.path.join(out, "coffee.jpg"), quality=90, subsampling=2)
    Image.open(os.path.join(SKIMAGE, "astronaut.png")).convert("RGB").save(
        os.path.join(out, "astronaut.jpg"), quality=85, subsampling=1)
    shutil.copyfile(os.path.join(SKIMAGE, "camera.png"), os.path.join(out, "camera.png"))


def pil_path(path, size, crop, interp):
    """The 8-bit crop and the float32 tensor of torchvision's PIL path."""
    img = Image.open(path).convert("RGB")
    mode = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}[interp]
    cropped = T.CenterCrop(crop)(T.Resize(size, interpolation=mode)(img))
    tensor = T.Normalize(MEAN, STD)(T.ToTensor()(cropped))
    return cropped, tensor


def tensor_path(path, size, crop, interp):
    """torchvision's tensor path: torchvision.io decoding, antialiased resize."""
    data = torchvision.io.read_file(path)
    img = torchvision.io.decode_image(data, mode=torchvision.io.ImageReadMode.RGB)
    mode = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}[interp]
    img = T.CenterCrop(crop)(T.Resize(size, interpolation=mode, antialias=True)(img))
    return T.Normalize(MEAN, STD)(img.float() / 255)


def write_refs(out):
    make_inputs(out)
    refs = []
    gen = np.random.default_rng(0)
    for name, fname, size, crop, interp in CASES:
        path = os.path.join(out, fname)
        cropped, tensor = pil_path(path, size, crop, interp)
        cropped.save(os.path.join(out, name + ".ref.png"), optimize=True)
        # The stored PNG rebuilds torchvision's tensor (float32 ops as torch's).
        u8 = torch.from_numpy(np.asarray(Image.open(os.path.join(out, name + ".ref.png")).convert("RGB")).copy())
        rebuilt = T.Normalize(MEAN, STD)(u8.permute(2, 0, 1).float().div(255))
        assert torch.equal(rebuilt, tensor), name
        flat = tensor.flatten()
        idx = sorted(gen.choice(flat.numel(), 64, replace=False).tolist())
        tp = tensor_path(path, size, crop, interp)
        w, h = Image.open(path).size
        refs.append({
            "name": name, "file": fname, "resize": size, "crop": list(crop), "filter": interp,
            "image_size": [w, h],
            "mean": [float(tensor[c].double().mean()) for c in range(3)],
            "samples": [[i, float(flat[i])] for i in idx],
            "tensor_path_mean_abs_diff": float((tp - tensor).abs().mean()),
        })
        print("%-16s %-14s %dx%d -> resize %d crop %s (%s); tensor path vs PIL path: mean |d| %.4f"
              % (name, fname, w, h, size, crop, interp, refs[-1]["tensor_path_mean_abs_diff"]))
    with open(os.path.join(out, "refs.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
                   "pillow": Image.__version__, "mean": MEAN, "std": STD, "cases": refs}, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if not args.check:
        write_refs(OUT)
        return
    tmp = tempfile.mkdtemp()
    write_refs(tmp)
    bad = [f for f in sorted(os.listdir(tmp)) if not filecmp.cmp(os.path.join(tmp, f), os.path.join(OUT, f), shallow=False)]
    shutil.rmtree(tmp)
    if bad:
        sys.exit("differ from testdata/preprocess: " + ", ".join(bad))
    print("testdata/preprocess is up to date")


if __name__ == "__main__":
    main()
