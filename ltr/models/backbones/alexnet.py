"""AlexNet with batch norm and no padding, as the SiamFC / SiamFC++ backbone (total stride 8, 256 channels)."""
from __future__ import annotations

import torch
from torch import nn

from ltr.models.backbones.common import init_weights, sequential_spatial_layers


class AlexNetBN(nn.Module):
    """Five unpadded convolutions 96-256-384-384-256 with BN; the last has no ReLU (SiamFC++ 'AlexNet')."""

    def __init__(self, width: tuple[int, ...] = (96, 256, 384, 384, 256)):
        super().__init__()
        c1, c2, c3, c4, c5 = width
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, 11, stride=2), nn.BatchNorm2d(c1), nn.ReLU(inplace=True),   # 0 1 2
            nn.MaxPool2d(3, stride=2),                                                    # 3
            nn.Conv2d(c1, c2, 5), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),             # 4 5 6
            nn.MaxPool2d(3, stride=2),                                                    # 7
            nn.Conv2d(c2, c3, 3), nn.BatchNorm2d(c3), nn.ReLU(inplace=True),             # 8 9 10
            nn.Conv2d(c3, c4, 3), nn.BatchNorm2d(c4), nn.ReLU(inplace=True),             # 11 12 13
            nn.Conv2d(c4, c5, 3), nn.BatchNorm2d(c5),                                     # 14 15
        )
        self.out_channels = c5
        self.stride = 8
        init_weights(self)

    def spatial_layers(self) -> list[nn.Module]:
        """Convolutions and poolings on the path input -> output, in order."""
        return sequential_spatial_layers(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised image NCHW -> features (N, 256, H', W')."""
        return self.features(x)
