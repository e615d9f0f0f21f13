"""A small unpadded stride-8 CNN for CPU demos and tests (5 convolutions, 128 output channels)."""
from __future__ import annotations

import torch
from torch import nn

from ltr.models.backbones.common import init_weights, sequential_spatial_layers


def _conv_bn(cin: int, cout: int, stride: int, relu: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, stride=stride, bias=False), nn.BatchNorm2d(cout)]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


class TinyNet(nn.Module):
    """3x3 unpadded convolutions 32(s2)-64(s2)-96(s2)-128-128 with BN; the last without ReLU."""

    def __init__(self, width: tuple[int, ...] = (32, 64, 96, 128, 128)):
        super().__init__()
        c1, c2, c3, c4, c5 = width
        self.features = nn.Sequential(
            *_conv_bn(3, c1, 2), *_conv_bn(c1, c2, 2), *_conv_bn(c2, c3, 2),
            *_conv_bn(c3, c4, 1), *_conv_bn(c4, c5, 1, relu=False),
        )
        self.out_channels = c5
        self.stride = 8
        init_weights(self)

    def spatial_layers(self) -> list[nn.Module]:
        """Convolutions on the path input -> output, in order."""
        return sequential_spatial_layers(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised image NCHW -> features (N, 128, H', W')."""
        return self.features(x)
