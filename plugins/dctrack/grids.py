"""Moving maps between the network's grids (search features, correlation output, score) exactly.

All grids share the crop-pixel frame of one search crop (``common.geometry.Grid``: cell i centred at
``offset + stride * i``). When the destination cells fall on source cells (same stride, integer shift)
the map is cropped / zero-padded by slicing, which is exact; otherwise it is bilinearly sampled at
the destination cell centres (zeros outside the source grid).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from common.geometry import Grid


def correlation_grid(feature: Grid, template_feature_size: int) -> Grid:
    """Grid of a valid depth-wise correlation of a ``template_feature_size`` kernel over ``feature``."""
    size = feature.size - template_feature_size + 1
    if size < 1:
        raise ValueError(f"template features ({template_feature_size}) larger than search features ({feature.size})")
    return Grid(size, feature.stride, feature.offset + feature.stride * (template_feature_size - 1) / 2.0)


def _integer_shift(src: Grid, dst: Grid) -> int | None:
    """Source index of destination cell 0 when the grids align cell-for-cell, else None."""
    if not math.isclose(src.stride, dst.stride, rel_tol=1e-9):
        return None
    shift = (dst.offset - src.offset) / src.stride
    rounded = round(shift)
    return int(rounded) if abs(shift - rounded) < 1e-6 else None


def resample(x: torch.Tensor, src: Grid, dst: Grid) -> torch.Tensor:
    """Map ``x`` (B, C, src.size, src.size) onto ``dst`` cells; cells outside ``src`` get 0."""
    if x.shape[-1] != src.size or x.shape[-2] != src.size:
        raise ValueError(f"map of size {tuple(x.shape[-2:])} does not match its grid size {src.size}")
    shift = _integer_shift(src, dst)
    if shift is not None:
        return _shift_crop(x, shift, dst.size)
    return _bilinear(x, src, dst)


def _shift_crop(x: torch.Tensor, start: int, size: int) -> torch.Tensor:
    """Rows/cols ``start .. start+size`` of ``x``, zero padded where they leave the map."""
    n = x.shape[-1]
    pad_before = max(0, -start)
    pad_after = max(0, start + size - n)
    if pad_before or pad_after:
        x = F.pad(x, (pad_before, pad_after, pad_before, pad_after))
        start += pad_before
    return x[..., start:start + size, start:start + size]


def _bilinear(x: torch.Tensor, src: Grid, dst: Grid) -> torch.Tensor:
    idx = (torch.as_tensor(dst.centers(), dtype=x.dtype, device=x.device) - src.offset) / src.stride
    norm = 2.0 * idx / max(src.size - 1, 1) - 1.0 if src.size > 1 else torch.zeros_like(idx)
    gy, gx = torch.meshgrid(norm, norm, indexing="ij")
    grid = torch.stack([gx, gy], dim=-1).unsqueeze(0).expand(x.shape[0], -1, -1, -1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def coordinate_maps(grid: Grid, reference: float, like: torch.Tensor) -> torch.Tensor:
    """(1, 2, S, S) maps of each cell's x and y crop-pixel centre divided by ``reference`` (the crop size)."""
    c = torch.as_tensor(grid.centers(), dtype=like.dtype, device=like.device) / reference
    gy, gx = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([gx, gy]).unsqueeze(0)
