"""Image normalisation inside the network: 0-255 RGB in, ImageNet mean/std normalised out."""
from __future__ import annotations

import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# ITU-R BT.601 luma weights (what OpenCV's RGB2GRAY uses)
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


class ImageNormalizer(nn.Module):
    """(x - mean) / std with ImageNet statistics scaled to 0-255 input; mean/std are buffers."""

    def __init__(self, mean: tuple[float, ...] = IMAGENET_MEAN, std: tuple[float, ...] = IMAGENET_STD):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1) * 255.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Float NCHW 0-255 RGB -> normalised NCHW."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"ImageNormalizer expects N x 3 x H x W RGB, got shape {tuple(x.shape)}")
        return (x - self.mean) / self.std


def to_grayscale(x: torch.Tensor, keep_channels: bool = True) -> torch.Tensor:
    """RGB NCHW (any range) -> luma, replicated to 3 channels (so a colour backbone accepts it) unless not keep_channels."""
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"to_grayscale expects N x 3 x H x W RGB, got shape {tuple(x.shape)}")
    w = torch.tensor(LUMA_WEIGHTS, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    gray = (x * w).sum(dim=1, keepdim=True)
    return gray.expand(-1, 3, -1, -1).contiguous() if keep_channels else gray


class ReverseChannels(nn.Module):
    """RGB <-> BGR channel swap of an NCHW image (for weights trained on BGR frames, as OpenCV reads them)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Channels 0 and 2 exchanged."""
        return x.flip(1)
