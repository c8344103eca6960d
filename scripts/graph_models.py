"""Model code for gorn's graph-compiler fixtures (export_graphs.py, train_graphs.py):
small ResNet-family networks in the shapes users bring from outside torchvision,
one per row of issue 12's table, written from the papers' and projects'
descriptions (timm, MXNet Gluon, fb.resnet.torch, Keras applications, the
widely copied CIFAR ResNet code). Widths are scaled down; the graph structure
(what the ONNX export contains) is the point.

Every class is a plain nn.Module; convs have no bias unless the original has one.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.resnet import Bottleneck, ResNet


def conv1x1(cin, cout, stride=1, bias=False):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=bias)


def conv3x3(cin, cout, stride=1, groups=1, dilation=1, bias=False):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation,
                     groups=groups, bias=bias)


# ---------------------------------------------------------------- row 1: timm ResNet-D


class BottleneckD(nn.Module):
    """timm's Bottleneck (stride on the 3x3); the projection is built by the net."""

    expansion = 4

    def __init__(self, cin, planes, stride, downsample):
        super().__init__()
        out = planes * self.expansion
        self.conv1, self.bn1 = conv1x1(cin, planes), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes, stride), nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = conv1x1(planes, out), nn.BatchNorm2d(out)
        self.downsample = downsample

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        sc = self.downsample(x) if self.downsample is not None else x
        return F.relu(y + sc)


class ResNetD(nn.Module):
    """timm resnet50d's layout: deep stem conv3x3/2 (s1) -> BN -> ReLU -> conv3x3 (s1)
    -> BN -> ReLU -> conv3x3 (s2) -> BN -> ReLU -> maxpool3x3/2; the projection of a
    strided block is AvgPool(2, s2, ceil_mode, count_include_pad=False) -> 1x1 conv -> BN
    (a stride-1 projection is the 1x1 conv -> BN alone)."""

    def __init__(self, stem=(8, 8, 16), width=4, layers=(1, 1, 1), classes=10):
        super().__init__()
        s1, s2 = stem[0], stem[2]
        self.conv1 = nn.Sequential(
            conv3x3(3, s1, 2), nn.BatchNorm2d(s1), nn.ReLU(),
            conv3x3(s1, stem[1]), nn.BatchNorm2d(stem[1]), nn.ReLU(),
            conv3x3(stem[1], s2))
        self.bn1 = nn.BatchNorm2d(s2)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, stages = s2, []
        for i, n in enumerate(layers):
            planes, stride = width * 2**i, 1 if i == 0 else 2
            blocks = []
            for j in range(n):
                s = stride if j == 0 else 1
                ds = None
                if s != 1 or cin != planes * 4:
                    pool = [nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)] if s != 1 else []
                    ds = nn.Sequential(*pool, conv1x1(cin, planes * 4), nn.BatchNorm2d(planes * 4))
                blocks.append(BottleneckD(cin, planes, s, ds))
                cin = planes * 4
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.stages(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- row 2: SE-ResNet, SE-ResNeXt


class SqueezeExcite(nn.Module):
    """pool -> 1x1 conv (bias) -> ReLU -> 1x1 conv (bias) -> Sigmoid -> x * gate.
    pool="gap": nn.AdaptiveAvgPool2d(1) (GlobalAveragePool); "mean": x.mean((2, 3),
    keepdim=True) (ReduceMean)."""

    def __init__(self, c, reduction, pool):
        super().__init__()
        self.pool = pool
        self.fc1 = nn.Conv2d(c, max(c // reduction, 2), 1)
        self.fc2 = nn.Conv2d(max(c // reduction, 2), c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1) if self.pool == "gap" else x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(s))))


class SEBottleneck(nn.Module):
    """SENet's bottleneck: the SE gate scales the residual branch before the add."""

    def __init__(self, cin, planes, stride, groups, base_width, pool):
        super().__init__()
        inner = int(planes * base_width / 64) * groups
        out = planes * 4
        self.conv1, self.bn1 = conv1x1(cin, inner), nn.BatchNorm2d(inner)
        self.conv2, self.bn2 = conv3x3(inner, inner, stride, groups), nn.BatchNorm2d(inner)
        self.conv3, self.bn3 = conv1x1(inner, out), nn.BatchNorm2d(out)
        self.se = SqueezeExcite(out, 4, pool)
        self.downsample = None
        if stride != 1 or cin != out:
            self.downsample = nn.Sequential(conv1x1(cin, out, stride), nn.BatchNorm2d(out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.se(self.bn3(self.conv3(y)))
        sc = self.downsample(x) if self.downsample is not None else x
        return F.relu(y + sc)


class SEResNet(nn.Module):
    """torchvision stem (conv7x7/2, BN, ReLU, maxpool3x3/2), SE bottleneck stages, GAP, fc."""

    def __init__(self, width=4, layers=(1, 1, 1), groups=1, base_width=64, pool="gap", classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, blocks = width, []
        for i, n in enumerate(layers):
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(SEBottleneck(cin, width * 2**i, stride, groups, base_width, pool))
                cin = width * 2**i * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.blocks(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- row 3: MXNet Gluon resnet v2


class GluonBasicV2(nn.Module):
    """Gluon BasicBlockV2: a = relu(bn1(x)); shortcut = downsample(a) or x;
    conv2(relu(bn2(conv1(a)))) + shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), conv3x3(cin, cout, stride)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), conv3x3(cout, cout)
        self.downsample = conv1x1(cin, cout, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        a = F.relu(self.bn1(x))
        sc = self.downsample(a) if self.downsample is not None else x
        return self.conv2(F.relu(self.bn2(self.conv1(a)))) + sc


class GluonResNetV2(nn.Module):
    """Gluon model zoo resnet*_v2 layout: BatchNorm(scale=False, center=False) on the raw
    input, conv7x7/2, BN, ReLU, maxpool3x3/2, BasicBlockV2 stages, BN, ReLU, GAP, Dense."""

    def __init__(self, width=8, layers=(2, 1, 1), classes=10):
        super().__init__()
        self.data_bn = nn.BatchNorm2d(3, affine=False)
        self.conv0, self.bn0 = nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, blocks = width, []
        for i, n in enumerate(layers):
            for j in range(n):
                blocks.append(GluonBasicV2(cin, width * 2**i, 2 if i > 0 and j == 0 else 1))
                cin = width * 2**i
        self.blocks = nn.Sequential(*blocks)
        self.bn_final = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.data_bn(x)
        x = self.maxpool(F.relu(self.bn0(self.conv0(x))))
        x = F.relu(self.bn_final(self.blocks(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- row 4: fb.resnet.torch preresnet


class FbPreActBottleneck(nn.Module):
    """fb.resnet.torch preresnet.lua's bottleneck. kind:
    "no_preact"   (first block of the net): no BN-ReLU in front; branch and projection
                  both read the raw input x
    "both_preact" (first block of a later stage): x = relu(bn0(x)) feeds branch and projection
    "preact"      (other blocks): branch reads relu(bn0(x)), the shortcut is x itself.
    Projection: 1x1 conv with the stride, no BN. No BN or ReLU after the add."""

    def __init__(self, cin, planes, stride, kind):
        super().__init__()
        out = planes * 4
        self.kind = kind
        if kind != "no_preact":
            self.bn0 = nn.BatchNorm2d(cin)
        self.conv1, self.bn1 = conv1x1(cin, planes), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes, stride), nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out)
        self.proj = conv1x1(cin, out, stride) if stride != 1 or cin != out else None

    def forward(self, x):
        if self.kind == "both_preact":
            x = F.relu(self.bn0(x))
            y = x
        elif self.kind == "preact":
            y = F.relu(self.bn0(x))
        else:
            y = x
        y = F.relu(self.bn1(self.conv1(y)))
        y = self.conv3(F.relu(self.bn2(self.conv2(y))))
        return y + (self.proj(x) if self.proj is not None else x)


class FbPreResNet(nn.Module):
    """preresnet.lua (ImageNet layout): conv7x7/2, BN, ReLU, maxpool3x3/2, stages whose
    first block is "no_preact" (stage 1) or "both_preact" (later stages), BN, ReLU, GAP, fc."""

    def __init__(self, width=4, layers=(2, 1, 1), classes=10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, blocks = width, []
        for i, n in enumerate(layers):
            for j in range(n):
                kind = "preact" if j > 0 else ("no_preact" if i == 0 else "both_preact")
                blocks.append(FbPreActBottleneck(cin, width * 2**i, 2 if i > 0 and j == 0 else 1, kind))
                cin = width * 2**i * 4
        self.blocks = nn.Sequential(*blocks)
        self.bn_final = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.bn_final(self.blocks(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- row 5: Keras ResNet50 (v1)

KERAS_EPS = 1.001e-5  # keras.applications.ResNet50's BatchNormalization epsilon


class KerasBlockV1(nn.Module):
    """keras.applications resnet conv_block / identity_block: 1x1 (stride here, true v1)
    -> BN -> ReLU -> 3x3 'same' -> BN -> ReLU -> 1x1 -> BN; projection 1x1 (stride) -> BN
    on conv blocks; add; ReLU. Keras convs have biases."""

    def __init__(self, cin, planes, stride, project):
        super().__init__()
        out = planes * 4
        bn = lambda c: nn.BatchNorm2d(c, eps=KERAS_EPS)  # noqa: E731
        self.conv1, self.bn1 = conv1x1(cin, planes, stride, bias=True), bn(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes, bias=True), bn(planes)
        self.conv3, self.bn3 = conv1x1(planes, out, bias=True), bn(out)
        self.proj = nn.Sequential(conv1x1(cin, out, stride, bias=True), bn(out)) if project else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class KerasResNetV1(nn.Module):
    """ZeroPadding2D(3) -> conv7x7/2 'valid' -> BN -> ReLU -> ZeroPadding2D(1) ->
    MaxPool3x3/2 'valid' -> v1 stages -> GlobalAveragePooling2D (a mean over H, W that
    drops them: ReduceMean keepdims=0) -> Dense -> softmax."""

    def __init__(self, width=4, layers=(2, 1, 1), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 0, bias=True)
        self.bn1 = nn.BatchNorm2d(width, eps=KERAS_EPS)
        cin, blocks = width, []
        for i, n in enumerate(layers):
            for j in range(n):
                blocks.append(KerasBlockV1(cin, width * 2**i, 2 if i > 0 and j == 0 else 1, j == 0))
                cin = width * 2**i * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(F.pad(x, (3, 3, 3, 3)))))
        x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)
        x = self.blocks(x).mean((2, 3))
        return torch.softmax(self.fc(x), 1)


# ---------------------------------------------------------------- rows 6, 7: torchvision heads


class Embedding(nn.Module):
    """A torchvision-structured ResNet whose graph ends at the pooled features."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = self.net
        x = n.maxpool(n.relu(n.bn1(n.conv1(x))))
        for i in range(n.nstages):
            x = getattr(n, "layer%d" % (i + 1))(x)
        return torch.flatten(n.avgpool(x), 1)


class WithSoftmax(nn.Module):
    """net's logits through Softmax: "my model returns probabilities"."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


class FeaturesAndLogits(nn.Module):
    """Two graph outputs: the pooled features and the logits computed from them."""

    def __init__(self, net):
        super().__init__()
        self.embed = Embedding(net)

    def forward(self, x):
        f = self.embed(x)
        return f, self.embed.net.fc(f)


# ---------------------------------------------------------------- row 8: DeepLab-style dilation


class DilatedResNet(ResNet):
    """torchvision's ResNet(Bottleneck, replace_stride_with_dilation=[False, True, True])
    (DeepLab's backbone: output stride 8) with the widths scaled to width*(1, 2, 4, 8).
    torchvision gives the first block of a dilated stage the previous dilation, so with
    layers [1, 1, 1, 2] the 3x3 convs have dilation 1, 1, 1, 2 and 4."""

    def __init__(self, width=4, layers=(1, 1, 1, 2), classes=10):
        super().__init__(Bottleneck, list(layers), num_classes=classes,
                         replace_stride_with_dilation=[False, True, True])
        self.inplanes, self.dilation = width, 1
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(Bottleneck, width, layers[0])
        self.layer2 = self._make_layer(Bottleneck, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(Bottleneck, 4 * width, layers[2], stride=2, dilate=True)
        self.layer4 = self._make_layer(Bottleneck, 8 * width, layers[3], stride=2, dilate=True)
        self.fc = nn.Linear(8 * width * 4, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


# ---------------------------------------------------------------- row 9: CIFAR ResNet, option A


class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class CifarBasicBlock(nn.Module):
    """The widely copied CIFAR ResNet block (He et al. 2016, section 4.2) with option A
    shortcuts: x[:, :, ::2, ::2] then zero channels padded on both sides."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, planes, stride), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes), nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            pad = planes // 4
            self.shortcut = LambdaLayer(
                lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad), "constant", 0))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for CIFAR: conv3x3 (w) -> BN -> ReLU -> 3 stages of n blocks
    (w, 2w, 4w) -> avg_pool2d over the whole map -> view(N, -1) -> Linear."""

    def __init__(self, n=1, width=16, classes=10):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(3, width), nn.BatchNorm2d(width)
        cin, stages = width, []
        for i in range(3):
            blocks = []
            for j in range(n):
                planes = width * 2**i
                blocks.append(CifarBasicBlock(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.linear = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, int(out.size()[3]))  # int(): tracing makes sizes tensors
        out = out.view(out.size(0), -1)
        return self.linear(out)


# ---------------------------------------------------------------- trained SE-ResNet


class SELinear(nn.Module):
    """The SE layer as SENet reimplementations usually write it: AdaptiveAvgPool2d(1),
    view(b, c), Linear -> ReLU -> Linear -> Sigmoid, view(b, c, 1, 1), x * gate."""

    def __init__(self, c, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(c, c // reduction, bias=False), nn.ReLU(inplace=True),
                                nn.Linear(c // reduction, c, bias=False), nn.Sigmoid())

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        return x * self.fc(y).view(b, c, 1, 1)


class SEBasicBlock(nn.Module):
    """Basic block with an SE layer on the residual branch, projection 1x1 conv + BN."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, planes, stride), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3x3(planes, planes), nn.BatchNorm2d(planes)
        self.se = SELinear(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(conv1x1(cin, planes, stride), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.se(self.bn2(self.conv2(out)))
        sc = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + sc)


class CifarSEResNet(nn.Module):
    """CIFAR-style SE-ResNet: conv3x3 stem, 3 stages of SE basic blocks (w, 2w, 4w),
    AdaptiveAvgPool2d(1), flatten, Linear."""

    def __init__(self, n=1, width=16, classes=10):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(3, width), nn.BatchNorm2d(width)
        cin, blocks = width, []
        for i in range(3):
            for j in range(n):
                planes = width * 2**i
                blocks.append(SEBasicBlock(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
        self.layers = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(out), 1))
