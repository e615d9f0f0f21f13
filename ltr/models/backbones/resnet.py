"""ResNet-18/50 cut after layer3, with layer3 dilated (stride 1, dilation 2): total stride 8.

Parameter names follow torchvision's ``resnet.py`` (conv1, bn1, layer1.0.conv1, ..., downsample.0), so an
ImageNet state_dict loads by name with ``load_pretrained`` (layer4 and fc of the file are skipped).
"""
from __future__ import annotations

import torch
from torch import nn

from ltr.models.backbones.common import init_weights


def _conv3x3(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with an identity (or 1x1 projection) shortcut."""

    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1, dilation: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv3x3(cin, planes, stride, dilation)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes, 1, dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def main_path(self) -> list[nn.Module]:
        """Spatial layers on the residual branch, in order."""
        return [self.conv1, self.conv2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided / dilated), 1x1 expand (x4), with a shortcut."""

    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1, dilation: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv1x1(cin, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride, dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * 4)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def main_path(self) -> list[nn.Module]:
        """Spatial layers on the residual branch, in order."""
        return [self.conv1, self.conv2, self.conv3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNetS8(nn.Module):
    """Stem + layer1..layer3 of a ResNet, layer3 at stride 1 with dilation 2 (output stride 8)."""

    def __init__(self, block: type, layers: tuple[int, int, int], zero_init_residual: bool = False):
        super().__init__()
        self._cin = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0], stride=1, dilation=1)
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilation=1)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=1, dilation=2)
        self.out_channels = 256 * block.expansion
        self.stride = 8
        init_weights(self)
        if zero_init_residual:
            for m in self.modules():
                last_bn = getattr(m, "bn3", None) if isinstance(m, Bottleneck) else getattr(m, "bn2", None)
                if isinstance(m, (Bottleneck, BasicBlock)):
                    nn.init.zeros_(last_bn.weight)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int, dilation: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self._cin != planes * block.expansion:
            downsample = nn.Sequential(_conv1x1(self._cin, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self._cin, planes, stride, dilation, downsample)]
        self._cin = planes * block.expansion
        layers += [block(self._cin, planes, 1, dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def spatial_layers(self) -> list[nn.Module]:
        """Convolutions and poolings along the residual branches, in order (shortcuts are aligned with them)."""
        out: list[nn.Module] = [self.conv1, self.maxpool]
        for layer in (self.layer1, self.layer2, self.layer3):
            for blk in layer:
                out += blk.main_path()
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised image NCHW -> layer3 features (N, out_channels, H/8, W/8)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer3(self.layer2(self.layer1(x)))


def resnet18(**kw) -> ResNetS8:
    """ResNet-18 up to a dilated layer3: 256 channels, stride 8."""
    return ResNetS8(BasicBlock, (2, 2, 2), **kw)


def resnet50(**kw) -> ResNetS8:
    """ResNet-50 up to a dilated layer3: 1024 channels, stride 8."""
    return ResNetS8(Bottleneck, (3, 4, 6), **kw)
