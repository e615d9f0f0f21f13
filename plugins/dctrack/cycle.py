"""Cycle consistency of dense correspondence: forward then backward should bring every cell home."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


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


def local_cycle_loss(fwd: torch.Tensor, bwd: torch.Tensor, radius: int, grid_size: tuple[int, int],
                     eps: float = 1e-6) -> torch.Tensor:
    """``cycle_consistency_loss`` for local-window attention in O(N K) memory instead of O(N^2 K).

    ``fwd`` / ``bwd`` [B, N, K] are the window weights (row-major (dy, dx) offsets, K = (2r+1)^2) of B's cells over
    A's and of A's cells over B's. Cell p of A comes home with probability
    sum_j bwd[p, j] * fwd[p + offset_j, mirror(j)], where mirror(j) = K - 1 - j is the window position of -offset_j.
    """
    h, w = grid_size
    b, n, k = fwd.shape
    size = 2 * radius + 1
    if n != h * w or k != size * size or bwd.shape != fwd.shape:
        raise ValueError(f"local_cycle_loss: weights {tuple(fwd.shape)} / {tuple(bwd.shape)} do not fit a "
                         f"{h}x{w} grid with radius {radius}")
    padded = F.pad(fwd.transpose(1, 2).reshape(b, k, h, w), (radius, radius, radius, radius))
    back = bwd.transpose(1, 2).reshape(b, k, h, w)
    home = fwd.new_zeros(b, h, w)
    for j in range(k):
        dy, dx = divmod(j, size)
        home = home + back[:, j] * padded[:, k - 1 - j, dy:dy + h, dx:dx + w]
    return -torch.log(home.clamp(min=eps)).mean()
