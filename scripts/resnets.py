"""Small ResNet-family models with torchvision's structure and state-dict key
names, for gorn's reference fixtures (gen_fixtures.py, export_onnx.py).

An architecture is a dict (the JSON sidecar of each fixture holds it):

  block            "basic" | "bottleneck"
  version          "v1.5" (torchvision: stride on the 3x3 of a bottleneck),
                   "v1"   (stride on the first 1x1, the original paper),
                   "v2"   (pre-activation, He et al. 2016, see PreAct* below)
  layers           blocks per stage, e.g. [2, 2, 2, 2]
  width            stem channels and planes of stage 1 (torchvision: 64);
                   stage i (0-based) has planes = width * 2**i
  groups           groups of the 3x3 conv (ResNeXt), 1 otherwise
  width_per_group  torchvision's base_width (64 normally, 128 for wide_resnet*_2,
                   4 for resnext50_32x4d)
  classes          outputs of fc
  input_shape      [N, 3, H, W] of the fixture's input

Derived (torchvision's formulas):
  bottleneck inner width of stage i = int(planes_i * width_per_group / 64) * groups
  block output channels              = planes_i * expansion (1 basic, 4 bottleneck)
  downsample (projection) on block 0 of stage i when stride != 1 or
  in_channels != out_channels; stage strides are [1, 2, 2, 2].

Pre-activation (v2) key names mirror torchvision's where they can:
  conv1.weight, bn1.*                 stem: conv7x7/2 -> bn1 -> relu -> maxpool3x3/2
  layerX.Y.bn1.*                      BN of the block input (in_channels), then ReLU
  layerX.Y.conv1.weight               first conv of the residual branch
  layerX.Y.bn2.*, layerX.Y.conv2.weight
  layerX.Y.bn3.*, layerX.Y.conv3.weight   (bottleneck only)
  layerX.Y.downsample.0.weight        1x1 conv with the block's stride, NO BN,
                                      applied to relu(bn1(x)) (the pre-activated input)
  bn_final.*                          BN after the last stage, then ReLU, avgpool, fc
  fc.weight, fc.bias
  Block: a = relu(bn1(x)); shortcut = downsample(a) if present else x;
  basic: out = conv2(relu(bn2(conv1(a))));
  bottleneck: out = conv3(relu(bn3(conv2(relu(bn2(conv1(a)))))));
  return out + shortcut  (no BN, no ReLU after the add).
  The bottleneck's stride is on conv2 (the 3x3), as in v1.5.

All convolutions have no bias; BN eps is 1e-5 everywhere (torch's default).
"""

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


def conv3x3(cin, cout, stride=1, groups=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, groups=groups, bias=False)


class PreActBasic(nn.Module):
    """Pre-activation basic block (He et al. 2016, "Identity Mappings")."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError("PreActBasic supports only groups=1 and base_width=64")
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.relu = nn.ReLU(inplace=False)
        self.downsample = downsample

    def forward(self, x):
        a = self.relu(self.bn1(x))
        shortcut = self.downsample(a) if self.downsample is not None else x
        out = self.conv1(a)
        out = self.conv2(self.relu(self.bn2(out)))
        return out + shortcut


class PreActBottleneck(nn.Module):
    """Pre-activation bottleneck block, stride on the 3x3 conv."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv1x1(inplanes, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups)
        self.bn3 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.relu = nn.ReLU(inplace=False)
        self.downsample = downsample

    def forward(self, x):
        a = self.relu(self.bn1(x))
        shortcut = self.downsample(a) if self.downsample is not None else x
        out = self.conv1(a)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return out + shortcut


def _block_class(arch):
    v2 = arch["version"] == "v2"
    if arch["block"] == "basic":
        return PreActBasic if v2 else BasicBlock
    if arch["block"] == "bottleneck":
        return PreActBottleneck if v2 else Bottleneck
    raise ValueError("unknown block %r" % arch["block"])


class ResNet(nn.Module):
    """torchvision.models.ResNet with a configurable width and the v1 and v2
    variants; state-dict keys are torchvision's (plus bn_final for v2)."""

    def __init__(self, arch):
        super().__init__()
        self.arch = dict(arch)
        block = _block_class(arch)
        self.v2 = arch["version"] == "v2"
        self.groups = arch.get("groups", 1)
        self.base_width = arch.get("width_per_group", 64)
        w = arch["width"]
        self.inplanes = w
        self.conv1 = nn.Conv2d(3, w, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=False)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        for i, n in enumerate(arch["layers"]):
            stage = self._make_layer(block, w * 2**i, n, 1 if i == 0 else 2)
            setattr(self, "layer%d" % (i + 1), stage)
        self.nstages = len(arch["layers"])
        if self.v2:
            self.bn_final = nn.BatchNorm2d(self.inplanes)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, arch["classes"])
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if arch["version"] == "v1":
            self._to_v1()

    def _make_layer(self, block, planes, blocks, stride):
        out = planes * block.expansion
        downsample = None
        if stride != 1 or self.inplanes != out:
            if self.v2:
                downsample = nn.Sequential(conv1x1(self.inplanes, out, stride))
            else:
                downsample = nn.Sequential(conv1x1(self.inplanes, out, stride), nn.BatchNorm2d(out))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width)]
        self.inplanes = out
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, 1, None, self.groups, self.base_width))
        return nn.Sequential(*layers)

    def _to_v1(self):
        """Moves each bottleneck's stride from the 3x3 (conv2) to the first 1x1
        (conv1), as in the original ResNet paper. Keys and shapes are unchanged."""
        if self.arch["block"] != "bottleneck":
            return
        for i in range(self.nstages):
            for blk in getattr(self, "layer%d" % (i + 1)):
                s = blk.conv2.stride
                if s != (1, 1):
                    blk.conv1.stride, blk.conv2.stride = s, (1, 1)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.nstages):
            x = getattr(self, "layer%d" % (i + 1))(x)
        if self.v2:
            x = self.relu(self.bn_final(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def derived(arch):
    """Per-stage channel counts implied by arch (for the JSON sidecar)."""
    exp = 1 if arch["block"] == "basic" else 4
    g, wpg = arch.get("groups", 1), arch.get("width_per_group", 64)
    planes = [arch["width"] * 2**i for i in range(len(arch["layers"]))]
    if arch["block"] == "basic":
        inner = planes
    else:
        inner = [int(p * (wpg / 64.0)) * g for p in planes]
    return {
        "expansion": exp,
        "stem_channels": arch["width"],
        "stage_planes": planes,
        "stage_inner_width": inner,
        "stage_out_channels": [p * exp for p in planes],
        "stage_strides": [1] + [2] * (len(planes) - 1),
        "bn_eps": 1e-5,
    }
