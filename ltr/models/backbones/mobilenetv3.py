"""MobileNetV3-small trunk at stride 16: the stem and the first eight inverted-residual blocks (48 channels).

Layer names follow the common MobileNetV3 re-implementation (``features.0`` the stem, ``features.N.conv.M`` the
blocks), so published Siamese-tracker weights that use this trunk load by name. The block table below reproduces
the tensor shapes of such a checkpoint: expansion widths 16-72-88-96-240-240-120-144, squeeze-excitation widths
``make_divisible(hidden / 4, 8)``. Every convolution is padded by ``(k - 1) / 2``, so output cell i is centred
on input pixel ``16 * i`` (``compute_geometry`` finds offset 0.5 in the continuous convention).

The trunk takes whatever input its weights were trained on (it does no normalisation of its own).
"""
from __future__ import annotations

import dataclasses

import torch
from torch import nn

from ltr.models.backbones.common import init_weights, sequential_spatial_layers


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to a multiple of ``divisor`` (at least ``divisor``), never more than 10 % below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@dataclasses.dataclass(frozen=True)
class BlockSpec:
    """One inverted-residual block: kernel, expansion width, output width, squeeze-excitation, hard-swish, stride."""

    kernel: int
    hidden: int
    out: int
    se: bool
    hswish: bool
    stride: int


# MobileNetV3-small (width 1.0) cut after its eighth block: strides 2 (stem) x 2 x 2 x 1 x 2 x 1 ... = 16.
SMALL_STRIDE16 = (
    BlockSpec(3, 16, 16, True, False, 2),
    BlockSpec(3, 72, 24, False, False, 2),
    BlockSpec(3, 88, 24, False, False, 1),
    BlockSpec(5, 96, 40, True, True, 2),
    BlockSpec(5, 240, 40, True, True, 1),
    BlockSpec(5, 240, 40, True, True, 1),
    BlockSpec(5, 120, 48, True, True, 1),
    BlockSpec(5, 144, 48, True, True, 1),
)
STEM_CHANNELS = 16


class SqueezeExcite(nn.Module):
    """Channel gate: global average -> Linear -> ReLU -> Linear -> hard sigmoid (module names ``fc.0`` / ``fc.2``)."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = make_divisible(channels // reduction, 8)
        self.fc = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels),
                                nn.Hardsigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scale each channel of ``x`` by its gate."""
        gate = self.fc(x.mean(dim=(2, 3)))
        return x * gate[:, :, None, None]


def _activation(hswish: bool) -> nn.Module:
    return nn.Hardswish() if hswish else nn.ReLU(inplace=True)


class InvertedResidual(nn.Module):
    """Expand (1x1) -> depth-wise kxk -> [SE] -> project (1x1); residual when the shape is kept.

    When the expansion width equals the input width the 1x1 expansion is left out and the SE gate sits after
    the activation (``conv.0``-``conv.5``), otherwise before it (``conv.0``-``conv.8``).
    """

    def __init__(self, cin: int, spec: BlockSpec):
        super().__init__()
        k, hid, pad = spec.kernel, spec.hidden, (spec.kernel - 1) // 2
        self.residual = spec.stride == 1 and cin == spec.out
        depthwise = nn.Conv2d(hid, hid, k, spec.stride, pad, groups=hid, bias=False)
        gate = SqueezeExcite(hid) if spec.se else nn.Identity()
        project = [nn.Conv2d(hid, spec.out, 1, bias=False), nn.BatchNorm2d(spec.out)]
        if cin == hid:
            layers = [depthwise, nn.BatchNorm2d(hid), _activation(spec.hswish), gate, *project]
        else:
            layers = [nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), _activation(spec.hswish),
                      depthwise, nn.BatchNorm2d(hid), gate, _activation(spec.hswish), *project]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One block."""
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV3Small(nn.Module):
    """MobileNetV3-small trunk: stem (3x3 s2, hard-swish) + the blocks of ``blocks``; ``out_channels`` / ``stride``."""

    def __init__(self, blocks: tuple[BlockSpec, ...] = SMALL_STRIDE16, stem_channels: int = STEM_CHANNELS):
        super().__init__()
        layers: list[nn.Module] = [nn.Sequential(nn.Conv2d(3, stem_channels, 3, 2, 1, bias=False),
                                                 nn.BatchNorm2d(stem_channels), nn.Hardswish())]
        cin, stride = stem_channels, 2
        for spec in blocks:
            layers.append(InvertedResidual(cin, spec))
            cin, stride = spec.out, stride * spec.stride
        self.features = nn.Sequential(*layers)
        self.out_channels = cin
        self.stride = stride
        init_weights(self)

    def spatial_layers(self) -> list[nn.Module]:
        """Convolutions on the path input -> output, in order (the SE gates are global, not spatial)."""
        return sequential_spatial_layers(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Image NCHW -> features (N, 48, H/16, W/16) (rounded up by the padded convolutions)."""
        return self.features(x)
