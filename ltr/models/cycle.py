"""Cycle consistency of dense correspondence: forward then backward should bring every cell home."""
from __future__ import annotations

from typing import Callable

import torch


def identity_maps(b: int, h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """[B, H*W, H, W]: channel n is the one-hot map of cell n (row-major)."""
    eye = torch.eye(h * w, device=device, dtype=dtype).reshape(h * w, h, w)
    return eye.unsqueeze(0).expand(b, -1, -1, -1)


def cycle_consistency_loss(attn_fwd, attn_bwd, warp_fn: Callable, grid_size: int | tuple[int, int],
                           eps: float = 1e-6) -> torch.Tensor:
    """Cross-entropy of returning to the start cell after warping position maps forward then backward.

    ``attn_fwd`` carries maps of frame A into frame B (attention of B's cells over A's), ``attn_bwd`` carries
    maps of B back into A; ``warp_fn(attention, map)`` is e.g. ``correspondence.warp``. Every cell p of A
    starts as a one-hot map; after both warps channel p holds the probability of landing back on each
    cell of A, and the loss is the mean of -log P(p -> p).
    """
    h, w = (grid_size, grid_size) if isinstance(grid_size, int) else grid_size
    b = attn_fwd.weights.shape[0]
    start = identity_maps(b, h, w, attn_fwd.weights.device, attn_fwd.weights.dtype)
    there = warp_fn(attn_fwd, start)      # B, HW (start cell), H, W (cells of B)
    back = warp_fn(attn_bwd, there)       # B, HW (start cell), H, W (cells of A)
    home = torch.diagonal(back.reshape(b, h * w, h * w), dim1=1, dim2=2)
    return -torch.log(home.clamp(min=eps)).mean()
