"""Depth-wise cross-correlation (SiamRPN++ / SiamFC++ style), batch folded into the groups."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def depthwise_xcorr(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Correlate each channel of ``x`` [B,C,H,W] with the same channel of ``kernel`` [B,C,h,w] -> [B,C,H-h+1,W-w+1]."""
    if x.dim() != 4 or kernel.dim() != 4 or x.shape[:2] != kernel.shape[:2]:
        raise ValueError(f"depthwise_xcorr needs [B,C,H,W] and [B,C,h,w] with equal B, C; got "
                         f"{tuple(x.shape)} and {tuple(kernel.shape)}")
    b, c, h, w = x.shape
    out = F.conv2d(x.reshape(1, b * c, h, w), kernel.reshape(b * c, 1, kernel.shape[2], kernel.shape[3]), groups=b * c)
    return out.reshape(b, c, out.shape[2], out.shape[3])


def center_crop_features(feat: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` cells of [B,C,H,W] features (H - size and W - size must be even)."""
    h, w = feat.shape[-2:]
    if size > min(h, w) or (h - size) % 2 or (w - size) % 2:
        raise ValueError(f"cannot centre-crop {h}x{w} features to {size}x{size} (needs an even margin)")
    top, left = (h - size) // 2, (w - size) // 2
    return feat[..., top:top + size, left:left + size]
