"""Helpers shared by the backbone files: initialisation and the spatial-layer walk used by geometry."""
from __future__ import annotations

from torch import nn

SPATIAL_TYPES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


def init_weights(module: nn.Module) -> None:
    """He (fan-out) init for convolutions, BN weight 1 / bias 0, small normal for linear layers."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)


def sequential_spatial_layers(seq: nn.Module) -> list[nn.Module]:
    """The convolutions and poolings of a plain chain, in order (for ``compute_geometry``)."""
    return [m for m in seq.modules() if isinstance(m, SPATIAL_TYPES)]
