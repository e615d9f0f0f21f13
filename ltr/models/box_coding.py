"""Between per-cell ltrb distances on a score Grid and xywh boxes in crop pixels."""
from __future__ import annotations

import functools

import torch

from common.geometry import Grid


def cell_centers(grid: Grid, device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """(cx, cy) of every cell, each [S*S], row-major (y then x) as ``flatten`` orders an SxS map.

    Cached per (grid, device, dtype) in eager mode (the trackers decode every frame on the same grid; the tensors are
    shared, so callers must not change them in place); made afresh while torch.compile / torch.export trace."""
    if torch.compiler.is_compiling():
        return _make_cell_centers(grid, device, dtype)
    return _cached_cell_centers(grid, device, dtype)


def _make_cell_centers(grid: Grid, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    c = torch.as_tensor(grid.centers(), device=device, dtype=dtype)
    cy, cx = torch.meshgrid(c, c, indexing="ij")
    return cx.reshape(-1), cy.reshape(-1)


@functools.lru_cache(maxsize=64)
def _cached_cell_centers(grid: Grid, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    # normal tensors even under inference mode: a tracker may fill the cache, and training code then uses the same
    # tensors in autograd graphs
    with torch.inference_mode(False):
        cx, cy = _make_cell_centers(grid, device, dtype)
        return cx.contiguous(), cy.contiguous()


def decode_ltrb(ltrb: torch.Tensor, grid: Grid) -> torch.Tensor:
    """ltrb [B,4,S,S] (distances from each cell centre to the box sides) -> boxes xywh [B,S*S,4] in crop pixels."""
    if ltrb.dim() != 4 or ltrb.shape[1] != 4 or ltrb.shape[2] != grid.size or ltrb.shape[3] != grid.size:
        raise ValueError(f"decode_ltrb expects [B,4,{grid.size},{grid.size}], got {tuple(ltrb.shape)}")
    cx, cy = cell_centers(grid, ltrb.device, ltrb.dtype)
    l, t, r, b = ltrb.flatten(2).unbind(1)
    x1, y1 = cx - l, cy - t
    return torch.stack([x1, y1, (cx + r) - x1, (cy + b) - y1], dim=-1)


def encode_box(box_xywh: torch.Tensor, grid: Grid) -> torch.Tensor:
    """Boxes xywh [B,4] (or [4]) -> ltrb [B,4,S,S]: distances from every cell centre to the box sides."""
    box = torch.as_tensor(box_xywh, dtype=torch.float32) if not torch.is_tensor(box_xywh) else box_xywh
    single = box.dim() == 1
    box = box.reshape(-1, 4)
    cx, cy = cell_centers(grid, box.device, box.dtype)
    x1, y1, w, h = (v[:, None] for v in box.unbind(1))
    ltrb = torch.stack([cx - x1, cy - y1, x1 + w - cx, y1 + h - cy], dim=1)
    ltrb = ltrb.reshape(box.shape[0], 4, grid.size, grid.size)
    return ltrb[0] if single else ltrb
