#!/usr/bin/python3
"""Rewrites two of the ONNX fixtures into the operator forms of opset 7, the
opset of the ONNX model zoo's classic ResNet files (resnet50-v1-7 and its
siblings), for the importer's tests: testdata/onnx/opset7/.

Run from the repository root (deterministic):

    /usr/bin/python3 scripts/export_opset7.py           # writes testdata/onnx/opset7/
    /usr/bin/python3 scripts/export_opset7.py --check   # rewrites to a temp dir and compares

Each file computes the same function as the file it comes from, so its
expected logits are that fixture's __expected__ (testdata/onnx/manifest.json
names the fixture). The rewrite, each step exact:
  - ir_version 3 and opset_import 7; every initializer also listed as a graph
    input (as IR < 4 exporters did);
  - BatchNormalization-7: attributes epsilon, momentum and spatial=1
    (training_mode removed);
  - the MaxPool's padding moved into a Pad-2 node before it (pads and value as
    attributes, value 0: the pool follows a ReLU, so a 0 pad never wins the max;
    in the pre-activation model it follows BN+ReLU too);
  - MaxPool-7 attributes only (ceil_mode removed: it is 0);
  - a Dropout-7 (ratio attribute, mask output unused) and an Identity between
    GlobalAveragePool and Flatten; Gemm-7 with its C input.
onnx.checker.check_model(full_check=True) validates every file against the
opset-7 schemas.
"""

import argparse
import filecmp
import os
import sys
import tempfile

import onnx
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_DIR = os.path.join(HERE, "..", "testdata", "onnx")

# (source file, output file)
FILES = [
    ("resnet18_w4_kept_b1.onnx", "resnet18_w4_kept_opset7.onnx"),
    ("preact18_w4_kept_dyn.onnx", "preact18_w4_kept_opset7.onnx"),
]


def attr(node, name):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return None


def rewrite_node(n, out):
    """Appends the opset-7 form of node n to out."""
    if n.op_type == "BatchNormalization":
        eps = attr(n, "epsilon")
        out.append(helper.make_node("BatchNormalization", list(n.input), list(n.output[:1]), name=n.name,
                                    epsilon=eps if eps is not None else 1e-5, momentum=0.9, spatial=1))
    elif n.op_type == "MaxPool":
        pads = attr(n, "pads")
        assert attr(n, "ceil_mode") in (None, 0)
        padded = n.output[0] + "_padded"
        h0, w0, h1, w1 = pads
        out.append(helper.make_node("Pad", [n.input[0]], [padded], name=n.name + "_pad", mode="constant",
                                    pads=[0, 0, h0, w0, 0, 0, h1, w1], value=0.0))
        out.append(helper.make_node("MaxPool", [padded], list(n.output), name=n.name,
                                    kernel_shape=attr(n, "kernel_shape"), strides=attr(n, "strides")))
    elif n.op_type == "GlobalAveragePool":
        pooled = n.output[0] + "_pooled"
        dropped = n.output[0] + "_dropped"
        out.append(helper.make_node("GlobalAveragePool", list(n.input), [pooled], name=n.name))
        out.append(helper.make_node("Dropout", [pooled], [dropped, dropped + "_mask"], name=n.name + "_dropout",
                                    ratio=0.5))
        out.append(helper.make_node("Identity", [dropped], list(n.output), name=n.name + "_identity"))
    else:
        out.append(n)


def rewrite(src, dst):
    m = onnx.load(src)
    g = m.graph
    nodes = []
    for n in g.node:
        rewrite_node(n, nodes)
    inputs = list(g.input) + [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                              for t in g.initializer]
    graph = helper.make_graph(nodes, g.name, inputs, list(g.output), list(g.initializer))
    out = helper.make_model(graph, producer_name="gorn scripts/export_opset7.py",
                            opset_imports=[helper.make_opsetid("", 7)])
    out.ir_version = 3
    onnx.checker.check_model(out, full_check=True)
    onnx.save(out, dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="rewrite to a temp dir and compare")
    args = ap.parse_args()
    out_dir = os.path.join(ONNX_DIR, "opset7")
    tmp = None
    if args.check:
        tmp = tempfile.TemporaryDirectory()
        out_dir = tmp.name
    os.makedirs(out_dir, exist_ok=True)
    bad = 0
    for src, dst in FILES:
        path = os.path.join(out_dir, dst)
        rewrite(os.path.join(ONNX_DIR, src), path)
        if args.check and not filecmp.cmp(path, os.path.join(ONNX_DIR, "opset7", dst), shallow=False):
            print("differs:", dst)
            bad += 1
        else:
            print(dst, os.path.getsize(path), "bytes")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
