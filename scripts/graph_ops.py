"""Operator fixtures for gorn's graph compiler (issue 12, section 3), used by
export_graphs.py: small graphs of one or a few operators, most behind a 3x3 conv
so the operator reads an activation.

Each spec is a dict:
  name, shape (input NCHW), covers (what it tests), opset
  module     a constructor of an nn.Module exported with torch.onnx.export, or
  handmade   fn(shape, gen) -> (onnx.ModelProto, ref) for what torch cannot export
             (asymmetric Conv pads, auto_pad, AveragePool count_include_pad=1,
             GlobalMaxPool, Identity/Dropout nodes, Gemm alpha/beta/transB=0); ref(x)
             computes the same function with torch ops in x's dtype, so PyTorch stays
             the reference
  outputs    graph output names (default ["output"]); argmax: per output
  gain       multiplies the He-normal init of convs (to reach saturating ranges)
"""

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper
from torch import nn

import graph_models as gm
import resnets

FLOAT = onnx.TensorProto.FLOAT


class Seq(nn.Module):
    """conv3x3 (3 -> c, bias, pad 1) then fn(self, y)."""

    def __init__(self, fn, c=8, **mods):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, padding=1)
        self.fn = fn
        for k, v in mods.items():
            setattr(self, k, v)

    def forward(self, x):
        return self.fn(self, self.conv(x))


def act(fn):
    return lambda: Seq(lambda s, y: fn(y))


def head(fn, c=8, **mods):
    """conv -> ReLU -> GAP -> flatten -> fn(self, f). Call it inside the spec's module
    lambda, so the modules and parameters are made after the seed is set."""
    return Seq(lambda s, y: fn(s, torch.flatten(F.adaptive_avg_pool2d(F.relu(y), 1), 1)), c, **mods)


class ConvGroups(nn.Module):
    def __init__(self):
        super().__init__()
        self.c0 = nn.Conv2d(3, 8, 3, padding=1)
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False)
        self.depthwise = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.multiplier = nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=8, bias=False)
        self.pointwise = nn.Conv2d(16, 8, 1, bias=False)

    def forward(self, x):
        y = F.relu(self.grouped(self.c0(x)))
        y = F.relu(self.depthwise(y))
        return self.pointwise(F.relu(self.multiplier(y)))


class Binary(nn.Module):
    """Sub, Mul, Div, Add with same-shape, per-channel ([1,C,1,1] and [C,1,1]) and scalar operands."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(3, 8, 3, padding=1)
        g = torch.Generator().manual_seed(7)
        self.scale = nn.Parameter(torch.randn(1, 8, 1, 1, generator=g))
        self.shift = nn.Parameter(torch.randn(8, 1, 1, generator=g))
        self.div = nn.Parameter(0.5 + torch.rand(1, 8, 1, 1, generator=g))

    def forward(self, x):
        a, b = self.a(x), self.b(x)
        y = (a - b) * self.scale        # same shape Sub, per-channel Mul
        y = y / 3.0 - self.shift        # scalar Div, per-channel Sub ([C,1,1])
        y = y / self.div + 0.25         # per-channel Div, scalar Add
        y = y / (torch.sigmoid(b) + 0.5)  # same-shape Div
        return 2.0 * y - a * 0.5        # scalar Mul both ways, Sub


def two_outputs():
    arch = dict(block="basic", version="v1.5", layers=[1, 1], width=4, groups=1,
                width_per_group=64, classes=10)
    return gm.FeaturesAndLogits(resnets.ResNet(arch))


# ------------------------------------------------------------------ handmade graphs


def he(gen, *shape, fan_in):
    return torch.randn(*shape, generator=gen) * (2.0 / fan_in) ** 0.5


def model(nodes, inits, shape, out_shapes, opset, name):
    g = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("input", FLOAT, list(shape))],
        [helper.make_tensor_value_info(n, FLOAT, list(s)) for n, s in out_shapes],
        initializer=[numpy_helper.from_array(v.numpy().astype(np.float32), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="gorn scripts/export_graphs.py")
    m.ir_version = 7
    return m


def same_pads(n, k, s, d, upper):
    """auto_pad SAME_UPPER / SAME_LOWER: (begin, end) padding of one axis."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    small = total // 2
    return (small, total - small) if upper else (total - small, small)


def conv_asym_pads(shape, gen):
    w1, b1 = he(gen, 8, 3, 3, 3, fan_in=27), 0.2 * torch.randn(8, generator=gen)
    w2 = he(gen, 6, 8, 2, 3, fan_in=48)
    n, _, h, w = shape
    h1, w1o = (h + 0 + 2 - 3) // 2 + 1, (w + 1 + 1 - 3) + 1
    h2, w2o = h1 + 1 + 0 - (2 - 1) * 2 - 1 + 1, w1o + 0 + 2 - 3 + 1
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], kernel_shape=[3, 3],
                         pads=[0, 1, 2, 1], strides=[2, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["output"], kernel_shape=[2, 3],
                         pads=[1, 0, 0, 2], dilations=[2, 1]),
    ]
    m = model(nodes, {"w1": w1, "b1": b1, "w2": w2}, shape, [("output", [n, 6, h2, w2o])], 13,
              "conv_asym_pads")

    def ref(x):
        t = lambda v: v.to(x.dtype)  # noqa: E731
        y = F.relu(F.conv2d(F.pad(x, (1, 1, 0, 2)), t(w1), t(b1), stride=(2, 1)))
        return (F.conv2d(F.pad(y, (0, 2, 1, 0)), t(w2), dilation=(2, 1)),)
    return m, ref


def conv_auto_pad(shape, gen):
    w1, b1 = he(gen, 8, 3, 3, 3, fan_in=27), 0.2 * torch.randn(8, generator=gen)
    w2, b2 = he(gen, 8, 8, 2, 4, fan_in=64), 0.2 * torch.randn(8, generator=gen)
    n, _, h, w = shape
    ho, wo = -(-h // 2), -(-w // 2)
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2],
                         auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["output"], kernel_shape=[2, 4],
                         auto_pad="SAME_LOWER"),
    ]
    m = model(nodes, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, shape, [("output", [n, 8, ho, wo])], 11,
              "conv_auto_pad")

    def ref(x):
        t = lambda v: v.to(x.dtype)  # noqa: E731
        ph, pw = same_pads(h, 3, 2, 1, True), same_pads(w, 3, 2, 1, True)
        y = F.relu(F.conv2d(F.pad(x, (pw[0], pw[1], ph[0], ph[1])), t(w1), t(b1), stride=2))
        ph, pw = same_pads(ho, 2, 1, 1, False), same_pads(wo, 4, 1, 1, False)
        return (F.conv2d(F.pad(y, (pw[0], pw[1], ph[0], ph[1])), t(w2), t(b2)),)
    return m, ref


def conv_then(op_nodes, out_shape_fn, ref_fn, opset, name):
    """input -> Conv 3x3 (3 -> 8, pad 1, bias) -> op_nodes (reading "c") -> output."""
    def make(shape, gen):
        w, b = he(gen, 8, 3, 3, 3, fan_in=27), 0.2 * torch.randn(8, generator=gen)
        nodes = [helper.make_node("Conv", ["input", "w", "b"], ["c"], kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1])] + op_nodes
        extra = {}
        if isinstance(ref_fn, tuple):  # (ref, initializers)
            ref_op, extra = ref_fn[0], ref_fn[1](gen)
        else:
            ref_op = ref_fn
        m = model(nodes, {"w": w, "b": b, **extra}, shape, [("output", out_shape_fn(shape))], opset, name)

        def ref(x):
            y = F.conv2d(x, w.to(x.dtype), b.to(x.dtype), padding=1)
            return (ref_op(y, {k: v.to(x.dtype) for k, v in extra.items()}),)
        return m, ref
    return make


def pool_out(n, k, s, p0, p1, ceil=False):
    v = (n + p0 + p1 - k) / s
    return int(np.ceil(v) if ceil else np.floor(v)) + 1


OPS = [
    # Conv
    dict(name="op_conv_asym_pads", shape=[1, 3, 13, 11], handmade=conv_asym_pads,
         covers="Conv with asymmetric pads [0,1,2,1] and stride [2,1]; Conv 2x3 kernel, pads [1,0,0,2], "
                "dilations [2,1], no bias"),
    dict(name="op_conv_auto_pad", shape=[1, 3, 12, 11], handmade=conv_auto_pad,
         covers="Conv auto_pad SAME_UPPER (3x3, stride 2: padding end > begin) and SAME_LOWER (2x4 kernel)"),
    dict(name="op_conv_groups", shape=[1, 3, 23, 19], opset=13, module=ConvGroups,
         covers="grouped Conv (group 4, no bias), depthwise (group = channels, stride 2, bias), depthwise "
                "with channel multiplier 2 and dilation 2 (no bias), 1x1 without bias"),
    # Activations
    dict(name="op_leakyrelu", shape=[1, 3, 11, 13], opset=13, gain=2.0,
         module=act(lambda y: F.leaky_relu(y, 0.1)), covers="LeakyRelu alpha 0.1"),
    dict(name="op_clip06_op9", shape=[1, 3, 11, 13], opset=9, gain=3.0,
         module=act(lambda y: torch.clamp(y, 0.0, 6.0)), covers="Clip(0, 6) with min/max attributes (opset 9)"),
    dict(name="op_clip06_op13", shape=[1, 3, 11, 13], opset=13, gain=3.0,
         module=act(lambda y: torch.clamp(y, 0.0, 6.0)), covers="Clip(0, 6) with min/max inputs (opset 13)"),
    dict(name="op_relu6", shape=[1, 3, 11, 13], opset=17, gain=3.0,
         module=act(F.relu6), covers="ReLU6 as torch exports it: Relu then Clip(max 6)"),
    dict(name="op_sigmoid", shape=[1, 3, 11, 13], opset=13, gain=2.0,
         module=act(torch.sigmoid), covers="Sigmoid"),
    dict(name="op_hardsigmoid", shape=[1, 3, 11, 13], opset=13, gain=3.0,
         module=act(F.hardsigmoid), covers="HardSigmoid (alpha 1/6, beta 0.5), saturating both ways"),
    dict(name="op_hardswish", shape=[1, 3, 11, 13], opset=14, gain=3.0,
         module=act(F.hardswish), covers="HardSwish (opset 14)"),
    dict(name="op_hardswish_op13", shape=[1, 3, 11, 13], opset=13, gain=3.0,
         module=act(F.hardswish), covers="hardswish before opset 14: HardSigmoid then Mul with its input"),
    dict(name="op_tanh", shape=[1, 3, 11, 13], opset=13, gain=2.0,
         module=act(torch.tanh), covers="Tanh"),
    # Binary ops
    dict(name="op_binary_broadcast", shape=[1, 3, 11, 13], opset=13, module=Binary,
         covers="Sub, Mul, Div, Add: same shape, per-channel [1,C,1,1] and [C,1,1], scalar on either side"),
    # Pooling
    dict(name="op_maxpool_ceil", shape=[1, 3, 23, 19], opset=13,
         module=act(lambda y: F.max_pool2d(y, 2, 2, ceil_mode=True)),
         covers="MaxPool 2x2/2 ceil_mode on odd sizes (partial last windows)"),
    dict(name="op_maxpool_dilated", shape=[1, 3, 23, 19], opset=13,
         module=act(lambda y: F.max_pool2d(y, 3, 2, 1, dilation=2, ceil_mode=True)),
         covers="MaxPool 3x3/2, pads 1, dilations 2, ceil_mode"),
    dict(name="op_avgpool_exclude_pad", shape=[1, 3, 23, 19], opset=13,
         module=act(lambda y: F.avg_pool2d(y, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
         covers="AveragePool 3x3/2, pads 1, count_include_pad=0, ceil_mode"),
    dict(name="op_avgpool_include_pad_torch", shape=[1, 3, 23, 19], opset=13,
         module=act(lambda y: F.avg_pool2d(y, 3, 2, 1, count_include_pad=True)),
         covers="avg_pool2d(count_include_pad=True) as torch exports it: Pad then AveragePool with no pads"),
    dict(name="op_avgpool_include_pad", shape=[1, 3, 23, 19],
         handmade=conv_then([helper.make_node("AveragePool", ["c"], ["output"], kernel_shape=[3, 3],
                                              strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)],
                            lambda s: [s[0], 8, pool_out(s[2], 3, 2, 1, 1), pool_out(s[3], 3, 2, 1, 1)],
                            lambda y, _: F.avg_pool2d(y, 3, 2, 1, count_include_pad=True), 13,
                            "avgpool_include_pad"),
         covers="AveragePool 3x3/2, pads 1, count_include_pad=1 (the attribute)"),
    dict(name="op_globalmaxpool", shape=[1, 3, 23, 19],
         handmade=conv_then([helper.make_node("GlobalMaxPool", ["c"], ["g"]),
                             helper.make_node("Flatten", ["g"], ["output"])],
                            lambda s: [s[0], 8], lambda y, _: torch.flatten(y.amax((2, 3)), 1), 13,
                            "globalmaxpool"),
         covers="GlobalMaxPool then Flatten"),
    dict(name="op_reducemax_keepdims1", shape=[1, 3, 23, 19], opset=13,
         module=lambda: Seq(lambda s, y: torch.flatten(s.fc(y.amax((2, 3), keepdim=True)), 1),
                            fc=nn.Conv2d(8, 5, 1)),
         covers="ReduceMax over H, W with keepdims=1, then a 1x1 conv on the 1x1 map"),
    dict(name="op_reducemax_keepdims0", shape=[1, 3, 23, 19], opset=13, argmax=[True], salt="1",
         module=lambda: Seq(lambda s, y: s.fc(y.amax((2, 3))), fc=nn.Linear(8, 5)),
         covers="ReduceMax over H, W with keepdims=0, then Gemm"),
    # Heads
    dict(name="op_gemm_transb", shape=[1, 3, 15, 15], opset=13, argmax=[True],
         module=lambda: head(lambda s, f: s.fc(f), fc=nn.Linear(8, 10)), covers="Gemm transB=1 (nn.Linear)"),
    dict(name="op_gemm_alpha_beta", shape=[1, 3, 15, 15],
         handmade=conv_then([helper.make_node("GlobalAveragePool", ["c"], ["g"]),
                             helper.make_node("Flatten", ["g"], ["f"]),
                             helper.make_node("Gemm", ["f", "wt", "bias"], ["output"], alpha=0.5, beta=2.0,
                                              transB=0)],
                            lambda s: [s[0], 10],
                            (lambda y, p: 0.5 * torch.flatten(y.mean((2, 3), keepdim=True), 1) @ p["wt"]
                             + 2.0 * p["bias"],
                             lambda gen: {"wt": torch.randn(8, 10, generator=gen),
                                          "bias": 0.1 * torch.randn(10, generator=gen)}),
                            13, "gemm_alpha_beta"),
         argmax=[True], covers="Gemm transB=0 with alpha 0.5, beta 2 (weights [K, N])"),
    dict(name="op_matmul_add", shape=[1, 3, 15, 15], opset=13, argmax=[True],
         module=lambda: head(lambda s, f: torch.matmul(f, s.w) + s.bias,
                     w=nn.Parameter(torch.randn(8, 10) * 0.5), bias=nn.Parameter(torch.randn(10) * 0.1)),
         covers="MatMul then Add (a linear layer written as x @ W + b)"),
    dict(name="op_logsoftmax", shape=[1, 3, 15, 15], opset=13, argmax=[True],
         module=lambda: head(lambda s, f: F.log_softmax(s.fc(f), 1), fc=nn.Linear(8, 10)), covers="LogSoftmax"),
    dict(name="op_softmax_op11", shape=[1, 3, 15, 15], opset=11, argmax=[True],
         module=lambda: head(lambda s, f: F.softmax(s.fc(f), 1), fc=nn.Linear(8, 10)),
         covers="Softmax before opset 13 (axis 1 on a 2-D input)"),
    dict(name="op_transpose_head", shape=[1, 3, 15, 15], opset=13, argmax=[True],
         module=lambda: Seq(lambda s, y: s.fc(torch.flatten(
             F.adaptive_avg_pool2d(F.relu(y), 1).permute(0, 2, 3, 1), 1)), fc=nn.Linear(8, 10)),
         covers="Transpose (0,2,3,1) of the pooled [N,C,1,1] (a layout no-op), Flatten, Gemm"),
    dict(name="op_transpose_nhwc_mean", shape=[1, 3, 15, 13], opset=13, argmax=[True],
         module=lambda: Seq(lambda s, y: s.fc(F.relu(y).permute(0, 2, 3, 1).mean((1, 2))),
                            fc=nn.Linear(8, 10)),
         covers="Transpose to NHWC then ReduceMean over axes 1, 2 keepdims=0 (tf2onnx's head)"),
    dict(name="op_squeeze_head", shape=[1, 3, 15, 15], opset=13, argmax=[True],
         module=lambda: Seq(lambda s, y: s.fc(F.adaptive_avg_pool2d(F.relu(y), 1).squeeze(3).squeeze(2)),
                            fc=nn.Linear(8, 10)),
         covers="Squeeze of the pooled map's H and W (axes as an input, opset 13), Gemm"),
    # Data movement
    dict(name="op_concat_channels", shape=[1, 3, 17, 13], opset=13,
         module=lambda: Seq(lambda s, y: s.mix(torch.cat([F.relu(y), s.b(y), s.id(y)], 1)),
                            b=nn.Conv2d(8, 4, 1), id=nn.Conv2d(8, 3, 3, padding=1), mix=nn.Conv2d(15, 6, 1)),
         covers="Concat on channels of three tensors (8 + 4 + 3), then a 1x1 conv"),
    dict(name="op_slice_spatial", shape=[1, 3, 17, 13], opset=13,
         module=lambda: Seq(lambda s, y: s.post(y[:, 2:6, 1:-2, 3:]), post=nn.Conv2d(4, 5, 3, padding=1)),
         covers="Slice of channels 2:6, rows 1:-2, columns 3: then a conv"),
    dict(name="op_slice_step", shape=[1, 3, 17, 13], opset=13,
         module=lambda: Seq(lambda s, y: s.post(y[:, :, 1::2, ::3]), post=nn.Conv2d(8, 5, 3, padding=1)),
         covers="Slice with steps 2 (from 1) on H and 3 on W"),
    dict(name="op_pad_asym", shape=[1, 3, 13, 11], opset=13,
         module=lambda: Seq(lambda s, y: s.post(F.pad(F.relu(y), (1, 2, 0, 3))), post=nn.Conv2d(8, 5, 3)),
         covers="constant Pad (left 1, right 2, top 0, bottom 3) before a valid conv"),
    dict(name="op_pad_value", shape=[1, 3, 13, 11], opset=11,
         module=lambda: Seq(lambda s, y: s.post(F.pad(y, (1, 1, 1, 1), value=0.5)), post=nn.Conv2d(8, 5, 3)),
         covers="constant Pad with value 0.5 (not foldable into the conv's zero padding)"),
    dict(name="op_pad_channels", shape=[1, 3, 13, 11], opset=13,
         module=lambda: Seq(lambda s, y: s.post(F.pad(y, (0, 0, 0, 0, 2, 3))), post=nn.Conv2d(13, 5, 1)),
         covers="constant Pad of channels (2 before, 3 after) as torch exports it, then a 1x1 conv"),
    dict(name="op_identity_dropout", shape=[1, 3, 13, 11],
         handmade=conv_then([helper.make_node("Identity", ["c"], ["i"]),
                             helper.make_node("Dropout", ["i"], ["d"]),
                             helper.make_node("Relu", ["d"], ["output"])],
                            lambda s: [s[0], 8, s[2], s[3]], lambda y, _: F.relu(y), 13, "identity_dropout"),
         covers="Identity and Dropout (inference: no-ops) between a Conv and a Relu"),
    dict(name="op_two_outputs", shape=[1, 3, 32, 32], opset=17, module=two_outputs,
         outputs=["features", "logits"], argmax=[False, True],
         covers="two graph outputs: pooled features [N, 8] and the logits computed from them"),
]
